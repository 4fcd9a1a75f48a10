"""Double-encoded UTF-8 ("mojibake") in an export's text cells (layer 3, helper of readers).

Owns :func:`repair_mojibake`.  Some shops' exports hold text that was UTF-8, read as
Windows-1252/Latin-1 and saved as UTF-8 again: ``Montréal`` became ``MontrÃ©al`` (seen in
an Etsy "Sold Orders" file).  Such a value is no valid spelling in any language, and sent as
a customer's name or city it would never match the same person elsewhere.

Decision: **repair, and report per column.**  Only values showing the tell-tale pattern (a
UTF-8 lead byte read as ``Ã``/``Â``/``â``... followed by continuation bytes read as
Latin-1/cp1252 characters) are handed to ftfy's ``fix_encoding``, which undoes the
double encoding only when the result is better text (``MontrÃ©al`` → ``Montréal``,
``nÂ° 76`` → ``n° 76``); nothing else in the cell changes.  Work is once per distinct
value.  ``read_orders(..., repair_mojibake=False)`` keeps the cells as written and still
reports where the pattern is.  The report is ``{column: cells}`` — counts, never values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.pdcompat import is_text_column

__all__ = ["repair_mojibake"]

# What a UTF-8 continuation byte (0x80-0xBF) looks like when read as cp1252 or Latin-1.
_CONTINUATION = (
    "\u0080-\u00bf"  # Latin-1 (C1 controls and 0xA0-0xBF as themselves)
    "\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u017d"
    "\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u017e\u0178"
)
_C = f"[{_CONTINUATION}]"
#: A 2-, 3- or 4-byte UTF-8 sequence read as single-byte characters.  A lost non-breaking
#: space (``HÃ`` + space for ``Hà``) is left to ftfy's own judgement on matched values.
_PATTERN = f"[\u00c2-\u00df]{_C}|[\u00e0-\u00ef]{_C}{{2}}|[\u00f0-\u00f4]{_C}{{3}}"


def repair_mojibake(df: pd.DataFrame, *, repair: bool = True) -> dict[str, int]:
    """Repair (or only find) double-encoded UTF-8 in ``df``'s text columns, in place.

    Returns ``{column name: number of cells}`` holding the pattern that ftfy can undo:
    repaired cells when ``repair``, suspect cells otherwise.  Empty when there is none.
    """
    found: dict[str, int] = {}
    for position, name in enumerate(df.columns):
        column = df.iloc[:, position]
        if not is_text_column(column) or pd.api.types.is_numeric_dtype(column):
            continue
        codes, uniques = pd.factorize(column)
        if len(uniques) == 0:
            continue
        distinct = pd.Series(uniques, dtype=object)
        texts = distinct.map(lambda v: v if isinstance(v, str) else "")
        suspect = texts.str.contains(_PATTERN, regex=True).to_numpy(dtype=bool)
        if not suspect.any():
            continue
        fixed = texts.to_numpy(dtype=object, copy=True)
        changed = np.zeros(len(fixed), dtype=bool)
        for i in np.flatnonzero(suspect):
            repaired = _fix(fixed[i])
            if repaired != fixed[i]:
                fixed[i], changed[i] = repaired, True
        if not changed.any():
            continue
        found[str(name)] = int(np.isin(codes, np.flatnonzero(changed)).sum())
        if repair:
            values = distinct.to_numpy(dtype=object, copy=True)
            values[changed] = fixed[changed]
            values = np.concatenate([values, np.array([None], dtype=object)])
            out = values[codes]  # code -1 (missing) -> None
            df.isetitem(position, pd.Series(out, index=df.index, dtype=column.dtype))  # type: ignore[arg-type]
    return found


def _fix(text: str) -> str:
    import ftfy

    return ftfy.fix_encoding(text)
