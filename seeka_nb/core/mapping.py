"""Column → Seeka field mapping: explicit entries, preset entries and auto-detection (layer 2).

Resolution order for each field: the caller's ``mapping`` (a value of ``None`` switches a
field off), then the preset's entries whose columns exist, then auto-detection from column
names (case, spaces, accents and punctuation ignored) against ranked synonym lists.  Two
columns matching a field at the same rank is an *ambiguity*: it is reported and the field is
left unmapped (an error for the required ``activityId`` and ``time``), never guessed.

Besides the Seeka fields, two fields steer the conversion without being sent: ``lineTotal``
(a line's amount including its quantity; summed into the order's total when no total is
mapped) and ``status`` (the order's status: one column or several, e.g. a payment status, a
cancellation date and a refunded amount; see :mod:`seeka_nb.core.status`).  ``status``
takes every matching column, like identity fields.  Money fields (``totalPrice``...,
``unitPrice``, ``lineTotal``) are never auto-detected from a column another field already
uses.
"""

from __future__ import annotations

import difflib
import html
import re
import unicodedata
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from ..errors import MappingError
from ..schema import (
    ADDRESS_FIELDS,
    IDENTITY_LIST_FIELDS,
    LINE_FIELDS,
    LINE_TOTAL_FIELD,
    MAPPABLE_FIELDS,
    PRODUCTS_LIST_FIELD,
    REQUIRED_FIELDS,
    STATUS_FIELD,
)
from .display import box, table_html
from .synonyms import SYNONYMS

MappingSpec = Mapping[str, "Hashable | Sequence[Hashable] | None"]

ALL_FIELDS = (*MAPPABLE_FIELDS, LINE_TOTAL_FIELD, PRODUCTS_LIST_FIELD, STATUS_FIELD)
#: Fields that hold money: auto-detection never takes a column another field uses.
MONEY_FIELDS = ("totalPrice", "totalTax", "totalShippingPrice", "unitPrice", LINE_TOTAL_FIELD)
#: Fields that take every matching column (the rest take the first one).
MULTI_COLUMN_FIELDS = (*IDENTITY_LIST_FIELDS, *ADDRESS_FIELDS, STATUS_FIELD)


def normalise_name(name: object) -> str:
    """``"Order ID"``, ``"order_id"``, ``"orderId"``, ``"Número de orden"`` → comparable."""
    text = unicodedata.normalize("NFKD", str(name))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]", "", text)


_RENAMED_DUPLICATE = re.compile(r"^(.*)\.([1-9][0-9]*)$")


def duplicate_columns(columns: Sequence[Hashable]) -> dict[str, list[str]]:
    """Headers that appear more than once: ``{"Email": ["Email", "Email.1"]}``.

    pandas renames the second ``Email`` of a CSV header ``Email.1`` (the third ``Email.2``);
    a label repeated as such in the DataFrame counts too.  Only string labels are checked.
    """
    labels = [c for c in columns if isinstance(c, str)]
    present = set(labels)
    groups: dict[str, list[str]] = {}
    for label in labels:
        match = _RENAMED_DUPLICATE.match(label)
        base = match.group(1) if match and match.group(1) in present else label
        groups.setdefault(base, []).append(label)
    return {base: members for base, members in groups.items() if len(members) > 1}


def field_level(name: str) -> str:
    """``order``, ``identity``, ``address`` or ``line`` — where a field's value lives."""
    if name in IDENTITY_LIST_FIELDS or name == "seekaPId":
        return "identity"
    if name in ADDRESS_FIELDS:
        return "address"
    if name in LINE_FIELDS or name in (PRODUCTS_LIST_FIELD, LINE_TOTAL_FIELD):
        return "line"
    return "order"


