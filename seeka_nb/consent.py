"""``seeka_nb.consent``: decode and check IAB TCF v2.2/v2.3 consent strings (public API).

A TC string sent with an order *replaces* the consent Seeka holds for the customer, so
check it before use::

    from seeka_nb.consent import decode_tc, validate_tc

    tc = decode_tc(s)            # -> TCString (raises ConsentError saying what is wrong)
    validate_tc(s, now=...)      # -> list of ConsentIssue rows ("error" / "warning")
    tc.summary()                 # purposes, vendors, CMP, dates in words

The implementation lives in :mod:`seeka_nb.core.consent` (pure: no I/O, no clock); this
module is the stable import path.
"""

from __future__ import annotations

from .core.consent import (
    CLOCK_SKEW,
    FEATURES,
    MIN_POLICY_VERSION,
    PURPOSES,
    RESTRICTION_TYPES,
    SEGMENT_NAMES,
    SPECIAL_FEATURES,
    SPECIAL_PURPOSES,
    ConsentIssue,
    PublisherRestriction,
    PublisherTC,
    TCString,
    VendorSection,
    check_tc_strings,
    decode_tc,
    validate_tc,
)

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
