"""Decoding TCF v2 consent strings (layer 2, pure): bits → :class:`TCString`.

Owns the bit layout of IAB "Consent string and vendor list formats v2": the core segment
(always first, no segment type), then optional segments that start with a 3-bit type —
1 disclosed vendors, 2 allowed vendors (deprecated), 3 publisher TC.  Vendor lists come as a
bitfield or as range entries.  Anything that cannot be read unambiguously raises
:class:`ConsentError` saying what and where; nothing is guessed, stripped or repaired.
Bits left after the last field are allowed (encoders pad to whole bytes); non-zero leftovers
are reported as a note, which :func:`validate_tc` turns into a warning.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ...errors import ConsentError
from .bits import BitReader, check_characters
from .model import ConsentIssue, PublisherRestriction, PublisherTC, TCString, VendorSection
from .purposes import SEGMENT_NAMES

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_VERSION = 2


def decode_tc(s: str) -> TCString:
    """Decode a TCF v2 consent string; raise :class:`ConsentError` if it is malformed.

    Rejected: non-text or empty values, characters outside base64url (``+``, ``/``,
    padding ``=``, whitespace...), empty segments, versions other than 2 (``B...`` strings
    are TCF v1), truncated fields, bitfields shorter than their MaxVendorId, range entries
    outside 1..MaxVendorId or running backwards, and unknown, misplaced or repeated segment
    types.  Policy problems (old policy version, forbidden legitimate interests...) are not
    decoding errors: see :func:`validate_tc`.
    """
    return decode_with_notes(s)[0]


def decode_with_notes(s: str) -> tuple[TCString, list[ConsentIssue]]:
    """:func:`decode_tc`, plus warnings noticed while reading the bits."""
    if not isinstance(s, str):
        raise ConsentError(f"a TC string must be text, got {type(s).__name__}")
    if not s:
        raise ConsentError("the TC string is empty")
    check_characters(s)
    parts = s.split(".")
    for i, part in enumerate(parts, start=1):
        if not part:
            raise ConsentError(
                f"invalid TC string: segment {i} of {len(parts)} is empty "
                "(a leading, trailing or doubled '.')"
            )
    notes: list[ConsentIssue] = []
    core = BitReader(parts[0], "core segment")
    fields = _read_core(core)
    _note_trailing(core, notes)

    optional: dict[int, Any] = {}
    sections: list[VendorSection] = list(fields.pop("vendor_sections"))
    for i, part in enumerate(parts[1:], start=2):
        seg_type = BitReader(part, f"segment {i}").read_int(3, "SegmentType")
        name = SEGMENT_NAMES.get(seg_type)
        if seg_type == 0:
            raise ConsentError(
                f"invalid TC string: segment {i} has type 0 (core); the core segment comes "
                "first and only once"
            )
        if name is None:
            raise ConsentError(
                f"invalid TC string: segment {i} has unknown segment type {seg_type} "
                "(known: 1 disclosed vendors, 2 allowed vendors, 3 publisher TC)"
            )
        if seg_type in optional:
            raise ConsentError(
                f"invalid TC string: segment {i} repeats segment type {seg_type} ({name})"
            )
        r = BitReader(part, f"segment {i} ({name})")
        r.pos = 3
        if seg_type == 3:
            optional[3] = _read_publisher_tc(r)
        else:
            attr = "disclosed_vendors" if seg_type == 1 else "allowed_vendors"
            ids, section = _read_vendors(r, attr, name)
            optional[seg_type] = ids
            sections.append(section)
        _note_trailing(r, notes)

    tc = TCString(
        **fields,
        disclosed_vendors=optional.get(1),
        allowed_vendors=optional.get(2),
        publisher_tc=optional.get(3),
        segments=(0, *optional),
        vendor_sections=tuple(sections),
    )
    return tc, notes


def _read_core(r: BitReader) -> dict[str, Any]:
    version = r.read_int(6, "Version")
    if version == 1:
        raise ConsentError(
            "TCF v1 is not supported: this is a version 1 consent string (it starts with "
            "'B'); TCF v1 strings are invalid since 2020; ask for a TCF v2 string"
        )
    if version != _VERSION:
        raise ConsentError(
            f"unsupported TC string version {version}: only version 2 (TCF v2.x strings, "
            "starting with 'C') is supported"
        )
    out: dict[str, Any] = {"version": version}
    out["created"] = _time(r.read_int(36, "Created"))
    out["last_updated"] = _time(r.read_int(36, "LastUpdated"))
    out["cmp_id"] = r.read_int(12, "CmpId")
    out["cmp_version"] = r.read_int(12, "CmpVersion")
    out["consent_screen"] = r.read_int(6, "ConsentScreen")
    out["consent_language"] = r.read_letters("ConsentLanguage")
    out["vendor_list_version"] = r.read_int(12, "VendorListVersion")
    out["policy_version"] = r.read_int(6, "TcfPolicyVersion")
    out["is_service_specific"] = r.read_bool("IsServiceSpecific")
    out["use_non_standard_texts"] = r.read_bool("UseNonStandardTexts")
    out["special_feature_optins"] = r.read_flags(12, "SpecialFeatureOptIns")
    out["purpose_consents"] = r.read_flags(24, "PurposesConsent")
    out["purpose_legitimate_interests"] = r.read_flags(24, "PurposesLITransparency")
    out["purpose_one_treatment"] = r.read_bool("PurposeOneTreatment")
    out["publisher_cc"] = r.read_letters("PublisherCC")
    consents, s1 = _read_vendors(r, "vendor_consents", "vendor consent section")
    interests, s2 = _read_vendors(r, "vendor_legitimate_interests", "vendor LI section")
    out["vendor_consents"], out["vendor_legitimate_interests"] = consents, interests
    out["publisher_restrictions"] = _read_restrictions(r)
    out["vendor_sections"] = (s1, s2)
    return out


def _time(deciseconds: int) -> datetime:
    return _EPOCH + timedelta(seconds=deciseconds // 10, microseconds=deciseconds % 10 * 100_000)


def _read_vendors(r: BitReader, attr: str, what: str) -> tuple[frozenset[int], VendorSection]:
    """MaxVendorId, IsRangeEncoding, then a bitfield or range entries."""
    max_id = r.read_int(16, f"MaxVendorId of the {what}")
    is_range = r.read_bool(f"IsRangeEncoding of the {what}")
    if is_range:
        ids = _read_ranges(r, what, max_id)
    else:
        if r.remaining < max_id:
            raise ConsentError(
                f"invalid TC string: the bitfield of the {what} is shorter than its "
                f"MaxVendorId {max_id}: it needs {max_id} bits from bit {r.pos} of the "
                f"{r.segment}, but only {r.remaining} remain (truncated string?)"
            )
        ids = r.read_flags(max_id, f"BitField of the {what}")
    return ids, VendorSection(attr, max_id, is_range)


def _read_ranges(r: BitReader, what: str, max_id: int | None) -> frozenset[int]:
    """NumEntries (12 bits) × (IsARange, StartOrOnlyVendorId, [EndVendorId])."""
    count = r.read_int(12, f"NumEntries of the {what}")
    spans: list[tuple[int, int]] = []
    for n in range(1, count + 1):
        entry = f"range entry {n} of {count} in the {what}"
        is_span = r.read_bool(f"IsARange of {entry}")
        start = r.read_int(16, f"StartOrOnlyVendorId of {entry}")
        end = r.read_int(16, f"EndVendorId of {entry}") if is_span else start
        if start == 0:
            raise r.fail(f"{entry} starts at vendor ID 0 (vendor IDs start at 1)")
        if end < start:
            raise r.fail(f"{entry} runs backwards (vendors {start} to {end})")
        if max_id is not None and end > max_id:
            raise r.fail(f"{entry} reaches vendor ID {end}, above MaxVendorId {max_id}")
        spans.append((start, end))
    return frozenset(_expand(spans))


def _expand(spans: list[tuple[int, int]]) -> list[int]:
    """All IDs covered by inclusive spans, merging overlaps first (bounded by 65535 IDs)."""
    ids: list[int] = []
    last = 0
    for start, end in sorted(spans):
        lo = max(start, last + 1)
        if lo <= end:
            ids.extend(range(lo, end + 1))
            last = end
    return ids


def _read_restrictions(r: BitReader) -> tuple[PublisherRestriction, ...]:
    count = r.read_int(12, "NumPubRestrictions")
    out = []
    for n in range(1, count + 1):
        what = f"publisher restriction {n} of {count}"
        purpose = r.read_int(6, f"PurposeId of {what}")
        kind = r.read_int(2, f"RestrictionType of {what}")
        out.append(PublisherRestriction(purpose, kind, _read_ranges(r, what, None)))
    return tuple(out)


def _read_publisher_tc(r: BitReader) -> PublisherTC:
    consents = r.read_flags(24, "PubPurposesConsent")
    interests = r.read_flags(24, "PubPurposesLITransparency")
    n = r.read_int(6, "NumCustomPurposes")
    return PublisherTC(
        purpose_consents=consents,
        purpose_legitimate_interests=interests,
        num_custom_purposes=n,
        custom_purpose_consents=r.read_flags(n, "CustomPurposesConsent"),
        custom_purpose_legitimate_interests=r.read_flags(n, "CustomPurposesLITransparency"),
    )


def _note_trailing(r: BitReader, notes: list[ConsentIssue]) -> None:
    if r.trailing_ones():
        notes.append(
            ConsentIssue(
                "warning",
                "trailing_bits",
                f"the {r.segment} has non-zero bits after its last field (from bit {r.pos} "
                f"of {len(r.bits)}); encoders pad with zeros, so the string may be corrupted "
                "or a length field altered",
            )
        )