@dataclass(frozen=True)
class ColumnMapping:
    """Which column(s) feed each Seeka field, and how each choice was made.

    ``fields`` maps a field to its columns in priority order; ``source`` says ``explicit``,
    ``preset`` or ``auto``; ``ambiguous`` lists fields left unmapped because several
    columns matched; ``unused`` the columns nothing reads.  ``to_frame()`` and the HTML
    repr show it all.
    """

    fields: dict[str, tuple[Hashable, ...]]
    source: dict[str, str]
    ambiguous: dict[str, tuple[Hashable, ...]]
    notes: dict[str, str]
    unused: tuple[Hashable, ...]
    preset: str
    preset_notes: tuple[str, ...] = field(default=())

    def columns(self, name: str) -> tuple[Hashable, ...]:
        """The columns feeding ``name`` (empty when unmapped)."""
        return self.fields.get(name, ())

    def __contains__(self, name: object) -> bool:
        return name in self.fields

    def to_frame(self) -> pd.DataFrame:
        """One row per Seeka field: columns, source, level and notes."""
        rows = []
        for name in ALL_FIELDS:
            cols = self.fields.get(name, ())
            if not cols and name not in self.ambiguous and name not in self.notes:
                continue
            note = self.notes.get(name, "")
            if name in self.ambiguous:
                cands = ", ".join(repr(c) for c in self.ambiguous[name])
                note = f"ambiguous: {cands} all match; choose with mapping={{{name!r}: ...}}"
                if name in self.notes:
                    note += f" ({self.notes[name]})"
            rows.append(
                {
                    "field": name,
                    "columns": ", ".join(str(c) for c in cols),
                    "source": self.source.get(name, "—" if not cols else "auto"),
                    "level": field_level(name),
                    "note": note,
                }
            )
        return pd.DataFrame(rows, columns=["field", "columns", "source", "level", "note"])

    def __repr__(self) -> str:
        frame = self.to_frame()
        lines = [f"ColumnMapping(preset={self.preset!r})"]
        for r in frame.itertuples(index=False):
            cols = r.columns or "(unmapped)"
            extra = f"  [{r.note}]" if r.note else ""  # type: ignore[str-bytes-safe]
            lines.append(f"  {r.field:<20} <- {cols}  ({r.source}){extra}")  # type: ignore[str-bytes-safe]
        if self.unused:
            lines.append("  unused columns: " + ", ".join(str(c) for c in self.unused))
        lines.extend(f"  preset: {n}" for n in self.preset_notes)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        esc = html.escape
        frame = self.to_frame()
        tint = {"explicit": "#ddf4ff", "preset": "#fbefff", "auto": None}
        tints = [
            "#fff8c5" if str(r.note).startswith("ambiguous") else tint.get(str(r.source))
            for r in frame.itertuples(index=False)
        ]
        unused = ", ".join(esc(str(c)) for c in self.unused) or "none"
        notes = "".join(f"<li>{esc(n)}</li>" for n in self.preset_notes)
        return box(
            f"<b>Seeka column mapping</b>: {len(self.fields)} fields from "
            f"{len({c for cols in self.fields.values() for c in cols})} columns · preset "
            f"<code>{esc(self.preset)}</code>"
            + table_html(frame, tints=tints, max_rows=60)
            + f"<p>Unused columns: {unused}</p>"
            + (f"<p>Preset rules:</p><ul>{notes}</ul>" if notes else "")
            + "<p>Change a choice with <code>mapping={'field': 'column'}</code> "
            "(<code>None</code> switches a field off).</p>",
            colour="#0969da",
        )


def _as_columns(value: object) -> tuple[Hashable, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, Iterable):
        return (value,)
    return tuple(value)


#: Everyday words for a field that are not column-name synonyms (normalised).
MEANINGS: dict[str, str] = {
    "date": "time",
    "datetime": "time",
    "timestamp": "time",
    "when": "time",
    "id": "activityId",
    "amount": "totalPrice",
    "value": "totalPrice",
    "revenue": "totalPrice",
    "price": "totalPrice",
    "customer": "customerIdentifier",
    "mail": "email",
    "zip": "postcode",
}


def suggest_field(key: object) -> str | None:
    """The Seeka field a mistaken mapping key most likely means.

    By meaning first (``total`` → ``totalPrice``, ``date`` → ``time``, ``order`` →
    ``activityId``: the column-name synonyms and :data:`MEANINGS`), then by spelling.
    """
    norm = normalise_name(key)
    by_case = {f.lower(): f for f in ALL_FIELDS}
    if norm in by_case:
        return by_case[norm]
    for name, ranks in SYNONYMS.items():
        if any(norm in rank for rank in ranks):
            return name
    if norm in MEANINGS:
        return MEANINGS[norm]
    close = difflib.get_close_matches(str(key), ALL_FIELDS, n=1)
    return close[0] if close else None


def _check_explicit(spec: MappingSpec, columns: Sequence[Hashable]) -> None:
    unknown = [k for k in spec if k not in ALL_FIELDS]
    if unknown:
        hints = []
        for k in unknown:
            close = suggest_field(k)
            hints.append(f"{k!r}" + (f" (did you mean {close!r}?)" if close else ""))
        raise MappingError(
            f"Unknown Seeka field(s) in mapping: {', '.join(hints)}. Keys are Seeka field "
            f"names: {', '.join(ALL_FIELDS)}."
        )
    present = set(columns)
    for key, value in spec.items():
        for col in _as_columns(value):
            if col not in present:
                near = difflib.get_close_matches(str(col), [str(c) for c in columns], n=3)
                hint = f" Close matches: {near}." if near else ""
                raise MappingError(
                    f"mapping[{key!r}] names column {col!r}, which is not in the DataFrame."
                    f"{hint} Columns: {list(columns)}."
                )


def check_mapping_argument(mapping: object) -> None:
    """``to_events("Australia/Sydney")`` puts a time zone where the mapping goes: say so."""
    if mapping is None or isinstance(mapping, Mapping):
        return
    shown = repr(mapping) if len(repr(mapping)) <= 60 else f"a {type(mapping).__name__}"
    raise MappingError(
        f"mapping must be a dict of Seeka field -> column, got {shown}. The other "
        "options are keyword-only: to_events(tz='Australia/Sydney'), "
        "to_events(preset='shopify'), to_events(mapping={'totalPrice': 'Total'})."
    )


