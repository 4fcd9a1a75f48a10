"""Secret and personal-data hygiene.

With a recognisable fake key and fake customers, after sends that succeed, fail, get
rejected, are refused (403), cannot connect and are interrupted: the key is in no repr,
str, log record (everything logged at DEBUG, all loggers), exception message or traceback,
report, frame, dry-run body file, ledger file (with its -wal/-shm files, read while the
ledger is open and after), nor in a notebook executed by nbclient.  Customer emails and
phones are in neither the ledger nor the logs, even when a server echoes the request back
in its error message.  Header injection (line breaks in the org ID, integration name or
version, endpoint) is refused before any request.
"""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import os
import pickle
import random
import sqlite3
import traceback
from collections.abc import Iterator
from pathlib import Path

import nbformat
import orjson
import pytest
from raw_server import Handler, answer, serving
from rel_support import KEY, KEY_MIDDLE, ORG, Wrapper, email_of, make_orders, order_id, phone_of

from seeka_nb import ConfigurationError, Credentials, Ledger, Sandbox, SeekaError
from seeka_nb.adapters.transport import HttpxTransport, Response
from seeka_nb.pipeline.runner import Seams

N = 60
SECRETS = (KEY, KEY_MIDDLE)
PII = [email_of(i) for i in range(N)] + [phone_of(i) for i in range(N)]
PII += [phone_of(i)[1:] for i in range(N)]  # the digits alone, too


class CollectingHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        text = self.format(record)  # message, args and any exception traceback
        self.lines.append(text + " " + repr(record.__dict__))


