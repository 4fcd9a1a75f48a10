"""Configuration mistakes shown as one line in IPython and Jupyter (layer 5).

``events.send(None)`` with no ``SEEKA_*`` variables, or ``events.send(form.credentials)``
before the form is filled, raises :class:`~seeka_nb.errors.ConfigurationError` whose message
says which form or environment variable to fill.  A traceback into the library's source
adds nothing to that, so in an IPython shell (a notebook kernel) ``import seeka_nb``
registers a handler that shows such errors as their one line,
``ConfigurationError: Seeka credentials are incomplete: ...``.  Other errors keep their
tracebacks, and a shell that already has a custom exception handler is left alone.
IPython is never imported here: only a running shell is used.
"""

from __future__ import annotations

import sys
from typing import Any

from .errors import ConfigurationError

__all__ = ["install"]


def _one_line(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: Any = None) -> Any:
    """Show ``ConfigurationError: message`` (in the shell's colours), nothing else."""
    try:
        lines = shell.InteractiveTB.get_exception_only(etype, value)
        shell._showtraceback(etype, value, ["".join(lines).rstrip("\n")])
    except Exception:  # an IPython without these: its own short form
        shell.showtraceback((etype, value, tb), exception_only=True)


def install() -> bool:
    """Register the handler in the running IPython shell; True when it is (now) active."""
    ipython = sys.modules.get("IPython")
    get = getattr(ipython, "get_ipython", None)
    shell = get() if get is not None else None
    if shell is None or not hasattr(shell, "set_custom_exc"):
        return False
    current = getattr(shell, "custom_exceptions", ())
    if current == (ConfigurationError,):
        return True
    if current:  # someone else's handler: leave it
        return False
    shell.set_custom_exc((ConfigurationError,), _one_line)
    return True
