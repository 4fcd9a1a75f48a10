"""A tiny TC string *encoder* for tests, written independently of the decoder.

It follows the IAB "Consent string and vendor list formats v2" layout field by field and
turns bits into text with the standard library's ``base64.urlsafe_b64encode`` (bits padded
to whole bytes, ``=`` dropped), so a decoder bug cannot cancel out an encoder bug.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

DEFAULT_TIME = datetime(2025, 6, 3, tzinfo=UTC)


def uint(value: int, width: int) -> str:
    assert 0 <= value < 1 << width, (value, width)
    return format(value, f"0{width}b")


def flags(ids: Iterable[int], width: int) -> str:
    chosen = set(ids)
    return "".join("1" if i in chosen else "0" for i in range(1, width + 1))


def letters(code: str) -> str:
    return "".join(uint(ord(c) - ord("A"), 6) for c in code.upper())


def deciseconds(when: datetime) -> int:
    return round(when.timestamp() * 10)


def runs(ids: Iterable[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for i in sorted(set(ids)):
        if out and out[-1][1] == i - 1:
            out[-1] = (out[-1][0], i)
        else:
            out.append((i, i))
    return out


def range_entries(spans: list[tuple[int, int]]) -> str:
    bits = uint(len(spans), 12)
    for start, end in spans:
        bits += "1" + uint(start, 16) + uint(end, 16) if end != start else "0" + uint(start, 16)
    return bits


@dataclass(frozen=True)
class Vendors:
    """A vendor section: IDs, encoding, and optionally a MaxVendorId that lies."""

    ids: tuple[int, ...] = ()
    range_encoded: bool = False
    max_vendor_id: int | None = None
    spans: tuple[tuple[int, int], ...] | None = None  # raw range entries (may be invalid)
    bitfield_length: int | None = None  # bits actually written (may be < MaxVendorId)

    def bits(self) -> str:
        max_id = self.max_vendor_id if self.max_vendor_id is not None else max(self.ids, default=0)
        if self.range_encoded:
            spans = list(self.spans) if self.spans is not None else runs(self.ids)
            return uint(max_id, 16) + "1" + range_entries(spans)
        length = max_id if self.bitfield_length is None else self.bitfield_length
        return uint(max_id, 16) + "0" + flags(self.ids, length)


def core_bits(
    *,
    version: int = 2,
    created: datetime = DEFAULT_TIME,
    last_updated: datetime | None = None,
    cmp_id: int = 10,
    cmp_version: int = 3,
    consent_screen: int = 1,
    consent_language: str = "EN",
    vendor_list_version: int = 150,
    policy_version: int = 5,
    is_service_specific: bool = True,
    use_non_standard_texts: bool = False,
    special_feature_optins: Iterable[int] = (),
    purpose_consents: Iterable[int] = (1, 2, 7),
    purpose_legitimate_interests: Iterable[int] = (),
    purpose_one_treatment: bool = False,
    publisher_cc: str = "DE",
    vendor_consents: Vendors = Vendors((1, 2, 3)),
    vendor_legitimate_interests: Vendors = Vendors(),
    publisher_restrictions: Iterable[tuple[int, int, Iterable[int]]] = (),
) -> str:
    restrictions = list(publisher_restrictions)
    bits = [
        uint(version, 6),
        uint(deciseconds(created), 36),
        uint(deciseconds(last_updated or created), 36),
        uint(cmp_id, 12),
        uint(cmp_version, 12),
        uint(consent_screen, 6),
        letters(consent_language),
        uint(vendor_list_version, 12),
        uint(policy_version, 6),
        "1" if is_service_specific else "0",
        "1" if use_non_standard_texts else "0",
        flags(special_feature_optins, 12),
        flags(purpose_consents, 24),
        flags(purpose_legitimate_interests, 24),
        "1" if purpose_one_treatment else "0",
        letters(publisher_cc),
        vendor_consents.bits(),
        vendor_legitimate_interests.bits(),
        uint(len(restrictions), 12),
    ]
    for purpose, kind, ids in restrictions:
        bits += [uint(purpose, 6), uint(kind, 2), range_entries(runs(ids))]
    return "".join(bits)


def vendor_segment_bits(seg_type: int, vendors: Vendors) -> str:
    return uint(seg_type, 3) + vendors.bits()


def publisher_tc_bits(
    consents: Iterable[int] = (),
    interests: Iterable[int] = (),
    custom_consents: Iterable[int] = (),
    custom_interests: Iterable[int] = (),
    num_custom: int = 0,
) -> str:
    return (
        uint(3, 3)
        + flags(consents, 24)
        + flags(interests, 24)
        + uint(num_custom, 6)
        + flags(custom_consents, num_custom)
        + flags(custom_interests, num_custom)
    )


def to_text(bits: str, pad_to: int = 8) -> str:
    """Bits → base64url without ``=`` (bits padded with 0 to a multiple of ``pad_to``).

    ``pad_to=24`` (whole base64 groups) reproduces the IAB reference library's output.
    """
    bits += "0" * (-len(bits) % pad_to)
    raw = int(bits, 2).to_bytes(len(bits) // 8, "big") if bits else b""
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def to_bits(text: str) -> str:
    """base64url text (no padding) → its bits, 6 per character."""
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    bits = "".join(format(b, "08b") for b in raw)
    return bits[: 6 * len(text)] + "0" * max(0, 6 * len(text) - len(bits))


def encode(
    *,
    disclosed: Vendors | None = Vendors((1, 2, 3)),
    allowed: Vendors | None = None,
    publisher_tc: str | None = None,
    **core: object,
) -> str:
    """A whole TC string: core (``core_bits`` keywords), then the optional segments."""
    parts = [to_text(core_bits(**core))]  # type: ignore[arg-type]
    if disclosed is not None:
        parts.append(to_text(vendor_segment_bits(1, disclosed)))
    if allowed is not None:
        parts.append(to_text(vendor_segment_bits(2, allowed)))
    if publisher_tc is not None:
        parts.append(to_text(publisher_tc))
    return ".".join(parts)
