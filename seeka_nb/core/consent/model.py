"""The decoded form of a TC string and of its validation findings (layer 2, pure data).

Owns the frozen dataclasses that :func:`decode_tc` returns (:class:`TCString` and its parts)
and :class:`ConsentIssue`, plus :meth:`TCString.summary`, the readable digest shown to
analysts (purposes and special features by their IAB names, vendor counts, segments).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from .purposes import PURPOSES, RESTRICTION_TYPES, SEGMENT_NAMES, SPECIAL_FEATURES, label


@dataclass(frozen=True)
class PublisherRestriction:
    """One publisher restriction: for ``purpose_id``, ``restriction_type`` applies to vendors.

    ``restriction_type``: 0 purpose flatly not allowed, 1 require consent, 2 require
    legitimate interest, 3 undefined (see :data:`RESTRICTION_TYPES`).
    """

    purpose_id: int
    restriction_type: int
    vendor_ids: frozenset[int]


@dataclass(frozen=True)
class PublisherTC:
    """The publisher TC segment (type 3): the publisher's own purposes and custom purposes."""

    purpose_consents: frozenset[int]
    purpose_legitimate_interests: frozenset[int]
    num_custom_purposes: int
    custom_purpose_consents: frozenset[int]
    custom_purpose_legitimate_interests: frozenset[int]


@dataclass(frozen=True)
class VendorSection:
    """How one vendor list was encoded: ``name`` is the :class:`TCString` attribute it fills."""

    name: str
    max_vendor_id: int
    range_encoded: bool


@dataclass(frozen=True)
class TCString:
    """A decoded TCF v2 consent string (core segment plus the optional segments).

    Times are aware UTC datetimes (the string stores deciseconds).  ID sets hold the IDs
    whose bit is 1.  ``disclosed_vendors``, ``allowed_vendors`` and ``publisher_tc`` are
    None when their segment is absent; ``segments`` lists the segment types in the order
    they appear (0 = core, 1 = disclosed vendors, 2 = allowed vendors, 3 = publisher TC).
    ``vendor_sections`` records each vendor list's MaxVendorId and encoding.
    """

    version: int
    created: datetime
    last_updated: datetime
    cmp_id: int
    cmp_version: int
    consent_screen: int
    consent_language: str
    vendor_list_version: int
    policy_version: int
    is_service_specific: bool
    use_non_standard_texts: bool
    special_feature_optins: frozenset[int]
    purpose_consents: frozenset[int]
    purpose_legitimate_interests: frozenset[int]
    purpose_one_treatment: bool
    publisher_cc: str
    vendor_consents: frozenset[int]
    vendor_legitimate_interests: frozenset[int]
    publisher_restrictions: tuple[PublisherRestriction, ...]
    disclosed_vendors: frozenset[int] | None
    publisher_tc: PublisherTC | None
    segments: tuple[int, ...]
    allowed_vendors: frozenset[int] | None = None
    vendor_sections: tuple[VendorSection, ...] = field(default=(), repr=False)

    def section(self, name: str) -> VendorSection | None:
        """The encoding of vendor list ``name`` (e.g. ``"vendor_consents"``), if present."""
        return next((s for s in self.vendor_sections if s.name == name), None)

    def summary(self) -> dict[str, object]:
        """A readable digest: names instead of bit numbers, counts instead of ID lists."""
        pub = self.publisher_tc
        return {
            "version": f"TCF v{self.version}",
            "created": self.created.isoformat(),
            "last_updated": self.last_updated.isoformat(),
            "cmp": f"CMP {self.cmp_id} (version {self.cmp_version}, screen {self.consent_screen})",
            "cmp_id": self.cmp_id,
            "policy_version": self.policy_version,
            "vendor_list_version": self.vendor_list_version,
            "consent_language": self.consent_language,
            "publisher_country": self.publisher_cc,
            "service_specific": self.is_service_specific,
            "purposes_consented": _names(PURPOSES, self.purpose_consents),
            "purposes_legitimate_interest": _names(PURPOSES, self.purpose_legitimate_interests),
            "special_features_opted_in": _names(
                SPECIAL_FEATURES, self.special_feature_optins, "special feature"
            ),
            "purpose_one_treatment": self.purpose_one_treatment,
            "vendors_consented": len(self.vendor_consents),
            "vendors_legitimate_interest": len(self.vendor_legitimate_interests),
            "vendors_disclosed": (
                None if self.disclosed_vendors is None else len(self.disclosed_vendors)
            ),
            "publisher_restrictions": [_restriction(r) for r in self.publisher_restrictions],
            "segments": [SEGMENT_NAMES.get(t, f"type {t}") for t in self.segments],
            "publisher_purposes_consented": pub and _names(PURPOSES, pub.purpose_consents),
            "publisher_purposes_legitimate_interest": pub
            and _names(PURPOSES, pub.purpose_legitimate_interests),
            "publisher_custom_purposes": pub and pub.num_custom_purposes,
        }


def _restriction(r: PublisherRestriction) -> str:
    kind = RESTRICTION_TYPES.get(r.restriction_type, "?")
    return f"purpose {r.purpose_id}: {kind} for {len(r.vendor_ids)} vendor(s)"


def _names(table: dict[int, str], ids: frozenset[int], kind: str = "purpose") -> list[str]:
    return [label(table, i, kind) for i in sorted(ids)]


@dataclass(frozen=True)
class ConsentIssue:
    """One finding about a TC string: ``error`` blocks its use, ``warning`` is reported."""

    severity: Literal["error", "warning"]
    code: str
    message: str
