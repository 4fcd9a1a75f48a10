"""The send panel, headless: linked forms reach the send, nothing personal in any output,
Stop mid-send, confirmation only for production, the card's lines and tabs."""

from __future__ import annotations

import asyncio
import json
import re
import threading
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from ipywidgets.embed import dependency_state

import seeka_nb
from seeka_nb import Credentials, SeekaError
from seeka_nb.adapters.transport import HttpxTransport, Response
from seeka_nb.pipeline.runner import Seams
from seeka_nb.widgets import ConsentForm, CredentialsForm, SendPanel
from seeka_nb.widgets._mask import mask_text, mask_value

NO_ENV: dict[str, str] = {}
#: A valid TCF v2.2 string made by the independent test encoder (tests/core/tc_encoder.py).
VALID_TC = "CQSbk4AQSbk4AAKADBENCWFgAMIAAAAAAAYgABuAAAAA.IABu"
WAIT = 60  # seconds; a bound for a background send, never a sleep


def _state(panel: Any) -> str:
    """Everything the notebook could save about the panel's widgets, as JSON text."""
    return json.dumps(dependency_state(panel.widget), ensure_ascii=False)


PERSONAL = ("email", "phone", "first_name", "last_name", "address1")


def _personal_values() -> list[str]:
    """The sample's emails, phone numbers (as typed and as sent), names and addresses; not
    those that are also product data (a variant "White" and a customer "White")."""
    df = seeka_nb.sample_orders()
    values: set[str] = set()
    for column in PERSONAL:
        values.update(str(v).strip() for v in df[column].dropna())
    values.update("+61" + re.sub(r"\D", "", v)[1:] for v in df["phone"].dropna() if v[0] == "0")
    other = {str(v).strip() for c in df.columns if c not in PERSONAL for v in df[c].dropna()}
    return sorted(v for v in values if v and v not in other)


def _leaks(text: str) -> list[str]:
    """Personal values of the sample found in ``text`` as whole words."""
    return [v for v in _personal_values() if re.search(rf"(?<!\w){re.escape(v)}(?!\w)", text)]


def _many_orders(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "order_id": [f"A{k:04d}" for k in range(n)],
            "created_at": ["2025-03-01T10:00:00Z"] * n,
            "email": [f"customer{k}@example.com" for k in range(n)],
            "currency": ["AUD"] * n,
            "total": [10.0] * n,
            "sku": ["SKU-1"] * n,
            "unit_price": [10.0] * n,
            "quantity": [1] * n,
        }
    )


# -- the card ---------------------------------------------------------------------------------
def test_card_summary_tabs_dry_run_then_send(
    events: seeka_nb.Events, sandbox: seeka_nb.Sandbox, fake_key: str, tmp_path: Path
) -> None:
    creds = Credentials("org-panel", fake_key, endpoint=sandbox.ingest_url)
    panel = SendPanel(events, creds, rate=None, ledger=tmp_path / "ledger.sqlite", max_rows=2)
    line = panel.summary.value
    assert "12 orders to send" in line and "AUD 652.95" in line and "JPY 7,960 " in line
    assert "2 held back" in line and "3 errors" in line and "3 warnings" in line
    assert [panel.details.get_title(k) for k in range(4)] == [
        f"Issues ({len(events.issues)})",
        "Duplicates (2)",
        "Preview",
        "Report",
    ]
    assert "seeka-badge seeka-error'>error<" in panel.issues.value
    assert "more rows" in panel.issues.value and "<table class='seeka-table'>" in panel.issues.value
    assert "None" not in panel.issues.value + panel.duplicates.value
    assert ">nan<" not in panel.issues.value
    assert "Send to: " + sandbox.ingest_url in panel.target.value
    assert "0 of 12 orders carry a TC string" in panel.consent_state.value

    panel.dry_run.value = True  # a dry run looks different from a send
    assert panel.send_button.description == "Dry run"
    assert "seeka-dryrun" in panel.widget._dom_classes
    panel.send_button.click()
    report = panel.wait(WAIT)
    assert report is not None and report.dry_run and sandbox.events == []
    assert "seeka-dry" in panel.status.value
    assert "Dry run: 12 orders would be sent; nothing was sent." in panel.status.value
    assert "would be sent (dry run)" in panel.report_html.value

    panel.dry_run.value = False
    assert panel.send_button.description == "Send"
    assert "seeka-dryrun" not in panel.widget._dom_classes
    panel.send_button.click()
    report = panel.wait(WAIT)
    assert report is not None and report.counts["sent"] == 12 == len(sandbox.events)
    assert "Finished: 12 / 12 orders" in panel.progress_text.value
    assert "orders/s" in panel.progress_text.value
    assert "Needs attention: 2 orders held back: see Issues." in panel.status.value
    assert "dry_run" not in panel.status.value and "already_sent" not in panel.report_html.value
    report_tab = panel.report_html.value
    assert "1009" in report_tab and "held back: errors in the data" in report_tab
    assert "missing_time" in report_tab and panel.details.get_title(3) == "Report (14 orders)"
    assert not panel.send_button.disabled and panel.stop_button.disabled

    again = panel.send()  # the ledger: nothing is sent twice
    assert again.counts["already_sent"] == 12 and len(sandbox.events) == 12
    assert "already sent before (skipped)" in panel.status.value
    assert fake_key not in _state(panel) + repr(panel)


