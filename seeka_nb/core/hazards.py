"""``id_hazard`` across partitions: spellings of one ID converted in different chunks
(layer 2, pure).

Each chunk of a partitioned frame finds the ``id_hazard`` spellings (``1001``, ``1001.0``,
``#1001``) among its own rows.  When the spellings of one ID are in different chunks (the
caller said ``grouped=True`` and the partitions do not keep them together, or the order key
is another column than the ID), no chunk sees them all.  Each chunk therefore also returns
the hashes of its IDs' compared forms (:func:`id_key_hashes`); the IDs found in several
chunks (:func:`crossing_ids`, few) have their rows read again (:func:`hazard_rows`) and
:func:`whole_frame_hazards` replaces those chunks' ``id_hazard`` findings by the ones the
whole frame gives.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from .build import OrderTable
from .dedup import id_canon, id_hazards
from .facts import distinct, repeated

HAZARD_ROWS = ("_pos", "label", "raw", "sent", "canon")


def _canon_hashes(raw_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the hash of its ID's compared form, and whether it has an ID."""
    codes, uniques = pd.factorize(pd.Series(raw_ids, dtype=object), use_na_sentinel=True)
    canon = id_canon(pd.Series(np.asarray(uniques, dtype=object), dtype=object))
    hashes = pd.util.hash_array(canon.to_numpy(dtype=object), categorize=False)
    return np.append(hashes, np.uint64(0))[codes], codes >= 0


def id_key_hashes(raw_ids: np.ndarray) -> np.ndarray:
    """The distinct hashes of a chunk's IDs' compared forms."""
    hashes, present = _canon_hashes(raw_ids)
    return distinct(hashes[present])


def crossing_ids(id_keys: Sequence[np.ndarray]) -> np.ndarray:
    """Hashes found in two or more chunks."""
    return repeated(list(id_keys))


def hazard_rows(
    table: OrderTable | None, positions: np.ndarray, crossing: np.ndarray
) -> pd.DataFrame:
    """A chunk's rows whose ID's compared form hashes to one of ``crossing``: whole-frame
    position, label, raw ID, ID sent."""
    if table is None:
        return pd.DataFrame({c: [] for c in HAZARD_ROWS})
    hashes, present = _canon_hashes(table.raw_ids)
    sel = present & np.isin(hashes, crossing)
    return pd.DataFrame(
        {
            "_pos": np.asarray(positions, dtype=np.int64)[sel],
            "label": pd.Series(np.asarray(table.labels, dtype=object)[sel], dtype=object),
            "raw": pd.Series(np.asarray(table.raw_ids, dtype=object)[sel], dtype=object),
            "sent": pd.Series(np.asarray(table.row_ids, dtype=object)[sel], dtype=object),
            "canon": hashes[sel],
        }
    )


def whole_frame_hazards(found: list, rows: Sequence[pd.DataFrame]) -> list:
    """The chunks' findings (``PartFindings``) with the ``id_hazard`` findings of the IDs
    in ``rows`` (every row of those IDs, from every chunk) replaced by the whole frame's."""
    every = pd.concat(list(rows), ignore_index=True).sort_values("_pos", kind="stable")
    if every.empty:
        return found
    positions = every["_pos"].to_numpy(dtype=np.int64)
    label_of = dict(zip(positions.tolist(), every["label"].tolist(), strict=True))
    hazards = id_hazards(
        every["raw"].to_numpy(dtype=object), every["sent"].to_numpy(dtype=object), positions
    )
    for h in hazards:
        rows_at = [int(p) for p in h["rows"]]  # type: ignore[attr-defined]
        h["_pos"] = min(rows_at)
        h["rows"] = [label_of[p] for p in rows_at]
    taken = set(positions.tolist())
    out = []
    for part in found:
        dups = part.duplicates
        stale = (dups["kind"] == "id_hazard").to_numpy() & dups["_pos"].isin(taken).to_numpy()
        out.append(replace(part, duplicates=dups[~stale]) if stale.any() else part)
    if hazards:
        first = out[0]
        frame = pd.DataFrame(hazards, columns=list(first.duplicates.columns))
        frame["activity_id"] = frame["activity_id"].astype("str")
        frame["_pos"] = frame["_pos"].astype(np.int64)
        empty = first.issues.iloc[:0]
        out.append(
            replace(
                first,
                issues=empty,
                duplicates=frame,
                n_rows=0,
                activity_ids=np.empty(0, dtype=object),
                summary={k: {} if k == "revenue" else 0 for k in first.summary},
                id_keys=np.empty(0, dtype=np.uint64),
            )
        )
    return out
