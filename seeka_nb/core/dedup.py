"""Activity-ID analysis: repeats of an order ID that matter before sending (layer 2, pure).

The activity ID is Seeka's de-duplication key, shared with the browser SDK, so four kinds of
repeat are reported (one row each, with the input rows involved):

- ``conflicting_values``: one ID whose rows disagree on an order-level value (time,
  currency, total, customer): two orders may share an ID, or the export is inconsistent;
- ``duplicate_lines``: line rows identical in every mapped column (double counting?);
- ``split_order``: one ID in separate blocks of rows (concatenated or re-exported files?);
- ``id_hazard``: different spellings of what is probably one ID (``"1001"``, ``"1001.0"``,
  ``"#1001"``, ``" 1001"``): the browser SDK's ``activityIdentifier`` must equal what we
  send, or Seeka counts the order twice.

Values of personal fields are never shown, only counted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .build import OrderTable
from .display import box, table_html
from .values import is_present

DUPLICATE_COLUMNS = ("activity_id", "kind", "field", "rows", "n_rows", "detail")


class DuplicateFindings(pd.DataFrame):
    """The duplicates report: a DataFrame (one row per finding) that displays as a
    readable, coloured table in a notebook.  Anything computed from it is a plain
    DataFrame."""

    @property
    def _constructor(self) -> type[pd.DataFrame]:
        return pd.DataFrame

    def _repr_html_(self) -> str:
        if self.empty:
            return box("<b>Duplicate findings</b>: none. Every activity ID is one clean order.")
        frame = pd.DataFrame(self)
        counts = frame["kind"].value_counts()
        words = ", ".join(f"{k} {v}" for k, v in counts.items())
        return box(
            f"<b>Duplicate findings</b>: {len(frame)} ({words})"
            + table_html(frame, tints=[KIND_TINT.get(k) for k in frame["kind"]], max_rows=50)
            + "<p>The activity ID is Seeka's de-duplication key, shared with the browser "
            "SDK: IDs spelled differently become separate orders.</p>",
            colour="#bc4c00",
        )


KIND_TINT = {
    "conflicting_values": "#ffebe9",
    "id_hazard": "#fff1e5",
    "duplicate_lines": "#fff8c5",
    "split_order": "#fff8c5",
}
_SHOW_VALUES = {
    "time",
    "currencyCode",
    "totalPrice",
    "totalTax",
    "totalShippingPrice",
    "orderNumber",
    "paymentMethodName",
}


def _rows_by_order(table: OrderTable, mask: np.ndarray) -> dict[int, list[object]]:
    pos = np.flatnonzero(mask & (table.row_order >= 0))
    if pos.size == 0:
        return {}
    frame = pd.DataFrame(
        {"o": table.row_order[pos], "label": np.asarray(table.labels, dtype=object)[pos]}
    )
    return {int(k): list(v) for k, v in frame.groupby("o", sort=True)["label"]}  # type: ignore[arg-type]


def _values_text(values: np.ndarray, field: str) -> str:
    if field not in _SHOW_VALUES:
        return f"{len(values)} distinct values"
    return "values: " + ", ".join(repr(v) for v in values[:5]) + (" …" if len(values) > 5 else "")


def _finding(
    table: OrderTable, order: int, kind: str, field: str | None, rows: list[object], detail: str
) -> dict[str, object]:
    return {
        "activity_id": table.activity_id[order],
        "kind": kind,
        "field": field,
        "rows": rows,
        "n_rows": len(rows),
        "detail": detail,
    }


def _distinct_by_order(
    codes: np.ndarray, values: np.ndarray, orders: np.ndarray
) -> dict[int, np.ndarray]:
    """Distinct present values of each order in ``orders`` (one pass over the rows)."""
    sel = np.isin(codes, orders) & is_present(values)
    frame = pd.DataFrame({"o": codes[sel], "v": pd.Series(values[sel], dtype=object)})
    frame = frame.drop_duplicates()
    return {int(k): g.to_numpy() for k, g in frame.groupby("o", sort=False)["v"]}  # type: ignore[arg-type]


def find_duplicates(table: OrderTable, positions: np.ndarray | None = None) -> pd.DataFrame:
    """The duplicates report (see the module docstring), one row per finding.

    ``positions``: when the table holds part of a frame (a partition holding every row of
    its orders), each row's position in the whole frame, ascending: two rows are then in
    one block only when their positions are consecutive.
    """
    out: list[dict[str, object]] = []
    codes = table.row_order
    for field, mask in table.conflicts.items():
        orders = np.unique(codes[mask & (codes >= 0)])
        vals = table.conflict_values.get(field)
        distinct = _distinct_by_order(codes, vals, orders) if vals is not None else {}
        for o, rows in _rows_by_order(table, np.isin(codes, orders)).items():
            detail = _values_text(distinct[o], field) if o in distinct else "conflicting values"
            out.append(_finding(table, o, "conflicting_values", field, rows, detail))
    emails = table.lists.get("email")
    if emails is not None:
        many = np.flatnonzero(emails.counts() > 1)
        for o, rows in _rows_by_order(table, np.isin(codes, many)).items():
            out.append(
                _finding(
                    table,
                    o,
                    "conflicting_values",
                    "email",
                    rows,
                    f"{int(emails.counts()[o])} distinct values",
                )
            )
    for o, rows in _rows_by_order(table, table.line_dupes).items():
        out.append(
            _finding(
                table,
                o,
                "duplicate_lines",
                None,
                rows,
                f"{len(rows)} line rows identical in every mapped line-item column",
            )
        )
    starts = np.ones(len(codes), dtype=bool)
    starts[1:] = codes[1:] != codes[:-1]
    if positions is not None:
        starts[1:] |= np.diff(positions) != 1
    blocks = np.bincount(codes[starts & (codes >= 0)], minlength=table.n_orders)
    split = np.flatnonzero(blocks > 1)
    for o, rows in _rows_by_order(table, np.isin(codes, split)).items():
        out.append(
            _finding(
                table,
                o,
                "split_order",
                None,
                rows,
                f"rows of this ID come in {int(blocks[o])} separate blocks",
            )
        )
    out.extend(_id_hazards(table))
    frame = pd.DataFrame(out, columns=list(DUPLICATE_COLUMNS))
    frame["activity_id"] = frame["activity_id"].astype("str")
    return frame


def _id_hazards(table: OrderTable) -> list[dict[str, object]]:
    return id_hazards(table.raw_ids, table.row_ids, table.labels)


def id_canon(raw: pd.Series) -> pd.Series:
    """The form of a raw ID that ``id_hazard`` compares (case, blanks, a leading ``#`` and
    a ``.0`` suffix ignored), of IDs that are present."""
    return (
        raw.astype(str)
        .str.strip()
        .str.lower()
        .str.lstrip("#")
        .str.replace(r"\.0+$", "", regex=True)
    )


def id_hazards(
    raw_ids: np.ndarray, row_ids: np.ndarray, labels: pd.Index | np.ndarray
) -> list[dict[str, object]]:
    """The ``id_hazard`` findings of rows (per row: the raw ID, the ID sent, the label)."""
    raw = pd.Series(raw_ids, dtype=object)
    ok = raw.notna().to_numpy()
    if not ok.any():
        return []
    canon = id_canon(raw[ok])
    pairs = pd.DataFrame(
        {"canon": canon.to_numpy(), "raw": raw[ok].to_numpy(), "pos": np.flatnonzero(ok)}
    )
    forms = pairs.drop_duplicates(["canon", "raw"])
    counts = forms.groupby("canon")["raw"].size()
    risky = counts[counts > 1].index
    if len(risky) == 0:
        return []
    labels = np.asarray(labels, dtype=object)
    out = []
    hit = pairs[pairs["canon"].isin(risky)]
    for _key, grp in hit.groupby("canon", sort=False):
        spellings = list(dict.fromkeys(grp["raw"]))
        sent = list(dict.fromkeys(np.asarray(row_ids, dtype=object)[grp["pos"].to_numpy()]))
        out.append(
            {
                "activity_id": sent[0],
                "kind": "id_hazard",
                "field": "activityId",
                "rows": labels[grp["pos"].to_numpy()].tolist(),
                "n_rows": len(grp),
                "detail": f"spellings {spellings} are sent as {sent}; the browser SDK's "
                "activityIdentifier must match exactly"
                + ("" if len(sent) == 1 else " (these become separate orders)"),
            }
        )
    return out
