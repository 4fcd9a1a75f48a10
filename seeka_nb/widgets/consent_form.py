"""``ConsentForm``: paste a TCF consent string, see what it says and whether it is usable (layer 5).

On every change of the text the form decodes the string (:func:`decode_tc`), checks it
(:func:`validate_tc`, with the widget layer's clock: the pure core reads none) and shows a
verdict (OK / warnings / errors), a readable summary (purposes and special features by
their IAB names, vendor counts, segments) and the findings.  "Apply to events" stores
``events.with_consent(string)`` in ``form.events``.

Surrounding whitespace of the pasted text (a trailing newline) is ignored; the string
itself is never changed.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import ipywidgets as w

from ..core.consent import ConsentIssue, TCString, decode_tc, validate_tc
from ..errors import ConfigurationError, ConsentError
from ._common import Level, badge, guarded, kv_table, status_html
from ._theme import stylesheet
from .static_view import mimebundle

__all__ = ["ConsentForm"]

#: Labels of :meth:`TCString.summary` keys, in display order; other keys follow, unlabelled.
_LABELS: dict[str, str] = {
    "version": "Version",
    "policy_version": "Policy version",
    "created": "Created",
    "last_updated": "Last updated",
    "cmp": "CMP",
    "vendor_list_version": "Vendor list version",
    "consent_language": "Consent language",
    "publisher_country": "Publisher country",
    "service_specific": "Service-specific",
    "purposes_consented": "Purposes consented",
    "purposes_legitimate_interest": "Purposes (legitimate interest)",
    "special_features_opted_in": "Special features opted in",
    "purpose_one_treatment": "Purpose one treatment",
    "vendors_consented": "Vendors consented",
    "vendors_legitimate_interest": "Vendors (legitimate interest)",
    "vendors_disclosed": "Vendors disclosed",
    "publisher_restrictions": "Publisher restrictions",
    "segments": "Segments",
    "publisher_purposes_consented": "Publisher purposes consented",
    "publisher_purposes_legitimate_interest": "Publisher purposes (legitimate interest)",
    "publisher_custom_purposes": "Publisher custom purposes",
}
_HIDDEN = {"cmp_id"}  # repeated in "cmp"


class ConsentForm:
    """Decode and check a TCF v2 consent string typed or pasted into ``form.tc_string``.

    ``events``: events to apply the string to ("Apply to events", :meth:`apply`); each
    apply starts again from these events.  ``now``: the clock used for the "created in the
    future" checks (default: the current UTC time).

    Widgets: ``tc_string`` (Textarea), ``verdict``, ``findings``, ``summary`` and
    ``status`` (HTML), ``apply_button``.  Results: ``result`` (the :class:`TCString`, or
    None while the text is empty or malformed), ``issues`` (list of :class:`ConsentIssue`),
    ``events`` (the events after the last apply).
    """

    def __init__(
        self,
        events: Any = None,
        *,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self._source = events
        self._now = now or (lambda: datetime.now(UTC))
        self.events = events
        self.result: TCString | None = None
        self.issues: list[ConsentIssue] = []
        self.applied: str | None = None
        self._callbacks: list[Callable[[Any], Any]] = []

        self.tc_string = w.Textarea(
            placeholder="Paste a TC string (the euconsent-v2 cookie, or tcString from "
            "__tcfapi('getTCData'))",
            layout=w.Layout(width="48em", height="5em"),
        )
        self.verdict = w.HTML()
        self.summary = w.HTML()
        self.findings = w.HTML()
        self.apply_button = w.Button(
            description="Apply to events",
            icon="check",
            disabled=True,
            tooltip="Orders without a consent string get this one",
            layout=w.Layout(display="" if events is not None else "none"),
        )
        self.status = w.HTML()
        self.widget = w.VBox(
            [
                stylesheet(),
                w.HTML("<b>TCF consent string</b>"),
                self.tc_string,
                self.verdict,
                self.findings,
                self.summary,
                w.HBox([self.apply_button]),
                self.status,
            ]
        )
        self.widget.add_class("seeka-consent-form")
        self.tc_string.observe(self._on_text, names="value")
        self.apply_button.on_click(guarded(lambda _b: self.apply(), self._show))
        self._check("")

    # -- actions ------------------------------------------------------------------------------
    def apply(self, *, only_missing: bool = True) -> Any:
        """What "Apply to events" does: ``events.with_consent(string)``, stored in ``events``.

        Raises :class:`~seeka_nb.errors.ConsentError` while the string is missing, malformed
        or has errors (Seeka would replace the consent it holds with it), and
        :class:`~seeka_nb.errors.ConfigurationError` when the form has no events.
        """
        if self._source is None:
            raise ConfigurationError(
                "This form has no events to apply the string to: ConsentForm(events=...)."
            )
        if self.result is None:
            raise ConsentError("Enter a valid TC string first (the form shows what is wrong).")
        errors = [i for i in self.issues if i.severity == "error"]
        if errors:
            raise ConsentError(
                f"Not applied: the string has {_plural(len(errors), 'error')} "
                f"({', '.join(i.code for i in errors)}); orders carrying it would be held "
                "back. Get a current string from the CMP."
            )
        text = self.tc_string.value.strip()
        self.events = self._source.with_consent(text, only_missing=only_missing)
        self.applied = text
        which = "orders without one" if only_missing else "every order"
        self._show("ok", f"Applied to {which} ({len(self.events):,} orders to send).")
        for callback in self._callbacks:
            callback(self.events)
        return self.events

    def on_apply(self, callback: Callable[[Any], Any]) -> None:
        """Call ``callback(events)`` after each successful apply (a linked
        :class:`SendPanel` takes the new events so)."""
        self._callbacks.append(callback)

    def set_events(self, events: Any) -> None:
        """Apply to ``events`` from now on (a :class:`SendPanel` links its own events so);
        shows "Apply to events"."""
        self._source = self.events = events
        self.applied = None
        self.apply_button.layout.display = ""
        self._check(self.tc_string.value)

    @property
    def unapplied(self) -> bool:
        """True when the form holds a string that is not the one last applied."""
        text = self.tc_string.value.strip()
        return bool(text) and text != self.applied

    # -- checking -----------------------------------------------------------------------------
    def _on_text(self, change: Mapping[str, Any]) -> None:
        guarded(self._check, self._verdict)(change["new"])

    def _check(self, value: str) -> None:
        text = value.strip()
        self.result, self.issues = None, []
        self.summary.value = self.findings.value = self.status.value = ""
        self.apply_button.disabled = True
        if not text:
            self._verdict("info", "Paste a TC string to decode and check it.")
            return
        try:
            self.result = decode_tc(text)
        except ConsentError as exc:
            self.issues = [ConsentIssue("error", "malformed", str(exc))]
            self._verdict("error", f"Not a usable TC string: {exc}")
            return
        self.issues = validate_tc(text, now=self._now())
        self.summary.value = _summary_html(self.result)
        self.findings.value = _issues_html(self.issues)
        n_err = sum(i.severity == "error" for i in self.issues)
        n_warn = len(self.issues) - n_err
        if n_err:
            self._verdict(
                "error",
                f"Errors ({_plural(n_err, 'error')}, {_plural(n_warn, 'warning')}): do not send "
                "this string; orders carrying it are held back.",
            )
        elif n_warn:
            self._verdict("warning", f"Usable, with {_plural(n_warn, 'warning')}.")
        else:
            self._verdict("ok", "OK: a valid TCF v2.2+ consent string.")
        self.apply_button.disabled = bool(n_err) or self._source is None

    # -- display ------------------------------------------------------------------------------
    def _verdict(self, level: Level, text: str) -> None:
        self.verdict.value = status_html(level, text, css_class="seeka-verdict")

    def _show(self, level: Level, text: str) -> None:
        self.status.value = status_html(level, text)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return mimebundle(self, self.widget, **kwargs)

    def __repr__(self) -> str:
        if self.result is None:
            state = "empty" if not self.tc_string.value.strip() else "malformed"
        else:
            n_err = sum(i.severity == "error" for i in self.issues)
            state = f"{_plural(n_err, 'error')}, {_plural(len(self.issues) - n_err, 'warning')}"
        return f"ConsentForm({state})"


def _summary_html(tc: TCString) -> str:
    summary = dict(tc.summary())
    summary["created"] = _when(tc.created)
    summary["last_updated"] = _when(tc.last_updated)
    if summary.get("vendors_disclosed", 0) is None:
        summary["vendors_disclosed"] = "none (no disclosed-vendors segment)"
    keys = [k for k in _LABELS if k in summary]
    keys += [k for k in summary if k not in _LABELS and k not in _HIDDEN]
    rows = []
    for key in keys:
        value = summary[key]
        if value is None:
            continue
        label = _LABELS.get(key, key.replace("_", " ").capitalize())
        rows.append((label, _text(value)))
    return f"<div class='seeka-consent-summary'>{kv_table(rows)}</div>"


def _text(value: object) -> str | list[str]:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple | set | frozenset):
        return [str(v) for v in value] if value else "none"
    return str(value)


def _issues_html(issues: list[ConsentIssue]) -> str:
    if not issues:
        return ""
    items = "".join(
        f"<li>{badge('error' if i.severity == 'error' else 'warning', i.severity)} "
        f"<code>{html.escape(i.code)}</code>: "
        f"{html.escape(i.message)}</li>"
        for i in issues
    )
    return f"<ul class='seeka-consent-issues'>{items}</ul>"


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
