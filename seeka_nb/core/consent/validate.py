"""Checking TC strings against the TCF v2.2/v2.3 rules Seeka relies on (layer 2, pure).

Owns :func:`validate_tc` and :func:`check_tc_strings`: decoding failures become one
``malformed`` error; a decodable string is then checked against the policy.  Severity
decisions (an ``error`` means the string must not be sent to Seeka, a ``warning`` is
reported and the string is still used):

==============================  =========  ===============================================
code                            severity   why
==============================  =========  ===============================================
malformed                       error      :func:`decode_tc` rejects it (what, where)
policy_version                  error      below 4 = before TCF v2.2; Seeka expects v2.2+
                                           and the policy says a new version invalidates
                                           older strings
not_service_specific            error      globally-scoped strings were retired; the
                                           specification requires IsServiceSpecific = 1
purpose_li_forbidden            error      legitimate interest on purpose 1 or 3–6 (not a
                                           permitted legal basis under TCF v2.2)
cmp_id                          error      CMP IDs 0 and 1 are not assigned to any CMP
created_in_future,              error      later than ``now`` (beyond 5 minutes of clock
last_updated_in_future                     skew); skipped when ``now`` is None
no_disclosed_vendors            warning    required since TCF v2.3 (``error`` with
                                           ``require_disclosed_vendors=True``)
vendors_not_disclosed           warning    vendors with consent or legitimate interest
                                           that the disclosed-vendors segment lacks
allowed_vendors_segment         warning    segment type 2 is deprecated
publisher_purpose_li_forbidden  warning    the same rule in the publisher TC segment (the
                                           publisher's own processing, not Seeka's)
restriction_type                error      publisher restriction type 3 is undefined
updated_before_created          warning    LastUpdated earlier than Created
vendor_list_version             warning    0 is not a real Global Vendor List version
unknown_purpose,                warning    bits set for IDs that the IAB never assigned
unknown_special_feature
trailing_bits                   warning    non-zero bits after the last field
==============================  =========  ===============================================

The string is never modified or repaired; no check reads a clock (pass ``now``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from ...errors import ConsentError
from .decode import decode_with_notes
from .model import ConsentIssue, TCString
from .purposes import NO_LEGITIMATE_INTEREST, PURPOSES, SPECIAL_FEATURES

#: TCF policy version 4 is TCF v2.2 (Global Vendor List v3).
MIN_POLICY_VERSION = 4
#: How far in the future Created/LastUpdated may lie before it counts (device clocks drift).
CLOCK_SKEW = timedelta(minutes=5)


def validate_tc(
    s: str, *, now: datetime | None = None, require_disclosed_vendors: bool = False
) -> list[ConsentIssue]:
    """Every problem with TC string ``s``: errors first, then warnings; ``[]`` if none.

    Never raises for any value of ``s`` (a non-string or malformed value gives one
    ``malformed`` error).  ``now`` (aware; a naive datetime is taken as UTC) enables the
    "created/last updated in the future" checks; this pure function reads no clock, so
    with ``now=None`` those checks are skipped.  ``require_disclosed_vendors`` turns a
    missing disclosed-vendors segment (TCF v2.3) from a warning into an error.
    """
    try:
        tc, notes = decode_with_notes(s)
    except ConsentError as exc:
        return [ConsentIssue("error", "malformed", str(exc))]
    issues = [*_policy(tc), *_times(tc, now), *_vendors(tc, require_disclosed_vendors), *notes]
    return sorted(issues, key=lambda i: i.severity != "error")


def check_tc_strings(
    values: Sequence[str], *, now: datetime | None = None
) -> list[list[ConsentIssue]]:
    """:func:`validate_tc` for each value, in order (the caller de-duplicates values)."""
    return [validate_tc(v, now=now) for v in values]


def _ids(ids: Iterable[int], limit: int = 10) -> str:
    ordered = sorted(ids)
    text = ", ".join(map(str, ordered[:limit]))
    return text + (f" and {len(ordered) - limit} more" if len(ordered) > limit else "")


def _policy(tc: TCString) -> list[ConsentIssue]:
    out: list[ConsentIssue] = []
    if tc.policy_version < MIN_POLICY_VERSION:
        out.append(
            ConsentIssue(
                "error",
                "policy_version",
                f"TCF policy version {tc.policy_version} predates TCF v2.2 (policy version "
                f"{MIN_POLICY_VERSION}); such strings are no longer valid, the CMP must "
                "collect consent again",
            )
        )
    if not tc.is_service_specific:
        out.append(
            ConsentIssue(
                "error",
                "not_service_specific",
                "IsServiceSpecific is 0 (a globally-scoped string); TCF v2.2 strings must be "
                "service-specific",
            )
        )
    forbidden = tc.purpose_legitimate_interests & NO_LEGITIMATE_INTEREST
    if forbidden:
        out.append(
            ConsentIssue(
                "error",
                "purpose_li_forbidden",
                f"legitimate interest is signalled for purpose(s) {_ids(forbidden)}; TCF v2.2 "
                "allows only consent for purposes 1 and 3-6",
            )
        )
    if tc.cmp_id < 2:
        out.append(
            ConsentIssue(
                "error", "cmp_id", f"CMP ID {tc.cmp_id} is not a registered CMP (IDs start at 2)"
            )
        )
    undefined = sorted({r.purpose_id for r in tc.publisher_restrictions if r.restriction_type == 3})
    if undefined:
        out.append(
            ConsentIssue(
                "error",
                "restriction_type",
                f"publisher restriction(s) for purpose(s) {_ids(undefined)} use restriction "
                "type 3, which is undefined",
            )
        )
    if 2 in tc.segments:
        out.append(
            ConsentIssue(
                "warning",
                "allowed_vendors_segment",
                "the string has an allowed-vendors segment (type 2), which is deprecated",
            )
        )
    pub = tc.publisher_tc
    if pub is not None and pub.purpose_legitimate_interests & NO_LEGITIMATE_INTEREST:
        out.append(
            ConsentIssue(
                "warning",
                "publisher_purpose_li_forbidden",
                "the publisher TC segment signals legitimate interest for purpose(s) "
                f"{_ids(pub.purpose_legitimate_interests & NO_LEGITIMATE_INTEREST)}, "
                "which TCF v2.2 allows only with consent",
            )
        )
    if tc.vendor_list_version == 0:
        out.append(
            ConsentIssue(
                "warning",
                "vendor_list_version",
                "VendorListVersion is 0, which is not a Global Vendor List version",
            )
        )
    unknown = (tc.purpose_consents | tc.purpose_legitimate_interests) - PURPOSES.keys()
    if unknown:
        out.append(
            ConsentIssue(
                "warning",
                "unknown_purpose",
                f"bits are set for purpose(s) {_ids(unknown)}, which the IAB has not defined",
            )
        )
    unknown = tc.special_feature_optins - SPECIAL_FEATURES.keys()
    if unknown:
        out.append(
            ConsentIssue(
                "warning",
                "unknown_special_feature",
                f"opt-ins are set for special feature(s) {_ids(unknown)}, which the IAB has "
                "not defined",
            )
        )
    return out


def _times(tc: TCString, now: datetime | None) -> list[ConsentIssue]:
    out: list[ConsentIssue] = []
    if tc.last_updated < tc.created:
        out.append(
            ConsentIssue(
                "warning",
                "updated_before_created",
                f"LastUpdated ({tc.last_updated.isoformat()}) is earlier than Created "
                f"({tc.created.isoformat()})",
            )
        )
    if now is None:
        return out
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    for code, name, when in (
        ("created_in_future", "Created", tc.created),
        ("last_updated_in_future", "LastUpdated", tc.last_updated),
    ):
        if when > now + CLOCK_SKEW:
            out.append(
                ConsentIssue(
                    "error",
                    code,
                    f"{name} ({when.isoformat()}) is in the future "
                    f"(now: {now.astimezone(UTC).isoformat()})",
                )
            )
    return out


def _vendors(tc: TCString, require_disclosed: bool) -> list[ConsentIssue]:
    if tc.disclosed_vendors is None:
        return [
            ConsentIssue(
                "error" if require_disclosed else "warning",
                "no_disclosed_vendors",
                "the string has no disclosed-vendors segment, which TCF v2.3 requires",
            )
        ]
    out: list[ConsentIssue] = []
    for what, ids in (
        ("consent", tc.vendor_consents),
        ("legitimate interest", tc.vendor_legitimate_interests),
    ):
        missing = ids - tc.disclosed_vendors
        if missing:
            out.append(
                ConsentIssue(
                    "warning",
                    "vendors_not_disclosed",
                    f"{len(missing)} vendor(s) with {what} are missing from the disclosed "
                    f"vendors: {_ids(missing)}",
                )
            )
    return out