def test_progress_line_counts_rate_and_time_left() -> None:
    from seeka_nb.widgets._panel_views import progress_text

    assert "Sending: 30 / 120 orders · 15.0 orders/s · about 6 s left" in progress_text(
        30, 120, 2.0, dry_run=False
    )
    assert "about 2 min 00 s left" in progress_text(10, 130, 10.0, dry_run=False)
    assert "Dry run" in progress_text(0, 5, 0.0, dry_run=True)


# -- linked forms -----------------------------------------------------------------------------
def test_consent_applied_in_a_linked_form_reaches_every_event(
    events: seeka_nb.Events, sandbox: seeka_nb.Sandbox, fake_key: str
) -> None:
    # The issue's trap: the consent form and the panel are made first, Apply comes later.
    consent = ConsentForm(events)
    creds_form = CredentialsForm(sandbox=sandbox, env=NO_ENV, dotenv_path=False)
    panel = SendPanel(events, creds_form, consent=consent, rate=None, ledger=False)
    assert "incomplete in the credentials form" in panel.target.value  # live, before filling
    creds_form.org_id.value = "org-linked"
    creds_form.public_key.value = fake_key
    assert "org org-linked · key ••••4242" in panel.target.value

    consent.tc_string.value = VALID_TC
    assert "not applied yet" in panel.consent_state.value
    consent.apply_button.click()
    assert "12 of 12 orders carry a TC string (1 distinct string)" in panel.consent_state.value
    assert "not applied yet" not in panel.consent_state.value
    assert panel.events is consent.events

    panel.send_button.click()
    report = panel.wait(WAIT)
    assert report is not None and report.counts["sent"] == 12
    sent = sandbox.events
    assert len(sent) == 12
    assert all(e["ev"]["id"]["privacy"]["tcfConsentString"] == VALID_TC for e in sent)
    assert {r["org_id"] for r in sandbox.requests} == {"org-linked"}


def test_a_consent_form_without_events_applies_to_the_panels(events: seeka_nb.Events) -> None:
    consent = ConsentForm()
    assert consent.apply_button.layout.display == "none"
    panel = SendPanel(events, Credentials("org-1", "pk_test_0123456789abcdef"), consent=consent)
    assert consent.apply_button.layout.display == ""
    consent.tc_string.value = VALID_TC
    consent.apply()
    assert panel.events is consent.events and len(panel.events) == 12
    assert all(e["ev"]["id"]["privacy"] for e in panel.events.to_list())


# -- personal data ----------------------------------------------------------------------------
def test_no_personal_data_in_any_widget_output(
    events: seeka_nb.Events, sandbox: seeka_nb.Sandbox, fake_key: str
) -> None:
    personal = _personal_values()
    assert "jane.doe@example.com" in personal and "+61422333444" in personal
    scheduled: list[tuple[float, Any]] = []
    creds = Credentials("org-mask", fake_key, endpoint=sandbox.ingest_url)
    panel = SendPanel(
        events,
        creds,
        consent=ConsentForm(),
        rate=None,
        ledger=False,
        max_rows=100,
        reveal_seconds=15,
        _schedule=lambda s, f: scheduled.append((s, f)),
    )
    panel.send_button.click()
    assert panel.wait(WAIT) is not None
    state = _state(panel)
    assert "j•••@example.com" in state and "•••44" in state  # masked, not left out
    assert _leaks(state) == []

    panel.reveal.value = True  # revealed on request...
    assert "jane.doe@example.com" in panel.preview.value
    assert [s for s, _ in scheduled] == [15]
    scheduled[0][1]()  # ...and masked again when the timer fires
    assert panel.reveal.value is False
    assert _leaks(_state(panel)) == []


