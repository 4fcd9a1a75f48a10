"""``Events``: the converted orders, ready to inspect and send (layer 2, pure).

An immutable view over an :class:`~seeka_nb.core.build.OrderTable`.  Orders whose status is
``ok`` are the events; held-back orders stay visible through ``issues`` and
``to_frame(include_held_back=True)``.  Dicts are built only when asked for (``to_list``,
``batches``, ``preview``).
"""

from __future__ import annotations

import functools
import html
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import numpy as np
import orjson
import pandas as pd

from ..schema import IDENTITY_LIST_FIELDS, MAX_EVENTS_PER_REQUEST
from .body import BodyBuilder, encode
from .build import OrderTable
from .consent_checks import check_consent_value, warn_frame
from .dedup import DuplicateFindings, find_duplicates
from .display import (
    GREEN,
    RED,
    SEVERITY_COLOUR,
    SEVERITY_TINT,
    box,
    kv_table,
    money_by_currency,
    plural,
    svg_stacked_bar,
    svg_timeline,
    table_html,
)
from .issues import IssueLog
from .mapping import ColumnMapping
from .pdcompat import text_array
from .values import is_present


class Preview(str):
    """Pretty-printed request bodies: a ``str`` that displays as itself."""

    __slots__ = ()

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(str(self))}</pre>"


