"""TCF v2.2/v2.3 consent strings: decoding and checks (layer 2, pure; no I/O, no clock).

``decode_tc(s)`` turns a TC string into a :class:`TCString` (or raises
:class:`~seeka_nb.errors.ConsentError` saying what is wrong and where); ``validate_tc(s,
now=...)`` lists the problems as :class:`ConsentIssue` rows (``error`` / ``warning``);
``check_tc_strings(values)`` does that for many distinct values.  The IAB names of
purposes and features are in :data:`PURPOSES` and its siblings (one table).  Strings are
never modified or repaired.
"""

from __future__ import annotations

from .decode import decode_tc
from .model import ConsentIssue, PublisherRestriction, PublisherTC, TCString, VendorSection
from .purposes import (
    FEATURES,
    PURPOSES,
    RESTRICTION_TYPES,
    SEGMENT_NAMES,
    SPECIAL_FEATURES,
    SPECIAL_PURPOSES,
)
from .validate import CLOCK_SKEW, MIN_POLICY_VERSION, check_tc_strings, validate_tc

__all__ = [
    "CLOCK_SKEW",
    "FEATURES",
    "MIN_POLICY_VERSION",
    "PURPOSES",
    "RESTRICTION_TYPES",
    "SEGMENT_NAMES",
    "SPECIAL_FEATURES",
    "SPECIAL_PURPOSES",
    "ConsentIssue",
    "PublisherRestriction",
    "PublisherTC",
    "TCString",
    "VendorSection",
    "check_tc_strings",
    "decode_tc",
    "validate_tc",
]