def resolve_mapping(
    columns: Sequence[Hashable],
    mapping: MappingSpec | None,
    *,
    preset_name: str,
    preset_mapping: Mapping[str, tuple[Hashable, ...]],
    preset_notes: Sequence[str] = (),
    auto: bool = True,
) -> ColumnMapping:
    """Resolve the columns for every field (see the module docstring)."""
    spec = dict(mapping or {})
    _check_explicit(spec, columns)
    fields: dict[str, tuple[Hashable, ...]] = {}
    source: dict[str, str] = {}
    ambiguous: dict[str, tuple[Hashable, ...]] = {}
    notes: dict[str, str] = {}
    present = set(columns)
    duplicated: dict[
        Hashable, tuple[str, ...]
    ] = {  # renamed repeats (x, x.1); a label repeated as such is refused later
        c: tuple(m) for m in duplicate_columns(columns).values() if len(set(m)) > 1 for c in m
    }
    for name, value in spec.items():
        cols = _as_columns(value)
        if cols:
            fields[name] = cols
            source[name] = "explicit"
        else:
            notes[name] = "switched off by mapping"
    for name, cols in preset_mapping.items():
        if name in spec:
            continue
        found = tuple(c for c in cols if c in present)
        if _held_back_as_duplicate(name, found, duplicated, ambiguous, notes):
            continue
        if found:
            # identity and address fields take every column; other fields list
            # alternatives for header variants: the first present one is used.
            many = name in MULTI_COLUMN_FIELDS
            fields[name] = found if many else found[:1]
            source[name] = "preset"
    by_norm: dict[str, list[Hashable]] = {}
    for col in columns:
        if isinstance(col, str):
            by_norm.setdefault(normalise_name(col), []).append(col)
    position = {c: i for i, c in enumerate(columns)}
    for name, ranks in SYNONYMS.items() if auto else ():
        if name in fields or name in spec:
            continue
        taken = {c for cols in fields.values() for c in cols} if name in MONEY_FIELDS else set()
        for rank, names in enumerate(ranks):
            hits: list[Hashable] = []
            for n in names:
                hits.extend(c for c in by_norm.get(n, []) if c not in hits and c not in taken)
            hits.sort(key=lambda c: position[c])
            if (len(hits) == 1 or (hits and name == STATUS_FIELD)) and _held_back_as_duplicate(
                name, tuple(hits), duplicated, ambiguous, notes
            ):
                break
            if hits and name == STATUS_FIELD:
                fields[name] = tuple(hits)
                source[name] = "auto"
                break
            if len(hits) == 1:
                fields[name] = (hits[0],)
                source[name] = "auto"
                weaker = [c for r in ranks[rank + 1 :] for n in r for c in by_norm.get(n, [])]
                if weaker:
                    notes[name] = "also matched (weaker): " + ", ".join(map(repr, weaker))
                break
            if len(hits) > 1:
                ambiguous[name] = tuple(hits)
                break
    used = {c for cols in fields.values() for c in cols}
    unused = tuple(c for c in columns if c not in used)
    missing = [f for f in REQUIRED_FIELDS if f not in fields]
    if missing:
        raise _missing_error(missing, ambiguous, columns, preset_name)
    return ColumnMapping(fields, source, ambiguous, notes, unused, preset_name, tuple(preset_notes))


def _held_back_as_duplicate(
    name: str,
    found: tuple[Hashable, ...],
    duplicated: Mapping[Hashable, tuple[str, ...]],
    ambiguous: dict[str, tuple[Hashable, ...]],
    notes: dict[str, str],
) -> bool:
    """A preset or auto-detected column whose header the file repeats is never picked."""
    groups = [duplicated[c] for c in found if c in duplicated]
    if not groups:
        return False
    members = tuple(dict.fromkeys(c for g in groups for c in g))
    ambiguous[name] = members
    notes[name] = (
        f"the file has several columns named {groups[0][0]!r} (pandas renamed the later "
        f"ones {', '.join(repr(c) for c in groups[0][1:])}); none is used on its own"
    )
    return True


def _missing_error(
    missing: list[str],
    ambiguous: dict[str, tuple[Hashable, ...]],
    columns: Sequence[Hashable],
    preset_name: str,
) -> MappingError:
    parts = []
    for name in missing:
        if name in ambiguous:
            cands = ", ".join(repr(c) for c in ambiguous[name])
            parts.append(f"{name}: several columns match ({cands})")
        else:
            looked = ", ".join(n for rank in SYNONYMS[name] for n in rank[:6])
            parts.append(f"{name}: no column found (looked for names like {looked})")
    example = ", ".join(f"{n!r}: '<column>'" for n in missing)
    return MappingError(
        "Cannot tell which column holds "
        + "; ".join(parts)
        + f". Columns: {list(columns)} (preset {preset_name!r}). "
        f"Pass mapping={{{example}}}."
    )
