"""The IAB TCF v2.2 names of purposes, special purposes, features and special features.

One table for the whole package (the consent summary, the notebook forms): the names are
the short titles of the Global Vendor List v3 (TCF policy version 4, TCF v2.2 wording).
Segment and publisher-restriction names live here too, so every label has one source.
"""

from __future__ import annotations

#: Purposes (IDs 1–11); a TC string has room for 24, the rest are unassigned.
PURPOSES: dict[int, str] = {
    1: "Store and/or access information on a device",
    2: "Use limited data to select advertising",
    3: "Create profiles for personalised advertising",
    4: "Use profiles to select personalised advertising",
    5: "Create profiles to personalise content",
    6: "Use profiles to select personalised content",
    7: "Measure advertising performance",
    8: "Measure content performance",
    9: "Understand audiences through statistics or combinations of data from different sources",
    10: "Develop and improve services",
    11: "Use limited data to select content",
}

#: Special purposes: processed without a user choice (not encoded in the TC string).
SPECIAL_PURPOSES: dict[int, str] = {
    1: "Ensure security, prevent and detect fraud, and fix errors",
    2: "Deliver and present advertising and content",
    3: "Save and communicate privacy choices",
}

#: Features: disclosed to the user, no choice (not encoded in the TC string).
FEATURES: dict[int, str] = {
    1: "Match and combine data from other data sources",
    2: "Link different devices",
    3: "Identify devices based on information transmitted automatically",
}

#: Special features: need the user's opt-in (``SpecialFeatureOptIns``, 12 bits).
SPECIAL_FEATURES: dict[int, str] = {
    1: "Use precise geolocation data",
    2: "Actively scan device characteristics for identification",
}

#: Purposes whose legitimate-interest bit must be 0 under TCF v2.2: purpose 1 never allowed
#: legitimate interest, purposes 3–6 lost it with policy version 4.
NO_LEGITIMATE_INTEREST: frozenset[int] = frozenset({1, 3, 4, 5, 6})

#: Segment types (3 bits at the start of every segment after the core one).
SEGMENT_NAMES: dict[int, str] = {
    0: "core",
    1: "disclosed vendors",
    2: "allowed vendors",
    3: "publisher TC",
}

#: Publisher restriction types (2 bits); 3 is undefined in the specification.
RESTRICTION_TYPES: dict[int, str] = {
    0: "purpose flatly not allowed",
    1: "require consent",
    2: "require legitimate interest",
    3: "undefined",
}


def label(table: dict[int, str], ident: int, kind: str = "purpose") -> str:
    """``"3. Create profiles for personalised advertising"`` (or ``"13. (unknown purpose)"``)."""
    return f"{ident}. {table.get(ident, f'(unknown {kind})')}"