class Events:
    """Seeka ``Order`` events built from a DataFrame by ``df.seeka.to_events()``."""

    def __init__(self, table: OrderTable) -> None:
        self._table = table
        self._send = np.flatnonzero(table.status == "ok")

    def __getstate__(self) -> dict[str, Any]:
        """Pickles without the body builder (compiled per process; rebuilt on first use)."""
        state = dict(self.__dict__)
        state.pop("_builder", None)
        return state

    # --- the events ---------------------------------------------------------------------
    def __len__(self) -> int:
        return int(self._send.size)

    @functools.cached_property
    def _builder(self) -> BodyBuilder:
        return BodyBuilder(self._table)

    @property
    def activity_ids(self) -> list[str]:
        """Activity IDs of the events that will be sent, in input order."""
        return self._table.activity_id[self._send].tolist()

    @property
    def mapping(self) -> ColumnMapping:
        """The column mapping used for the conversion."""
        return self._table.mapping

    @property
    def preset(self) -> str:
        """Name of the preset used."""
        return self._table.preset

    def to_list(self) -> list[dict[str, Any]]:
        """JSON-safe event dicts ``{"ev": {"id": ..., "payload": ...}}``."""
        b = self._builder
        return [b.event(i) for i in self._send.tolist()]

    def to_json(self, *, indent: bool = False) -> str:
        """The events as a JSON array."""
        opt = orjson.OPT_INDENT_2 if indent else 0
        return orjson.dumps(self.to_list(), option=opt).decode()

    def batches(self, size: int = MAX_EVENTS_PER_REQUEST) -> Iterator[dict[str, Any]]:
        """Request bodies ``{"data": [...]}`` of at most ``min(size, 20)`` events."""
        if int(size) < 1:
            from ..errors import ConfigurationError

            raise ConfigurationError(f"size={size!r}: a batch holds at least one event.")
        return self._builder.bodies(self._send.tolist(), size)

    def encoded_batches(self, size: int = MAX_EVENTS_PER_REQUEST) -> Iterator[bytes]:
        """The request bodies as JSON bytes, ready to POST."""
        for body in self.batches(size):
            yield encode(body)

    def preview(self, n: int = 1) -> Preview:
        """The first ``n`` events as the request body that would carry them, pretty-printed.

        ``n`` counts events, not bodies: ``preview(1)`` is one event in one body.  Past 20
        events (Seeka's limit per request) the preview shows as many bodies as needed.
        """
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            from ..errors import ConfigurationError

            raise ConfigurationError(f"preview(n={n!r}): n is a number of events, at least 1.")
        chosen = self._send[:n].tolist()
        parts = [
            orjson.dumps(body, option=orjson.OPT_INDENT_2).decode()
            for body in self._builder.bodies(chosen, MAX_EVENTS_PER_REQUEST)
        ]
        return Preview("\n".join(parts) if parts else "(no events to send)")

    def with_consent(self, tc_string: str, *, only_missing: bool = True) -> Events:
        """New events carrying ``tc_string`` as ``ev.id.privacy.tcfConsentString``.

        ``only_missing=True`` keeps strings the orders already have.  The string must
        decode and pass the TCF v2.2+ checks (it *replaces* the consent Seeka holds for the
        identity): errors raise :class:`~seeka_nb.errors.ConsentError`; warnings are added
        to ``issues``.
        """
        text, warnings = check_consent_value(tc_string)
        t = self._table
        current = t.text.get("tcfConsentString", np.full(t.n_orders, None, dtype=object))
        new = (
            np.where(is_present(current), current, text)
            if only_missing
            else np.full(t.n_orders, text, dtype=object)
        )
        log = IssueLog()
        warn_frame(log, warnings)
        issues = t.issues
        if log.chunks:
            extra = log.to_frame(t.labels, np.full(len(t.labels), None, dtype=object))
            issues = pd.concat([issues, extra], ignore_index=True)
        table = replace(t, text={**t.text, "tcfConsentString": new.astype(object)}, issues=issues)
        return type(self)(table)

    # --- checks -------------------------------------------------------------------------
    @property
    def issues(self) -> pd.DataFrame:
        """One row per problem: row, activity_id, field, column, severity, code, message."""
        return self._table.issues.copy()

    @functools.cached_property
    def _duplicates(self) -> pd.DataFrame:
        return find_duplicates(self._table)

    def duplicates(self) -> pd.DataFrame:
        """Activity IDs that repeat in ways that matter (see :mod:`seeka_nb.core.dedup`)."""
        return DuplicateFindings(self._duplicates.copy())

    def to_frame(self, *, include_held_back: bool = False) -> pd.DataFrame:
        """One row per event: ID, time, currency, total, products, identity present."""
        t = self._table
        sel = np.arange(t.n_orders) if include_held_back else self._send
        data: dict[str, Any] = {
            "activity_id": text_array(t.activity_id[sel]),
            "time": pd.to_datetime(t.time_utc[sel]).tz_localize("UTC"),
            "currency": text_array(
                t.text.get("currencyCode", np.full(t.n_orders, None, dtype=object))[sel]
            ),
            "total": t.money.get("totalPrice", np.full(t.n_orders, np.nan))[sel],
            "n_products": t.products.counts()[sel],
            "n_rows": t.n_rows[sel],
            "first_row": np.asarray(t.labels, dtype=object)[t.first_row[sel]],
        }
        if include_held_back:
            data["status"] = pd.Categorical(t.status[sel], categories=["ok", "error", "excluded"])
        data["has_seekaPId"] = (
            is_present(t.text["seekaPId"][sel])
            if "seekaPId" in t.text
            else np.zeros(sel.size, dtype=bool)
        )
        for name in IDENTITY_LIST_FIELDS:
            rag = t.lists.get(name)
            data[f"has_{name}"] = (
                (rag.counts()[sel] > 0) if rag is not None else np.zeros(sel.size, dtype=bool)
            )
        has_addr = np.zeros(sel.size, dtype=bool)
        for addr in t.addresses:
            for vals in addr.values():
                has_addr |= is_present(vals[sel])
        data["has_address"] = has_addr
        return pd.DataFrame(data)

    # --- summary ------------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        """Counts: rows, orders by status, line items, revenue per currency, issues."""
        t = self._table
        ok = t.status == "ok"
        cur = t.text.get("currencyCode", np.full(t.n_orders, None, dtype=object))
        total = t.money.get("totalPrice", np.full(t.n_orders, np.nan))
        rev = (
            pd.DataFrame({"c": pd.Series(cur[ok], dtype=object).fillna("(none)"), "t": total[ok]})
            .groupby("c")["t"]
            .sum(min_count=1)
        )
        sev = t.issues["severity"].value_counts()
        return {
            "rows": len(t.labels),
            "orders": t.n_orders,
            "to_send": int(ok.sum()),
            "held_back_error": int((t.status == "error").sum()),
            "held_back_excluded": int((t.status == "excluded").sum()),
            "rows_without_id": int((t.row_order < 0).sum()),
            "line_items": int(t.products.counts()[ok].sum()),
            "revenue": {str(k): float(v) for k, v in rev.items() if not np.isnan(v)},
            "issues": {str(k): int(sev.get(k, 0)) for k in ("error", "excluded", "warning")},
            "duplicates": len(self._duplicates),
            "preset": t.preset,
        }

    def __repr__(self) -> str:
        s = self.summary()
        iss = s["issues"]
        return (
            f"<seeka_nb.Events: {plural(s['to_send'], 'order')} to send "
            f"({plural(s['line_items'], 'line item')}) from {plural(s['rows'], 'row')}; "
            f"held back: {s['held_back_error']} with errors, "
            f"{s['held_back_excluded']} excluded; revenue {money_by_currency(s['revenue'])}; "
            f"issues: {plural(iss['error'], 'error')}, {iss['excluded']} excluded, "
            f"{plural(iss['warning'], 'warning')}; "
            f"{plural(s['duplicates'], 'duplicate finding')}; preset {s['preset']!r}>"
        )

    def held_back(self) -> pd.DataFrame:
        """Held-back orders by reason: severity, code, orders, an example message."""
        iss = self._table.issues
        held = iss[iss["severity"].isin(["error", "excluded"])]
        if held.empty:
            return pd.DataFrame(columns=["severity", "code", "orders", "example"])
        out = (
            held.groupby(["severity", "code"], observed=True, sort=False)
            .agg(orders=("activity_id", "nunique"), example=("message", "first"))
            .reset_index()
            .sort_values(["severity", "orders"], ascending=[True, False], kind="stable")
        )
        return out.reset_index(drop=True)

    def _repr_html_(self) -> str:
        s = self.summary()
        esc = html.escape
        t = self._table
        ok = t.status == "ok"
        head = (
            f"<b>seeka_nb.Events</b>: {plural(s['to_send'], 'order')} to send "
            f"({plural(s['line_items'], 'line item')}) from {plural(s['rows'], 'input row')}"
            f" · preset <code>{esc(s['preset'])}</code>"
        )
        chart = svg_timeline(
            pd.Series(pd.to_datetime(t.time_utc[ok])),
            t.money.get("totalPrice", np.full(t.n_orders, np.nan))[ok],
            t.text.get("currencyCode", np.full(t.n_orders, None, dtype=object))[ok],
        )
        rows = [
            ("Orders to send", f"{s['to_send']:,}"),
            ("Revenue to send", money_by_currency(s["revenue"])),
            ("Held back (errors in the data)", f"{s['held_back_error']:,}"),
            ("Held back (excluded by preset rules)", f"{s['held_back_excluded']:,}"),
        ]
        if s["rows_without_id"]:
            rows.append(("Rows without an activity ID", f"{s['rows_without_id']:,}"))
        rows.append(("Duplicate findings", f"{s['duplicates']:,}"))
        parts = [head, chart, kv_table(rows)]
        held = self.held_back()
        if len(held):
            parts.append("<b>Held back, by reason</b>")
            parts.append(table_html(held, tints=[SEVERITY_TINT[v] for v in held["severity"]]))
        codes = (
            t.issues.groupby(["severity", "code"], observed=True, sort=False)
            .agg(count=("message", "size"), example=("message", "first"))
            .reset_index()
            .sort_values(["severity", "count"], ascending=[True, False], kind="stable")
        )
        if len(codes):
            iss = s["issues"]
            bar = svg_stacked_bar(
                [(k, iss[k], SEVERITY_COLOUR[k]) for k in ("error", "excluded", "warning")],
                width=320,
            )
            parts.append("<b>Issues by severity</b>" + bar)
            parts.append(table_html(codes, tints=[SEVERITY_TINT[v] for v in codes["severity"]]))
        parts.append(
            "<p>Next: <code>.issues</code> (every problem, by row), <code>.duplicates()</code>, "
            "<code>.preview(1)</code> (the exact JSON), <code>.send(credentials)</code>.</p>"
        )
        colour = RED if s["held_back_error"] else GREEN
        return box("".join(parts), colour=colour)