def test_masking_of_values_and_text() -> None:
    assert mask_value("jane.doe@example.com") == "j•••@example.com"
    assert mask_value("+61 422 333 444") == "•••44"
    assert mask_value("Priya") == "P•••"
    assert mask_text("got sam.lee@example.net and 0412 555 019 in row 3") == (
        "got s•••@example.net and •••19 in row 3"
    )


# -- stopping ---------------------------------------------------------------------------------
class GateTransport:
    """The real HTTP transport, which holds the second request until the test says go."""

    def __init__(self) -> None:
        self.inner = HttpxTransport(timeout=30.0, max_connections=2)
        self.entered = threading.Event()
        self.release = threading.Event()
        self.posts = 0

    async def post(self, url: str, content: bytes, headers: dict[str, str]) -> Response:
        self.posts += 1
        if self.posts == 2:
            self.entered.set()
            await asyncio.to_thread(self.release.wait, WAIT)
        return await self.inner.post(url, content, headers)

    async def aclose(self) -> None:
        await self.inner.aclose()


def test_stop_mid_send_leaves_the_rest_pending_and_the_ledger_consistent(
    sandbox: seeka_nb.Sandbox, fake_key: str, tmp_path: Path
) -> None:
    events = _many_orders(200).seeka.to_events()
    gate = GateTransport()
    creds = Credentials("org-stop", fake_key, endpoint=sandbox.ingest_url)
    ledger_path = tmp_path / "ledger.sqlite"
    panel = SendPanel(
        events,
        creds,
        rate=None,
        ledger=ledger_path,
        concurrency=1,
        _seams=Seams(transport=lambda _options: gate),
    )
    panel.send_button.click()
    assert gate.entered.wait(WAIT)  # the second batch is in flight
    assert panel._thread is not None and panel._thread.is_alive()  # click() returned: the
    assert panel.send_button.disabled  # kernel is free while the send runs in its thread
    assert not panel.stop_button.disabled
    panel.stop_button.click()
    assert "Stopping" in panel.status.value
    gate.release.set()
    report = panel.wait(WAIT)
    assert "Stopped: 40 / 200 orders" in panel.progress_text.value
    assert report is not None and not panel._thread.is_alive()
    counts = report.counts
    assert counts["sent"] == 40 == len(sandbox.events)  # what was in flight finished
    assert counts["pending"] == 160 and counts["sent"] + counts["pending"] == len(events)
    assert report.stopped_reason == "stopped with the Stop button"
    assert "160 orders not sent yet (stopped with the Stop button): Send again" in (
        panel.status.value
    )
    with seeka_nb.Ledger(ledger_path) as ledger:
        acked = set(ledger.sent()["activity_id"])
        runs = ledger.runs()
        orders = ledger.orders()
    sent_ids = set(report.frame.loc[report.frame["status"] == "sent", "activity_id"])
    assert acked == sent_ids == {e["ev"]["payload"]["activityId"] for e in sandbox.events}
    assert len(runs) == 1 and runs["ended_at"].notna().all()
    assert runs["counts"].iloc[0] == {"sent": 40, "pending": 160}  # the run's own record
    assert orders["status"].value_counts().to_dict() == {"sent": 40}  # no order left claimed

    # Sending again sends exactly the rest.
    panel._send_options.pop("_seams")
    again = panel.send()
    assert again.counts["sent"] == 160 and again.counts["already_sent"] == 40
    assert len(sandbox.events) == 200