@pytest.fixture
def all_logs() -> Iterator[CollectingHandler]:
    root = logging.getLogger()
    handler = CollectingHandler()
    old = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    loggers = [logging.getLogger(n) for n in ("httpx", "httpcore", "asyncio", "seeka_nb")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(old)
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def assert_clean(text: str | bytes, *, pii: bool = False, where: str = "") -> None:
    data = text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")
    for secret in SECRETS:
        assert secret.encode() not in data, f"key found in {where}"
    if pii:
        for value in PII:
            assert value.encode() not in data, f"{value!r} found in {where}"


def exception_text(exc: BaseException) -> str:
    return "\n".join([str(exc), repr(exc), *traceback.format_exception(exc)])


class Corrupting(Wrapper):
    """Breaks one event (quantity 1.5) so the sandbox rejects it: a 400 path."""

    async def post(self, url: str, content: bytes, headers: dict[str, str]) -> Response:
        body = orjson.loads(content)
        for ev in body["data"]:
            if ev["ev"]["payload"]["activityId"] == order_id(7):
                ev["ev"]["payload"]["commerce"]["products"][0]["quantity"] = 1.5
        return await self.inner.post(url, orjson.dumps(body), headers)


def _seams(fake_time, transport=None) -> Seams:
    return Seams(
        transport=transport,
        clock=fake_time.clock,
        sleep=fake_time.sleep,
        now=fake_time.wall,
        rng=random.Random(1),
    )


def test_key_and_pii_absent_from_every_output(tmp_path: Path, fake_time, all_logs) -> None:
    df = make_orders(0, N)
    events = df.seeka.to_events()
    outputs: dict[str, str | bytes] = {}
    ledger_path = tmp_path / "ledger.sqlite"
    ledger = Ledger(ledger_path)
    with Sandbox(rate_limit=None, faults=[500, "reset", 429, 503], retry_after="both") as sb:
        creds = Credentials(ORG, KEY, endpoint=sb.ingest_url)
        seams = _seams(fake_time, lambda o: Corrupting(HttpxTransport(timeout=5)))
        report = events.send(creds, ledger=ledger, _seams=seams)
        assert report.counts["sent"] == N - 1 and report.counts["rejected"] == 1
        outputs["sandbox requests"] = json.dumps(sb.requests)
        outputs["sandbox repr"] = repr(sb)

        # the ledger files while the ledger is open (WAL not checkpointed yet)
        for suffix in ("", "-wal", "-shm"):
            path = Path(str(ledger_path) + suffix)
            if path.exists():
                outputs[f"ledger file{suffix} (open)"] = path.read_bytes()
        outputs["ledger repr"] = repr(ledger)
        for name in ("orders", "sent", "runs"):
            outputs[f"ledger.{name}()"] = getattr(ledger, name)().to_csv()
        ledger.close()

        # 403: credentials refused -> pending, and raise_for_failures
        with Sandbox(rate_limit=None, accepted_credentials=[(ORG, "pk_live_other_key_0000")]) as no:
            refused = events.send(
                creds.with_endpoint(no.ingest_url), ledger=False, _seams=_seams(fake_time)
            )
        assert refused.counts["pending"] == N - 0 and "rejected the credentials" in str(
            refused.stopped_reason
        )
        with pytest.raises(SeekaError) as failure:
            refused.raise_for_failures()
        outputs["403 exception"] = exception_text(failure.value)
        outputs["403 report"] = repr(refused) + refused._repr_html_() + refused.to_json()

    # nothing listens here any more: connection refused
    closed = creds.with_endpoint(sb_url := creds.endpoint)
    unreachable = events.send(closed, ledger=False, max_retries=1, _seams=_seams(fake_time))
    assert unreachable.counts["failed"] == N, (sb_url, unreachable)
    outputs["unreachable frame"] = unreachable.to_frame().to_csv()
    with pytest.raises(SeekaError) as failure:
        unreachable.raise_for_failures()
    outputs["unreachable exception"] = exception_text(failure.value)

    # invalid key: the message names the field, never the value
    with pytest.raises(ConfigurationError) as bad_key:
        Credentials(ORG, KEY[:12] + "\n" + KEY[12:])
    outputs["bad key exception"] = exception_text(bad_key.value)
    with pytest.raises(ConfigurationError) as bad_env:
        env = {"SEEKA_PUBLIC_KEY": KEY, "SEEKA_ORG_ID": "a b"}
        Credentials.from_env(env=env, dotenv_path=False)
    outputs["from_env exception"] = exception_text(bad_env.value)

    outputs["report"] = "\n".join(
        [
            repr(report),
            str(report),
            report._repr_html_(),
            report.to_json(),
            json.dumps(report.summary()),
            report.to_frame().to_csv(),
            report.rows().to_csv(),
        ]
    )
    outputs["credentials"] = "\n".join(
        [repr(creds), str(creds), f"{creds}", f"{creds!r}", creds.masked_key, creds.key_fingerprint]
    )
    outputs["events"] = repr(events) + events.issues.to_csv() + str(events.summary())
    dry = events.send(creds, dry_run=True, ledger=False)
    folder = tmp_path / "bodies"
    dry.save_bodies(folder)
    outputs["dry-run bodies folder"] = b"".join(p.read_bytes() for p in sorted(folder.iterdir()))
    outputs["logs"] = "\n".join(all_logs.lines)
    assert all_logs.lines, "nothing was logged: the capture is not working"

    for suffix in ("", "-wal", "-shm"):  # and once closed
        path = Path(str(ledger_path) + suffix)
        if path.exists():
            outputs[f"ledger file{suffix}"] = path.read_bytes()

    for where, text in outputs.items():
        pii = where.startswith(("ledger", "logs")) or where == "sandbox requests"
        assert_clean(text, pii=pii, where=where)
    assert "••••" + KEY[-4:] in outputs["credentials"]  # the masked form is what shows


def test_server_echoing_personal_data_is_cleaned(tmp_path: Path, fake_time, all_logs) -> None:
    """A server that quotes the request body (and the key header) in its errors."""

    def echo(h: Handler) -> None:
        seen = h.server.seen[-1]
        quoted = seen["body"] + json.dumps(seen["headers"]).encode()
        status = "400 Bad Request" if b"R-000007" in seen["body"] else "202 Accepted"
        h.write(answer(status, b"invalid: " + quoted[:3000], "text/plain"))

    events = make_orders(0, N).seeka.to_events()
    ledger_path = tmp_path / "ledger.sqlite"
    with serving(echo) as server:
        creds = Credentials(ORG, KEY, endpoint=server.url)
        report = events.send(creds, ledger=ledger_path, _seams=_seams(fake_time))
    assert report.counts["rejected"] == 1 and report.counts["sent"] == N - 1
    error = report.to_frame().set_index("activity_id").loc[order_id(7), "error"]
    assert error.startswith("HTTP 400")
    assert_clean(error, pii=True, where="rejected error")
    # names echoed back are personal data too (README: messages "cleaned of personal data")
    assert "Givenname7" not in error and "Familyname7" not in error, error
    assert_clean(report.to_frame().to_csv(), pii=True, where="report frame")
    for suffix in ("", "-wal", "-shm"):
        path = Path(str(ledger_path) + suffix)
        if path.exists():
            data = path.read_bytes()
            assert_clean(data, pii=True, where=f"ledger{suffix}")
            assert b"Givenname7" not in data and b"Familyname7" not in data
    assert_clean("\n".join(all_logs.lines), pii=True, where="logs")


# --- header injection ---------------------------------------------------------------------
INJECTIONS = [
    {"org_id": "org-1\r\nX-Evil: 1"},
    {"org_id": "org-1\nX-Evil: 1"},
    {"org_id": "org-1\rX"},
    {"org_id": "org\x00"},
    {"integration_name": "shop\r\nX-Evil: 1"},
    {"integration_name": "shop\nX"},
    {"integration_version": "1.0\r\nX-Evil: 1"},
    {"integration_version": "1.0\u2028x"},
    {"public_key": "pk_live_abc\r\nX-Evil: 1"},
]


def _injection_id(bad: dict[str, str]) -> str:
    return "-".join(f"{k}={v!r}" for k, v in bad.items())


@pytest.mark.parametrize("bad", INJECTIONS, ids=_injection_id)
def test_header_injection_is_refused_before_any_request(bad: dict[str, str], fake_time) -> None:
    with Sandbox(rate_limit=None) as sb:
        fields = {"org_id": ORG, "public_key": KEY, "endpoint": sb.ingest_url, **bad}
        with pytest.raises(ConfigurationError) as info:
            creds = Credentials(**fields)
            make_orders(0, 3).seeka.send(creds, ledger=False, _seams=_seams(fake_time))
        env = {
            "SEEKA_ORG_ID": fields["org_id"],
            "SEEKA_PUBLIC_KEY": fields["public_key"],
            "SEEKA_INTEGRATION_NAME": fields.get("integration_name", "shop"),
            "SEEKA_INTEGRATION_VERSION": fields.get("integration_version", "1.0"),
            "SEEKA_ENDPOINT": sb.ingest_url,
        }
        with pytest.raises(ConfigurationError):
            Credentials.from_env(env=env, dotenv_path=False)
        with pytest.raises(ConfigurationError):
            Credentials(ORG, KEY, endpoint=sb.ingest_url).with_endpoint(sb.ingest_url + "\r\nX: 1")
        assert sb.stats()["requests"] == 0
    field = next(iter(bad))
    assert field in str(info.value)
    assert_clean(exception_text(info.value), where="injection error")


def test_forged_credentials_still_never_reach_the_wire(fake_time) -> None:
    """Defence in depth: a Credentials object altered after validation (object.__setattr__
    on the frozen dataclass) cannot smuggle a header either; httpx refuses the value."""
    with Sandbox(rate_limit=None) as sb:
        creds = Credentials(ORG, KEY, endpoint=sb.ingest_url)
        object.__setattr__(creds, "org_id", "org\r\nX-Evil: 1")
        report = make_orders(0, 3).seeka.send(
            creds, ledger=False, max_retries=0, _seams=_seams(fake_time)
        )
        assert sb.stats()["requests"] == 0
    assert report.counts["failed"] == 3
    assert_clean(report.to_frame().to_csv(), where="forged report")


def test_pickled_report_and_copied_credentials_show_no_key(fake_time) -> None:
    creds = Credentials(ORG, KEY, endpoint="http://127.0.0.1:9/api/ingest")
    report = make_orders(0, 3).seeka.send(creds, dry_run=True, ledger=False)
    assert_clean(pickle.dumps(report.to_frame()), where="pickled frame")
    assert_clean(repr(dataclasses.replace(creds, org_id="other")), where="replaced creds")
    buffer = io.StringIO()
    report.to_frame().to_json(buffer, date_format="iso")
    assert_clean(buffer.getvalue(), where="frame json")


# --- a notebook, executed ---------------------------------------------------------------------
NOTEBOOK_CELLS = [
    "import os\nimport seeka_nb\nimport pandas as pd",
    "creds = seeka_nb.Credentials.from_env()\ncreds",
    "print(creds, creds.masked_key)\ncreds.headers().keys()",
    "df = pd.DataFrame({'order_id': [f'N{i}' for i in range(30)],"
    " 'created_at': '2025-03-01T10:00:00Z',"
    " 'email': [f'nb.{i}@example-shop.test' for i in range(30)],"
    " 'phone': [f'+614229{i:05d}' for i in range(30)], 'price': 5.0, 'currency': 'AUD'})\n"
    "events = df.seeka.to_events()\nevents",
    "report = events.send(creds, ledger=os.environ['NB_LEDGER'], rate=None)\nreport",
    "report.to_frame()",
    "seeka_nb.Ledger(os.environ['NB_LEDGER'])",
    "seeka_nb.Ledger(os.environ['NB_LEDGER']).sent()",
    "bad = creds.with_endpoint(os.environ['NB_REFUSING'])\n"
    "refused = events.send(bad, ledger=False, rate=None)\nrefused",
    "refused.raise_for_failures()",  # raises: its traceback is in the notebook
    "seeka_nb.Credentials(os.environ['SEEKA_ORG_ID'] + '\\nX-Evil: 1',"
    " os.environ['SEEKA_PUBLIC_KEY'])",  # raises
]


def test_key_absent_from_an_executed_notebook(tmp_path: Path, monkeypatch) -> None:
    try:
        from nbclient import NotebookClient
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip("nbclient is not installed (it is in the test extra; required under CI)")
    with (
        Sandbox(rate_limit=None) as sb,
        Sandbox(rate_limit=None, accepted_credentials=[(ORG, "pk_live_other_key_0000")]) as no,
    ):
        monkeypatch.setenv("SEEKA_ORG_ID", ORG)
        monkeypatch.setenv("SEEKA_PUBLIC_KEY", KEY)
        monkeypatch.setenv("SEEKA_ENDPOINT", sb.ingest_url)
        monkeypatch.setenv("NB_LEDGER", str(tmp_path / "nb-ledger.sqlite"))
        monkeypatch.setenv("NB_REFUSING", no.ingest_url)
        monkeypatch.setenv("TQDM_DISABLE", "1")
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(src) for src in NOTEBOOK_CELLS]
        client = NotebookClient(
            nb,
            timeout=120,
            kernel_name="python3",
            allow_errors=True,
            resources={"metadata": {"path": str(tmp_path)}},
        )
        client.execute()
        assert sb.stats()["events_accepted"] == 30
    path = tmp_path / "executed.ipynb"
    nbformat.write(nb, path)
    text = path.read_text(encoding="utf-8")
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert [e["ename"] for e in errors] == ["SendError", "ConfigurationError"], text[-3000:]
    assert "••••" + KEY[-4:] in text  # the masked key is shown ...
    assert_clean(text, where="executed notebook")  # ... never the key
    for file in tmp_path.glob("nb-ledger.sqlite*"):
        assert_clean(file.read_bytes(), where=file.name)
    conn = sqlite3.connect(tmp_path / "nb-ledger.sqlite")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
