"""The per-row issues report: how problems found while converting are collected (layer 2).

Checks add problems for whole arrays of row positions at once (columnar); the collector
turns them into one DataFrame at the end, with the user's own index labels in ``row``.
Messages never quote identity values (emails, phones, names): they name the column and the
row, so the report can be shared without copying customers' personal data.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..schema import Severity
from .pdcompat import text_array

ISSUE_COLUMNS = ("row", "activity_id", "field", "column", "severity", "code", "message")


@dataclass
class _Chunk:
    positions: np.ndarray  # row positions (0..n-1); -1 = not about one row
    field: str | None
    column: object
    severity: Severity
    code: str
    message: str | Sequence[str]


@dataclass
class IssueLog:
    """Collects problems found during conversion, vectorised by row positions."""

    chunks: list[_Chunk] = field(default_factory=list)
    #: Where :meth:`add` puts the next problem (``None``: at the end); see :meth:`insert_at`.
    at: int | None = None

    def mark(self) -> int:
        """A place in the log, for problems found later to be reported as if found now."""
        return len(self.chunks)

    @contextlib.contextmanager
    def insert_at(self, mark: int) -> Iterator[None]:
        """Within the block, problems go in at ``mark`` (a :meth:`mark` taken earlier), so
        the report is the same whichever order the checks ran in (ties keep log order)."""
        self.at = mark
        try:
            yield
        finally:
            self.at = None

    def add(
        self,
        positions: np.ndarray | Sequence[int],
        *,
        code: str,
        severity: Severity,
        message: str | Sequence[str],
        field: str | None = None,
        column: object = None,
    ) -> None:
        """Record one problem for each row position in ``positions`` (``-1``: no row)."""
        pos = np.asarray(positions, dtype=np.int64)
        if pos.size == 0:
            return
        if not isinstance(message, str) and len(message) != pos.size:
            raise AssertionError("one message per position")  # programming error
        chunk = _Chunk(pos, field, column, severity, code, message)
        if self.at is None:
            self.chunks.append(chunk)
        else:
            self.chunks.insert(self.at, chunk)
            self.at += 1

    def add_mask(
        self,
        mask: np.ndarray | pd.Series,
        *,
        code: str,
        severity: Severity,
        message: str,
        field: str | None = None,
        column: object = None,
    ) -> None:
        """Record a problem for every row where ``mask`` is true."""
        self.add(
            np.flatnonzero(np.asarray(mask, dtype=bool)),
            code=code,
            severity=severity,
            message=message,
            field=field,
            column=column,
        )

    def error_positions(self, severity: Severity = "error") -> np.ndarray:
        """Row positions with at least one problem of ``severity``."""
        parts = [c.positions for c in self.chunks if c.severity == severity]
        if not parts:
            return np.empty(0, dtype=np.int64)
        pos = np.concatenate(parts)
        return np.unique(pos[pos >= 0])

    def to_frame(self, labels: pd.Index, activity_ids: np.ndarray) -> pd.DataFrame:
        """The issues report: one row per problem, in input-row order.

        ``labels`` are the user's index labels; ``activity_ids`` the normalised activity ID
        of each row position (object array, ``None`` where missing).
        """
        if not self.chunks:
            return _empty_frame()
        pos = np.concatenate([c.positions for c in self.chunks])
        sizes = [c.positions.size for c in self.chunks]

        def rep(values: list[object]) -> np.ndarray:
            return np.repeat(np.array([*values, None], dtype=object)[:-1], sizes)

        messages: list[str] = []
        for c in self.chunks:
            if isinstance(c.message, str):
                messages.extend([c.message] * c.positions.size)
            else:
                messages.extend(c.message)
        has_row = pos >= 0
        safe = np.where(has_row, pos, 0)
        row = np.where(has_row, np.asarray(labels, dtype=object)[safe], None)  # type: ignore[call-overload]
        aid = np.where(has_row, activity_ids[safe], None)  # type: ignore[call-overload]
        frame = pd.DataFrame(
            {
                "row": pd.Series(row, dtype=object),
                "activity_id": text_array(aid),
                # "" where a problem is about no single field or column (never NaN/None,
                # which read as a defect in a table)
                "field": text_array(rep([c.field or "" for c in self.chunks])),
                # the user's labels as given (object: they may be any hashable, or text
                # that is not valid UTF-8)
                "column": pd.Series(
                    rep(["" if c.column is None else c.column for c in self.chunks]),
                    dtype=object,
                ),
                "severity": pd.Categorical(
                    rep([c.severity for c in self.chunks]),
                    categories=["error", "excluded", "warning"],
                ),
                "code": text_array(rep([c.code for c in self.chunks])),
                "message": text_array(messages),
                "_pos": np.where(has_row, pos, np.iinfo(np.int64).max),
            }
        )
        frame = frame.sort_values("_pos", kind="stable").drop(columns="_pos")
        return frame.reset_index(drop=True)


def _empty_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "row": pd.Series([], dtype=object),
            "activity_id": pd.Series([], dtype="str"),
            "field": pd.Series([], dtype="str"),
            "column": pd.Series([], dtype=object),
            "severity": pd.Categorical([], categories=["error", "excluded", "warning"]),
            "code": pd.Series([], dtype="str"),
            "message": pd.Series([], dtype="str"),
        }
    )
