"""The local Seeka-compatible ingest sandbox (layer 3 adapter).

``Sandbox`` is an embedded HTTP server behaving like Seeka's ``POST /api/ingest`` as
``SEEKA_CONTRACT.md`` describes it, recording what it receives and able to misbehave on
purpose.  ``check_body`` is its contract check, reusable by tests.  It imports nothing from
``seeka_nb`` but ``schema`` and ``errors``, so it judges requests by the contract, never by
the client's own code.

Modules: ``problems`` (findings, strict JSON), ``contract_check`` (pure body check),
``faults`` (fault plan, rate limiter), ``store`` (recordings), ``ingest`` (ingest
decisions), ``handler`` (HTTP), ``httpserver`` (sockets, threads), ``server``
(``Sandbox``), ``cli`` (``seeka-nb sandbox``).
"""

from __future__ import annotations

from .contract_check import Problem, check_body, only_errors, only_warnings, parse_body
from .faults import FAULT_NAMES, parse_fault
from .server import Sandbox

__all__ = [
    "FAULT_NAMES",
    "Problem",
    "Sandbox",
    "check_body",
    "only_errors",
    "only_warnings",
    "parse_body",
    "parse_fault",
]
