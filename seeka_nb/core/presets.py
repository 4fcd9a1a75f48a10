"""Presets: a named column mapping plus the rules of one export layout (layer 2, pure).

A preset carries (1) mapping entries, used for the columns that exist (explicit ``mapping``
entries override them), (2) *exclusion* rules: vectorised row predicates whose orders are
held back with severity ``excluded`` (cancelled, voided...), (3) *not-a-product* rules:
line rows that carry order data but are not products (postage, tips...), (4) defaults
(``tz``, ``dayfirst``, ``currency``, ``status_policy``) and (5) header signatures used to
recognise the layout (one per header variant).  Each decision is written in ``notes`` so
``df.seeka.mapping()`` shows it.  Order statuses are read through the ``status`` mapping
field and the status policy (:mod:`seeka_nb.core.status`), in every preset alike.

Derived columns (``derive``) let a preset add virtual columns computed from the export
(e.g. a full name split into first and last names) without touching the user's frame;
``group_by`` names a key repeated on every row of an order when the activity ID is not.
Only the ``generic`` preset lives here; export presets register themselves with
:func:`register` from :mod:`seeka_nb.core.layouts`.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import ConfigurationError
from .mapping import normalise_name

RowPredicate = Callable[[pd.DataFrame], "np.ndarray | pd.Series"]


@dataclass(frozen=True)
class Rule:
    """A vectorised row rule: ``when(frame)`` → boolean mask over the frame's rows.

    For line rules, ``role`` says what a flagged line is instead of a product:
    ``"shipping"`` (its price × quantity is the order's shipping, part of the total),
    ``"in_total"`` (part of the order's total, e.g. a tip) or ``"not_product"`` (left out
    of products and totals, with a warning per line).
    """

    code: str
    message: str
    when: RowPredicate
    columns: tuple[Hashable, ...] = ()
    role: str = "not_product"

    def mask(self, frame: pd.DataFrame) -> np.ndarray:
        """Rows the rule flags; rules whose columns are absent flag nothing."""
        if any(c not in frame.columns for c in self.columns):
            return np.zeros(len(frame), dtype=bool)
        return np.asarray(self.when(frame), dtype=bool)


@dataclass(frozen=True)
class Preset:
    """A named mapping plus rules for one export layout (see the module docstring)."""

    name: str
    description: str
    mapping: dict[str, tuple[Hashable, ...]] = field(default_factory=dict)
    exclusions: tuple[Rule, ...] = ()
    not_products: tuple[Rule, ...] = ()
    notes: tuple[str, ...] = ()
    signature: frozenset[str] = frozenset()  # normalised header names that identify it
    variants: tuple[frozenset[str], ...] = ()  # other header variants' signatures
    group_by: tuple[Hashable, ...] = ()  # key repeated on every row of an order
    discount: tuple[Hashable, ...] = ()  # order discount column, to reconcile totals only
    derive: Callable[[pd.DataFrame], dict[str, pd.Series]] | None = None
    auto: bool = True  # also auto-detect fields the preset does not map
    tz: str | None = None
    dayfirst: bool | None = None
    currency: str | None = None
    status_policy: dict[str, str] = field(default_factory=dict)  # overrides the default

    def columns_for(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The frame plus the preset's derived columns (a new frame; the input is kept)."""
        if self.derive is None:
            return frame
        return frame.assign(**self.derive(frame))

    def matches(self, columns: pd.Index) -> float:
        """Share of the best-matching signature present in ``columns`` (0 when none)."""
        names = {normalise_name(c) for c in columns}
        return max(
            (len(sig & names) / len(sig) for sig in (self.signature, *self.variants) if sig),
            default=0.0,
        )


_REGISTRY: dict[str, Preset] = {}


def register(preset: Preset) -> Preset:
    """Add a preset to the registry (``preset=`` names resolve through it)."""
    _REGISTRY[preset.name] = preset
    return preset


def get_preset(name: str | Preset | None) -> Preset:
    """A preset by name (``None`` → ``generic``), or the object itself."""
    if isinstance(name, Preset):
        return name
    key = "generic" if name is None else str(name).lower().replace("-", "_")
    try:
        return _REGISTRY[key]
    except KeyError:
        raise ConfigurationError(
            f"Unknown preset {name!r}. Available: {', '.join(sorted(_REGISTRY))}."
        ) from None


def preset_names() -> list[str]:
    """Names of all registered presets."""
    return sorted(_REGISTRY)


def detect_preset(columns: pd.Index, *, threshold: float = 0.8) -> str | None:
    """The registered preset whose header signature best matches ``columns``."""
    best, score = None, threshold
    for preset in _REGISTRY.values():
        s = preset.matches(columns)
        if s >= score and (best is None or s > score):
            best, score = preset.name, s
    return best


def looks_like(df: pd.DataFrame, pre: Preset) -> str | None:
    """``"This looks like a Shopify export: ..."`` when the generic preset is used on a
    frame whose header matches an export preset (else ``None``)."""
    if pre.name != "generic":
        return None
    name = detect_preset(df.columns)
    if name is None or name == "generic":
        return None
    label = get_preset(name).name.replace("_", " ").title().replace("Woocommerce", "WooCommerce")
    return (
        f"This looks like a {label} export: pass preset={name!r} "
        "(or read the file with seeka_nb.read_orders, which detects it)"
    )


GENERIC = register(
    Preset(
        name="generic",
        description=(
            "Any tidy table: columns are matched to Seeka fields by name (see "
            "seeka_nb.core.mapping.SYNONYMS); statuses follow the default status policy."
        ),
        notes=(
            "columns matched by name; no layout rules",
            "status (Status, Order Status, Financial Status, Cancelled at, Refunded Amount...)"
            ": cancelled/voided/failed/declined, fully refunded and pending/unpaid/draft/on "
            "hold orders are held back; partially refunded ones are sent at their value with a "
            "warning; unknown statuses are sent with a warning (change with status_policy=)",
            "no order total: the total is the sum of the line amounts (lineTotal: Amount, "
            "Line Total, Item Total, Total Owed...), else of unit price × quantity",
        ),
    )
)


# The export presets register themselves on import (they need the classes above).
from . import layouts as _layouts  # noqa: E402, F401
