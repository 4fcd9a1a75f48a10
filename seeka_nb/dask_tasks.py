"""The Dask accessor's first tasks, run in the workers (layer 5; imports no Dask).

The mapping is resolved from the first partition's first rows (:func:`resolve_head`) in the
same graph as the one read of every partition (:func:`scan_resolved`), so the first
partition is read once, in a worker, instead of once more on the client before the
partitions start.  Defined apart from :mod:`seeka_nb.dask_plan` because a worker imports the
module of each task it runs, and importing this one must not import ``dask.dataframe``.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, replace

import pandas as pd

from .accessor import _preset_name
from .core.build import prepare
from .core.mapping import ColumnMapping, MappingSpec
from .core.partitions import PartCall, key_column
from .core.presets import get_preset
from .core.scan import PartScan, scan_partition
from .errors import ValidationError


@dataclass(frozen=True)
class Resolved:
    """What the first rows decide for every partition."""

    preset: str | None
    cmap: ColumnMapping
    key: Hashable  # the order key column
    columns: list[Hashable]  # the first partition's columns, which every partition has
    dayfirst: bool | None  # the preset's day/month order, when it sets one


def resolve_head(
    head: object, meta: pd.DataFrame, mapping: MappingSpec | None, preset: str | None
) -> Resolved:
    """The mapping, preset and order key, from the first rows (``meta``: the Dask frame's
    empty frame, when the first partition has no rows)."""
    if not isinstance(head, pd.DataFrame):
        raise ValidationError(
            f"ddf.seeka needs pandas partitions; this Dask frame holds "
            f"{type(head).__name__} partitions. Convert them with "
            "ddf.map_partitions(lambda p: p.to_pandas()) first."
        )
    name = _preset_name(head, preset)
    cmap = prepare(head if len(head) else meta, mapping, name)[2]
    key = key_column(cmap, list(meta.columns))
    return Resolved(name, cmap, key, list(head.columns), get_preset(name).dayfirst)


def scan_resolved(
    df: pd.DataFrame, resolved: Resolved, call: PartCall, set_aside: bool
) -> PartScan:
    """:func:`~seeka_nb.core.scan.scan_partition` with what the first rows decided."""
    cmap = resolved.cmap
    dayfirst = call.dayfirst if call.dayfirst is not None else resolved.dayfirst
    call = replace(call, preset=resolved.preset, fields=dict(cmap.fields), dayfirst=dayfirst)
    columns = [c for cs in cmap.fields.values() for c in cs]
    return scan_partition(
        df, call, columns, cmap.columns("time")[0], resolved.columns, resolved.key, set_aside
    )