# -- confirmation -----------------------------------------------------------------------------
def test_confirmation_only_for_production(
    events: seeka_nb.Events, sandbox: seeka_nb.Sandbox, fake_key: str
) -> None:
    seen: list[str] = []

    class Recorder:
        async def post(self, url: str, content: bytes, headers: dict[str, str]) -> Response:
            seen.append(url)
            return Response(202, {}, b"")

        async def aclose(self) -> None:
            pass

    production = Credentials("org-prod", fake_key)
    panel = SendPanel(
        events, production, rate=20, ledger=False, _seams=Seams(transport=lambda _o: Recorder())
    )
    assert "Seeka production" in panel.target.value
    panel.dry_run.value = True  # a dry run asks nothing
    panel.send_button.click()
    assert panel.wait(WAIT) is not None and panel.confirm.layout.display == "none"
    panel.dry_run.value = False

    panel.send_button.click()  # production: asks, sends nothing yet
    assert panel.confirm.layout.display == "" and seen == []
    text = panel.confirm_text.value
    assert "Send 12 orders to Seeka production" in text and "org-prod" in text
    assert "••••4242" in text and fake_key not in _state(panel)
    panel.cancel_button.click()
    assert panel.confirm.layout.display == "none" and seen == [] and panel.report.dry_run

    panel.send_button.click()
    panel.confirm_button.click()
    report = panel.wait(WAIT)
    assert report is not None and report.counts["sent"] == 12 and seen
    assert set(seen) == {seeka_nb.schema.INGEST_URL}

    panel.send_button.click()  # asked once: the same org and key are not asked again
    assert panel.confirm.layout.display == "none"
    assert panel.wait(WAIT) is not None

    local = SendPanel(
        events,
        Credentials("org-sb", fake_key, endpoint=sandbox.ingest_url),
        rate=None,
        ledger=False,
    )
    local.send_button.click()  # the sandbox: no question
    assert local.confirm.layout.display == "none"
    assert local.wait(WAIT) is not None and len(sandbox.events) == 12


def test_unpaced_send_to_seeka_is_refused(events: seeka_nb.Events) -> None:
    panel = SendPanel(
        events, Credentials("org-1", "pk_test_0123456789abcdef"), rate=None, ledger=False
    )
    panel.send_button.click()
    assert panel.report is None and "only for the local sandbox" in panel.status.value
    with pytest.raises(SeekaError):
        SendPanel(object())  # type: ignore[arg-type]


def test_an_empty_credentials_form_says_which_form_to_fill(events: seeka_nb.Events) -> None:
    form = CredentialsForm(env=NO_ENV, dotenv_path=False)
    panel = SendPanel(events, form, ledger=False)
    panel.send_button.click()
    assert panel.report is None and panel._thread is None
    assert "incomplete in the credentials form" in panel.status.value
    with pytest.raises(seeka_nb.ConfigurationError, match="Read from environment"):
        events.send(form.credentials)


def test_tables_mask_what_a_message_quotes() -> None:
    from seeka_nb.widgets._panel_views import duplicates_html, issues_html

    issues = pd.DataFrame(
        {
            "row": [3, 4],
            "activity_id": ["A1", None],
            "field": ["email", None],
            "column": ["email", None],
            "severity": ["warning", "error"],
            "code": ["x", "y"],
            "message": ["server said jane.doe@example.com is bad", "call +61 422 333 444"],
        }
    )
    shown = issues_html(issues, max_rows=10)
    assert "jane.doe@example.com" not in shown and "422 333 444" not in shown
    assert "j•••@example.com" in shown and "•••44" in shown
    assert "None" not in shown and "—" in shown  # missing values are a dash
    dup = pd.DataFrame({"activity_id": ["A1"], "detail": ["rows with sam.lee@example.net"]})
    assert "sam.lee" not in duplicates_html(dup, max_rows=10)


def test_one_send_at_a_time(sandbox: seeka_nb.Sandbox, fake_key: str) -> None:
    gate = GateTransport()
    panel = SendPanel(
        _many_orders(60).seeka.to_events(),
        Credentials("org-one", fake_key, endpoint=sandbox.ingest_url),
        rate=None,
        ledger=False,
        concurrency=1,
        _seams=Seams(transport=lambda _options: gate),
    )
    panel.send_button.click()
    assert gate.entered.wait(WAIT)
    with pytest.raises(SeekaError, match="already running"):
        panel.send()
    with pytest.raises(SeekaError, match="already running"):
        panel.start()
    gate.release.set()
    report = panel.wait(WAIT)
    assert report is not None and report.counts["sent"] == 60 and len(sandbox.events) == 60
