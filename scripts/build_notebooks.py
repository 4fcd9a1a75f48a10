"""Write, execute and save the example notebooks in notebooks/ (with their outputs).

Run:  python scripts/build_notebooks.py [names...]

The cells live here so the notebooks can be regenerated after an API change; each notebook
is executed with nbclient (no network: it starts its own local sandbox), its saved widget
state is dropped (``metadata.widgets`` can carry secrets) and it is written with outputs so
readers see them on GitHub.  Under the test command nbval runs them again
(``--nbval-lax``; cells marked ``# NBVAL_CHECK_OUTPUT`` must reproduce their output).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parents[1] / "notebooks"

SETUP = """\
import os

import pandas as pd

import seeka_nb

pd.set_option("display.width", 160)
pd.set_option("display.max_columns", 12)
# Under the test command a sandbox is already running (its address is in the environment);
# run interactively, the notebook starts its own local one. Nothing here needs a network.
sandbox = None
if "SEEKA_SANDBOX_URL" not in os.environ:
    sandbox = seeka_nb.Sandbox().start()
    os.environ["SEEKA_SANDBOX_URL"] = sandbox.url
SANDBOX_URL = os.environ["SEEKA_SANDBOX_URL"]
SANDBOX_URL.startswith("http://127.0.0.1")"""

CREDS = """\
# Fake credentials for the local sandbox (it accepts any non-empty pair). For real Seeka use
# seeka_nb.Credentials.from_env() (SEEKA_ORG_ID, SEEKA_PUBLIC_KEY) or the CredentialsForm.
creds = seeka_nb.Credentials(
    org_id=os.environ.get("SEEKA_ORG_ID", "demo-org"),
    public_key=os.environ.get("SEEKA_PUBLIC_KEY", "sandbox-only"),
    endpoint=SANDBOX_URL + "/api/ingest",
)
creds"""

LEDGER = """\
import tempfile

# A ledger of what was sent (the default is .seeka/ledger.sqlite next to the notebook).
ledger_path = os.path.join(tempfile.mkdtemp(prefix="seeka-nb-"), "ledger.sqlite")"""

TEARDOWN = """\
if sandbox is not None:
    sandbox.stop()"""


def md(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_markdown_cell(text)


def code(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_code_cell(text)


def quickstart() -> list[nbformat.NotebookNode]:
    return [
        md(
            "# Quickstart: from a DataFrame of orders to Seeka\n\n"
            "Load orders, see how columns map to Seeka fields, check the data, preview the "
            "exact request bodies, send them to a local Seeka sandbox, join the report back "
            "to the orders, and re-run the send (it sends nothing twice)."
        ),
        code(SETUP),
        md(
            "## The orders\n\nThe bundled sample is synthetic: one row per line item, with a "
            "few deliberate problems."
        ),
        code("df = seeka_nb.sample_orders()\ndf.head(6)"),
        md(
            "## Which column feeds which Seeka field\n\nDetected from the column names; "
            "pass `mapping={...}` to choose yourself."
        ),
        code("df.seeka.mapping()"),
        md("## Convert\n\nTimes here carry their UTC offset; for times without one, pass `tz=`."),
        code("events = df.seeka.to_events()\nevents"),
        code(
            "# NBVAL_CHECK_OUTPUT\ns = events.summary()\n"
            "print(s['orders'], 'orders:', s['to_send'], 'to send,', s['held_back_error'],"
            " 'held back by errors')\nprint('revenue', s['revenue'])"
        ),
        md(
            "## What is wrong with the data\n\n`error` holds an order back, `warning` is "
            "reported and sent. Messages never quote emails or phones."
        ),
        code("events.issues"),
        code("# NBVAL_CHECK_OUTPUT\nprint(sorted(events.issues['code']))"),
        md(
            "## Activity IDs that repeat in risky ways\n\nThe activity ID must equal the "
            "browser SDK's `activityIdentifier`, or Seeka counts the order twice."
        ),
        code("events.duplicates()"),
        code("# NBVAL_CHECK_OUTPUT\nprint(sorted(events.duplicates()['kind']))"),
        md(
            "## The exact request body\n\nAt most 20 events per request; nothing absent is "
            "sent as null."
        ),
        code("print(events.preview(1)[:800])"),
        md("## Send to the local sandbox"),
        code(CREDS),
        code(LEDGER),
        code("report = events.send(creds, ledger=ledger_path, rate=None, progress=False)\nreport"),
        code("# NBVAL_CHECK_OUTPUT\nprint({k: v for k, v in report.counts.items() if v})"),
        md("## The report, joined back to the orders"),
        code("df.join(report.rows())[['order_id', 'sku', 'status']].head(8)"),
        code("report.to_frame().head()"),
        md("## Re-run: nothing is sent twice\n\nThe ledger knows what Seeka acknowledged."),
        code(
            "again = events.send(creds, ledger=ledger_path, rate=None, progress=False)\n"
            "# NBVAL_CHECK_OUTPUT\nprint({k: v for k, v in again.counts.items() if v}, "
            "again.requests, 'requests')"
        ),
        code(TEARDOWN),
    ]


def shopify() -> list[nbformat.NotebookNode]:
    return [
        md(
            '# A Shopify "Export orders" CSV\n\n`data/shopify_orders_sample.csv` is a small '
            "synthetic file in Shopify's layout (the real exports used in the tests are not "
            "shipped). `read_orders` detects the encoding, the delimiter and the layout."
        ),
        code(SETUP),
        code(
            "df = seeka_nb.read_orders('data/shopify_orders_sample.csv')\n"
            "# NBVAL_CHECK_OUTPUT\nprint(df.shape, df.attrs['seeka_nb'])"
        ),
        md(
            "## The preset's mapping and rules\n\nRows are grouped by `Name`, the activity ID "
            "is the order `Id`; cancelled, voided, fully refunded and unpaid orders are held "
            "back (the status policy); `Tip` lines are not "
            "products."
        ),
        code("df.seeka.mapping()"),
        code("events = df.seeka.to_events()\nevents"),
        md("## What was held back, and why"),
        code(
            "# NBVAL_CHECK_OUTPUT\nheld = events.to_frame(include_held_back=True)\n"
            "print(held.loc[held['status'] != 'ok', ['activity_id', 'status']]"
            ".to_string(index=False))"
        ),
        code(
            "# NBVAL_CHECK_OUTPUT\nprint(events.issues[['activity_id', 'severity', 'code']]"
            ".to_string(index=False))"
        ),
        md("## Phones normalised to E.164 (with the billing country), zips kept as text"),
        code(
            "# NBVAL_CHECK_OUTPUT\nfor ev in events.to_list()[:4]:\n"
            "    ident = ev['ev']['id']\n"
            "    print(ev['ev']['payload']['activityId'], ident.get('phone'), "
            "[a.get('postcode') for a in ident.get('address', [])])"
        ),
        md(
            "## Totals checked against the lines\n\nShopify's `Total` is sent; it reconciles "
            "with the lines, the discount, shipping, tax and tips."
        ),
        code(
            "# NBVAL_CHECK_OUTPUT\nprint(events.to_frame()[['activity_id', 'currency', "
            "'total', 'n_products']].to_string(index=False))"
        ),
        md("## Dry run: every request body, nothing sent"),
        code(CREDS),
        code(
            "report = events.send(creds, dry_run=True, ledger=False)\n"
            "# NBVAL_CHECK_OUTPUT\nprint({k: v for k, v in report.counts.items() if v}, "
            "len(report.bodies), 'body')"
        ),
        code(TEARDOWN),
    ]


def reliability() -> list[nbformat.NotebookNode]:
    return [
        md(
            "# Reliability: retries, throttling, interruptions, rejected events\n\n"
            "A local sandbox misbehaves on purpose (seeded): 5xx errors, 429s with "
            "`Retry-After-Ms`, connection resets. The send retries with backoff, slows down "
            "on 429s, resumes from the ledger, and isolates a bad event."
        ),
        code(SETUP),
        code(CREDS),
        code(LEDGER),
        code(
            "orders = pd.DataFrame({\n"
            "    'order_id': [f'R{i:04d}' for i in range(400)],\n"
            "    'created_at': '2025-01-01T09:00:00Z',\n"
            "    'email': [f'customer{i}@example.com' for i in range(400)],\n"
            "    'sku': 'SKU-1', 'price': 9.5, 'qty': 1, 'currency': 'EUR',\n"
            "})\nevents = orders.seeka.to_events()\nlen(events)"
        ),
        md("## A flaky server\n\n20 % of requests fail: 500, 503, 429 (with a hint) and resets."),
        code(
            "flaky = seeka_nb.Sandbox(\n"
            "    rate_limit=None, seed=42, retry_after='ms', penalty=0.2,\n"
            "    fault_rates={500: 0.06, 503: 0.04, 429: 0.05, 'reset': 0.05},\n"
            ").start()\n"
            "flaky_creds = seeka_nb.Credentials('demo-org', 'sandbox-only', "
            "endpoint=flaky.ingest_url)\n"
            "report = events.send(flaky_creds, ledger=ledger_path, rate=None, concurrency=2,\n"
            "                     progress=False)\n"
            "report"
        ),
        code(
            "# NBVAL_CHECK_OUTPUT\nprint({k: v for k, v in report.counts.items() if v})\n"
            "print('every order accepted once:', len(flaky.events) == len(events))"
        ),
        code("frame = report.to_frame()\nframe['attempts'].value_counts().sort_index()"),
        md("## Events sent over time"),
        code(
            "try:\n    import matplotlib.pyplot as plt\nexcept ImportError:  # optional\n"
            "    plt = None\n"
            "sent = frame.dropna(subset=['sent_at']).sort_values('sent_at')\n"
            "if plt is not None:\n"
            "    ax = sent.reset_index().plot(x='sent_at', y='index', legend=False)\n"
            "    ax.set_ylabel('orders sent')\n"
            "else:\n    print(sent['sent_at'].dt.floor('s').value_counts().sort_index())"
        ),
        md(
            "## An interrupted send, resumed from the ledger\n\nHere a deadline stands in for "
            "Ctrl-C (Ctrl-C works the same way): what Seeka acknowledged is recorded, the "
            "rest is `pending`, and re-running the same send sends only that."
        ),
        code(
            "slow = seeka_nb.Sandbox(rate_limit=None, latency=0.05).start()\n"
            "slow_creds = seeka_nb.Credentials('demo-org', 'sandbox-only', "
            "endpoint=slow.ingest_url)\n"
            "first = events.send(slow_creds, ledger=ledger_path, rate=None, concurrency=1, "
            "deadline=0.3, progress=False)\n"
            "second = events.send(slow_creds, ledger=ledger_path, rate=None, progress=False)\n"
            "# NBVAL_CHECK_OUTPUT\nprint('first run left some pending:', "
            "first.counts['pending'] > 0)\n"
            "print('the re-run sent exactly those:', second.counts['sent'] == "
            "first.counts['pending'])\n"
            "print('nothing sent twice:', slow.stats()['duplicates'] == 0)"
        ),
        md(
            "## A rejected event, isolated by bisection\n\nThe sandbox rejects a whole request "
            "when one event breaks the contract; the send splits the batch until only the bad "
            "event is left. (Our events are always valid, so this one is broken on purpose "
            "by a small transport wrapper.)"
        ),
        code(
            "import orjson\n\nfrom seeka_nb.adapters.transport import HttpxTransport\n"
            "from seeka_nb.pipeline.runner import Seams\n\n\n"
            "class BreakOne:\n"
            "    def __init__(self):\n        self.inner = HttpxTransport()\n\n"
            "    async def post(self, url, content, headers):\n"
            "        body = orjson.loads(content)\n"
            "        for ev in body['data']:\n"
            "            if ev['ev']['payload']['activityId'] == 'R0007':\n"
            "                ev['ev']['payload']['time'] = 'yesterday'\n"
            "        return await self.inner.post(url, orjson.dumps(body), headers)\n\n"
            "    async def aclose(self):\n        await self.inner.aclose()\n\n\n"
            "strict = seeka_nb.Sandbox(rate_limit=None).start()\n"
            "strict_creds = seeka_nb.Credentials('demo-org', 'sandbox-only', "
            "endpoint=strict.ingest_url)\n"
            "bisected = events.send(strict_creds, ledger=False, rate=None, progress=False, "
            "_seams=Seams(transport=lambda options: BreakOne()))\n"
            "# NBVAL_CHECK_OUTPUT\nprint({k: v for k, v in bisected.counts.items() if v})\n"
            "bad = bisected.to_frame().query(\"status == 'rejected'\")\n"
            "print(bad[['activity_id', 'http_status']].to_string(index=False))"
        ),
        code("print(bad['error'].iloc[0][:160])"),
        code("for sb in (flaky, slow, strict):\n    sb.stop()\n" + TEARDOWN),
    ]


def forms() -> list[nbformat.NotebookNode]:
    return [
        md(
            "# Credentials and consent in the notebook\n\n"
            "`CredentialsForm` takes the org ID and public key without the key ever reaching "
            "the saved notebook; `ConsentForm` decodes and checks a TCF consent string; "
            "`SendPanel` shows what will be sent and sends it."
        ),
        code(
            SETUP + "\nfrom datetime import UTC, datetime\n\nfrom seeka_nb.widgets import "
            "ConsentForm, CredentialsForm, SendPanel"
        ),
        md(
            "## Credentials\n\nType them into the form (the key field empties itself as soon "
            "as the key is read: it lives only in Python). Here the form is filled from code, "
            "with a fake key from the environment, and points at the local sandbox."
        ),
        code(
            "form = CredentialsForm()\n"
            "form.org_id.value = 'demo-org'\n"
            "form.public_key.value = os.environ.get('SEEKA_PUBLIC_KEY', 'sandbox-only')\n"
            "form.endpoint.value = 'custom'\n"
            "form.endpoint_url.value = SANDBOX_URL + '/api/ingest'\n"
            "creds = form.use()\nform"
        ),
        code(
            "# NBVAL_CHECK_OUTPUT\nprint('key field empty:', form.public_key.value == '')\n"
            "print('sending to the sandbox:', creds.endpoint == SANDBOX_URL + '/api/ingest')"
        ),
        md(
            "## Consent\n\nA TCF string *replaces* the consent Seeka holds for the customer, "
            "so it is decoded and checked before use. This one is a public IAB test vector."
        ),
        code(
            "TC = ('CPTtLAAPTtLAAAKAAAENAAFgALwAAEAAAAAAAOgAgABgAAAA.IAoAAgABgAAEAQAAEAAA'\n"
            "      '.d4AACEAAAAAA')\n"
            "events = seeka_nb.sample_orders().seeka.to_events()\n"
            "consent = ConsentForm(events, now=lambda: datetime(2025, 1, 1, tzinfo=UTC))\n"
            "consent.tc_string.value = TC\nconsent"
        ),
        code(
            "# NBVAL_CHECK_OUTPUT\ntc = consent.result\n"
            "print('version', tc.version, '| CMP', tc.cmp_id, '| policy', tc.policy_version,"
            " '| created', tc.created.date())\n"
            "print('purposes:', sorted(tc.purpose_consents))\n"
            "print('vendors with consent:', len(tc.vendor_consents), '| disclosed:',"
            " len(tc.disclosed_vendors or ()))\n"
            "print([(i.severity, i.code) for i in consent.issues])"
        ),
        code(
            "# NBVAL_CHECK_OUTPUT\nfor line in tc.summary()['purposes_consented'][:3]:\n"
            "    print(line)"
        ),
        md("## Apply it to the events"),
        code(
            "with_consent = consent.apply()\n"
            "# NBVAL_CHECK_OUTPUT\nprint(sum('privacy' in e['ev']['id'] for e in "
            "with_consent.to_list()), 'of', len(with_consent), 'events carry the string')"
        ),
        md(
            "## The send panel\n\nThe summary, the issues and duplicates, the first request "
            "body, and a Send button (here clicked from code)."
        ),
        code("panel = SendPanel(with_consent, creds, rate=0, ledger=False)\npanel"),
        code(
            "report = panel.send()\n"
            "# NBVAL_CHECK_OUTPUT\nprint({k: v for k, v in report.counts.items() if v})"
        ),
        code(TEARDOWN),
    ]


NOTEBOOKS = {
    "01_quickstart.ipynb": quickstart,
    "02_shopify_export.ipynb": shopify,
    "03_credentials_and_consent.ipynb": forms,
    "04_reliability.ipynb": reliability,
}


def build(name: str) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = NOTEBOOKS[name]()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    client = NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(HERE)}}
    )
    client.execute()
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, HERE / name)
    print(f"wrote {HERE / name}")


def main() -> None:
    for name in sys.argv[1:] or list(NOTEBOOKS):
        build(name)


if __name__ == "__main__":
    main()
