"""Write, execute and save the tutorial notebooks in notebooks/ (with their outputs).

Run:  python scripts/build_notebooks.py [names...]

The cells live here so the notebooks can be regenerated after an API change.  Each
notebook is a story: it opens with what the reader will do, imports only public names and
sends only to a local :class:`seeka_nb.Sandbox` it starts itself, so it runs the same for
a reader and under the test command (nbval, ``--nbval-lax``).  Cells whose output must
reproduce carry the ``nbval-check-output`` *tag* (cell metadata), not a comment in the
visible source.  Executed with nbclient; progress bars are off (``TQDM_DISABLE``) so no
widget is saved; the saved widget state is dropped (``metadata.widgets`` can carry
secrets) and outputs are kept so readers see them on GitHub and nbviewer.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from notebook_big_data import big_data

HERE = Path(__file__).resolve().parents[1] / "notebooks"
CHECK = "nbval-check-output"


def md(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_markdown_cell(text)


def code(text: str, *, check: bool = False) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(text)
    if check:
        cell.metadata["tags"] = [CHECK]
    return cell


SANDBOX_NOTE = (
    "`seeka_nb.Sandbox` is a Seeka look-alike running on this machine: it checks every "
    "request against Seeka's contract and records what it accepts, so nothing here leaves "
    "your computer. For real Seeka, use `seeka_nb.Credentials.from_env()` (`SEEKA_ORG_ID`, "
    "`SEEKA_PUBLIC_KEY`) or the credentials form (notebook 03)."
)


def quickstart() -> list[nbformat.NotebookNode]:
    return [
        md(
            "# Quickstart: from a DataFrame of orders to Seeka\n\n"
            "You have orders in pandas (one row per line item, as most shop exports are) "
            "and want them in Seeka as server-side `Order` events, so ad platforms see the "
            "purchases the browser missed. In ten cells: look at the orders, see which "
            "column feeds which Seeka field, find what is wrong before anything is sent, "
            "read the exact request body, send, join the result back to the orders, and "
            "run the send again safely."
        ),
        code("import seeka_nb\n\norders = seeka_nb.sample_orders()\norders.head(6)"),
        md(
            "The sample is synthetic: 17 rows, 14 orders in four currencies, with a few "
            "deliberate problems to find.\n\n"
            "## Which column feeds which Seeka field\n\nDetected from the column names; "
            "pass `mapping={'totalPrice': 'my_total'}` to choose yourself."
        ),
        code("orders.seeka.mapping()"),
        md(
            "## Convert: no network yet\n\n`to_events()` builds one event per order and "
            "checks everything on the way. The display shows what would be sent, what is "
            "held back and why, and orders and revenue over time."
        ),
        code("events = orders.seeka.to_events()\nevents"),
        md(
            "## What is wrong with the data\n\nAn `error` holds the order back; a "
            "`warning` is reported and the order is sent. Messages name the column and "
            "row, never an email or a phone number."
        ),
        code("events.issues[['row', 'activity_id', 'severity', 'code', 'message']]", check=True),
        md(
            "## Activity IDs that repeat in risky ways\n\nThe activity ID is Seeka's "
            "de-duplication key and must equal the browser SDK's `activityIdentifier`. "
            "`1013` and `#1013` look like one order spelled two ways: both are sent as "
            "written, so if they are one order, fix the IDs first (the browser reported "
            "only one of them)."
        ),
        code("events.duplicates()"),
        md(
            "## The exact request body\n\n`preview(n)` shows the first `n` events in the "
            "body that would carry them (at most 20 per request; nothing absent is sent "
            "as `null`)."
        ),
        code("events.preview(1)"),
        md("## Send\n\n" + SANDBOX_NOTE),
        code(
            "sandbox = seeka_nb.Sandbox().start()\n"
            "creds = seeka_nb.Credentials('demo-org', 'sandbox-only', "
            "endpoint=sandbox.ingest_url)\n\n"
            "# What Seeka acknowledged is recorded here, so a re-run never sends an order\n"
            "# twice (by default .seeka/ledger.sqlite next to the notebook).\n"
            "ledger = seeka_nb.Ledger(':memory:')\n\n"
            "report = events.send(creds, ledger=ledger)\nreport"
        ),
        md(
            "Every order ends in exactly one status, and the counts add up to the orders "
            "that went in:"
        ),
        code("{status: n for status, n in report.counts.items() if n}", check=True),
        md("## The result, joined back to the orders\n\nOne row per input row, same index:"),
        code("orders.join(report.rows())[['order_id', 'sku', 'status']].head(8)"),
        md(
            "## Run it again: nothing is sent twice\n\nThe ledger knows what Seeka "
            "acknowledged, so re-running the cell (or the whole notebook after a crash) "
            "sends only what is missing: here, nothing."
        ),
        code(
            "again = events.send(creds, ledger=ledger)\n"
            "{status: n for status, n in again.counts.items() if n}, again.requests",
            check=True,
        ),
        code("sandbox.stop()"),
    ]


def shopify() -> list[nbformat.NotebookNode]:
    return [
        md(
            '# A Shopify "Export orders" CSV\n\n'
            "Shopify's order export has one row per line item, the order's totals on its "
            "first row only, cancelled orders mixed in, tips as line items and phone "
            "numbers written the way customers typed them. `read_orders` reads the file "
            "(encoding, delimiter) and recognises the layout, so the `shopify` preset "
            "applies its rules. `data/shopify_orders_sample.csv` is a small synthetic file "
            "in Shopify's layout."
        ),
        code(
            "import seeka_nb\n\n"
            "orders = seeka_nb.read_orders('data/shopify_orders_sample.csv')\n"
            "orders.attrs['seeka_nb']"
        ),
        md(
            "## The preset's mapping and rules\n\nRows are grouped by `Name`; the activity "
            "ID is the order's `Id`; cancelled, voided, fully refunded and unpaid orders are "
            "held back (the status policy); `Tip` lines are not products."
        ),
        code("orders.seeka.mapping()"),
        code("events = orders.seeka.to_events()\nevents"),
        md("## What was held back, and why"),
        code(
            "held = events.to_frame(include_held_back=True)\n"
            "held.loc[held['status'] != 'ok', ['activity_id', 'status']]",
            check=True,
        ),
        code("events.issues[['activity_id', 'severity', 'code', 'message']]", check=True),
        md(
            "## Phones in E.164 (with the billing country), postcodes kept as text\n\n"
            "The events as Seeka receives them:"
        ),
        code(
            "[\n"
            "    (e['ev']['payload']['activityId'], e['ev']['id'].get('phone'),\n"
            "     [a.get('postcode') for a in e['ev']['id'].get('address', [])])\n"
            "    for e in events.to_list()[:4]\n"
            "]",
            check=True,
        ),
        md(
            "## Totals checked against the lines\n\nShopify's `Total` is what is sent; it "
            "must reconcile with the lines, the discount, shipping, tax and tips."
        ),
        code("events.to_frame()[['activity_id', 'currency', 'total', 'n_products']]", check=True),
        md(
            "## Dry run: every request body, nothing sent\n\nA dry run needs no server: "
            "it builds every body (`report.bodies`, or `report.save_bodies(folder)`) and "
            "sends nothing."
        ),
        code(
            "creds = seeka_nb.Credentials('demo-org', 'sandbox-only')\n"
            "dry = events.send(creds, dry_run=True, ledger=False)\ndry"
        ),
        code("len(dry.bodies), len(dry.bodies[0]['data'])", check=True),
    ]


def forms() -> list[nbformat.NotebookNode]:
    tc = "CPTtLAAPTtLAAAKAAAENAAFgALwAAEAAAAAAAOgAgABgAAAA.IAoAAgABgAAEAQAAEAAA.d4AACEAAAAAA"
    return [
        md(
            "# Credentials and consent, in forms\n\n"
            "Three forms for people who would rather not write code: `CredentialsForm` "
            "takes the organisation ID and public key (the key never reaches the saved "
            "notebook), `ConsentForm` decodes and checks a TCF consent string before it "
            "is attached to orders, and `SendPanel` shows what will be sent and sends it. "
            "Here they are filled from code so the notebook runs unattended; in JupyterLab "
            "you type and click. (On GitHub or nbviewer you see a static picture of each "
            "form.)"
        ),
        code(
            "import seeka_nb\nfrom seeka_nb.widgets import ConsentForm, CredentialsForm, "
            "SendPanel\n\n"
            "# A Seeka look-alike on this machine: nothing in this notebook leaves it.\n"
            "sandbox = seeka_nb.Sandbox().start()\n"
            "form = CredentialsForm(sandbox=sandbox)\nform"
        ),
        md(
            "## Credentials\n\nThe key field empties itself as soon as the key is read: "
            "the key lives only in Python, never in the widget state a notebook saves. "
            "`form.use()` is what the *Use these* button does."
        ),
        code(
            "form.org_id.value = 'demo-org'\n"
            "form.public_key.value = 'sandbox-only-key'\n"
            "creds = form.use()\ncreds"
        ),
        code(
            "form.public_key.value == '', creds.endpoint == sandbox.ingest_url",
            check=True,
        ),
        md(
            "## Consent\n\nA TCF string *replaces* the consent Seeka holds for the "
            "customer, so it is decoded and checked before use. This one is a public "
            "IAB test vector; `seeka_nb.consent` offers the same checks in code "
            "(`decode_tc`, `validate_tc`)."
        ),
        code(
            f"TC = {tc!r}\n\n"
            "events = seeka_nb.sample_orders().seeka.to_events()\n"
            "consent = ConsentForm(events)\n"
            "consent.tc_string.value = TC\nconsent"
        ),
        code(
            "tc = seeka_nb.consent.decode_tc(TC)\n"
            "tc.version, tc.cmp_id, tc.policy_version, sorted(tc.purpose_consents)",
            check=True,
        ),
        code("tc.summary()['purposes_consented'][:3]", check=True),
        md("## Apply it to the events"),
        code(
            "with_consent = consent.apply()\n"
            "sum('privacy' in e['ev']['id'] for e in with_consent.to_list()), "
            "len(with_consent)",
            check=True,
        ),
        md(
            "## The send panel\n\nThe summary, the issues and duplicates, the first "
            "request body, and a *Send* button (here clicked from code)."
        ),
        code("panel = SendPanel(with_consent, creds, ledger=False)\npanel"),
        code(
            "report = panel.send()\n{status: n for status, n in report.counts.items() if n}",
            check=True,
        ),
        code("sandbox.stop()"),
    ]


def reliability() -> list[nbformat.NotebookNode]:
    return [
        md(
            "# Reliability: retries, throttling, interruptions, rejected events\n\n"
            "Networks fail, servers throttle, laptops close, and one bad order can make "
            "Seeka refuse a whole request. Here a local sandbox misbehaves on purpose "
            "(seeded, so every run is the same) and the send copes: it retries with "
            "backoff, slows down on 429s, resumes from its ledger, and isolates a bad "
            "event by bisection."
        ),
        code(
            "import matplotlib.pyplot as plt\nimport pandas as pd\n\nimport seeka_nb\n\n"
            "orders = pd.DataFrame({\n"
            "    'order_id': [f'R{i:04d}' for i in range(400)],\n"
            "    'created_at': '2025-01-01T09:00:00Z',\n"
            "    'email': [f'customer{i}@example.com' for i in range(400)],\n"
            "    'sku': 'SKU-1', 'price': 9.5, 'qty': 1, 'currency': 'EUR',\n"
            "})\nevents = orders.seeka.to_events()\nlen(events)"
        ),
        md(
            "## A flaky server\n\nOne request in five fails: 500, 503, 429 (with a "
            "`Retry-After-Ms` hint) and dropped connections."
        ),
        code(
            "flaky = seeka_nb.Sandbox(\n"
            "    seed=42, retry_after='ms', penalty=0.2,\n"
            "    fault_rates={500: 0.06, 503: 0.04, 429: 0.05, 'reset': 0.05},\n"
            ").start()\n"
            "creds = seeka_nb.Credentials('demo-org', 'sandbox-only', "
            "endpoint=flaky.ingest_url)\n"
            "ledger = seeka_nb.Ledger(':memory:')\n\n"
            "report = events.send(creds, ledger=ledger, concurrency=2)\nreport"
        ),
        code(
            "{status: n for status, n in report.counts.items() if n}, "
            "len(flaky.events) == len(events)",
            check=True,
        ),
        md("How many attempts the orders needed:"),
        code("frame = report.to_frame()\nframe['attempts'].value_counts().sort_index()"),
        md("## Orders acknowledged over time\n\nThe pauses are backoff after failures."),
        code(
            "sent = frame.dropna(subset=['sent_at']).sort_values('sent_at')\n"
            "ax = sent.reset_index(drop=True).reset_index().plot(x='sent_at', y='index', "
            "legend=False, figsize=(7, 3))\n"
            "ax.set_xlabel('time')\nax.set_ylabel('orders acknowledged')\nplt.show()"
        ),
        md(
            "## An interrupted send, resumed from the ledger\n\nA deadline stands in for "
            "Ctrl-C (which works the same way): what Seeka acknowledged is recorded, the "
            "rest ends `pending`, and running the same send again sends only that."
        ),
        code(
            "slow = seeka_nb.Sandbox(rate_limit=None, latency=0.05).start()\n"
            "slow_creds = creds.with_endpoint(slow.ingest_url)\n"
            "resumable = seeka_nb.Ledger(':memory:')\n\n"
            "first = events.send(slow_creds, ledger=resumable, concurrency=1, deadline=0.3)\n"
            "second = events.send(slow_creds, ledger=resumable)\n"
            "first"
        ),
        code(
            "{\n"
            "    'the first run left some pending': first.counts['pending'] > 0,\n"
            "    'the re-run sent exactly those': second.counts['sent'] == "
            "first.counts['pending'],\n"
            "    'nothing reached Seeka twice': slow.stats()['duplicates'] == 0,\n"
            "}",
            check=True,
        ),
        md(
            "## A rejected event, isolated by bisection\n\nSeeka refuses a whole request "
            "when one event in it breaks the contract. To show what the send does then, "
            "this sandbox refuses order `R0007` on purpose (`reject=`): the send splits "
            "the batch until only the bad event is left, and sends all the others."
        ),
        code(
            "strict = seeka_nb.Sandbox(reject=['R0007']).start()\n"
            "bisected = events.send(creds.with_endpoint(strict.ingest_url), ledger=False)\n"
            "bisected"
        ),
        code(
            "bisected.to_frame().query(\"status == 'rejected'\")[['activity_id', "
            "'http_status', 'attempts']]",
            check=True,
        ),
        code("for sandbox in (flaky, slow, strict):\n    sandbox.stop()"),
    ]


REAL = "../../shared/data/real/shopify_orders_export_oks234.csv"


def real_export() -> list[nbformat.NotebookNode]:
    return [
        md(
            "# A real-world export, end to end\n\n"
            "Real exports are messier than samples: refunds and cancellations, orders "
            "whose totals do not add up, repeated IDs, phone numbers in every format. "
            "This notebook takes one through the whole way: read it, check the mapping, "
            "see how order status and refunds are treated, read the issues and the "
            "duplicate analysis, and finish with a dry run.\n\n"
            "The file is a public Shopify export (pseudonymised) that the tests use, "
            "from the fixture folder `../shared/data/real/` beside the repository; it is "
            "not shipped with seeka_nb (see that folder's `SOURCES.md`). Without it, the "
            "notebook reads the bundled synthetic Shopify sample instead."
        ),
        code(
            "from pathlib import Path\n\nimport seeka_nb\n\n"
            f"real = Path({REAL!r})\n"
            "path = real if real.exists() else Path('data/shopify_orders_sample.csv')\n"
            "orders = seeka_nb.read_orders(path)\n"
            "path.name, orders.shape, orders.attrs['seeka_nb']['preset']"
        ),
        md(
            "## The mapping\n\n`read_orders` recognised the layout, so the `shopify` "
            "preset maps the columns and adds its rules."
        ),
        code("orders.seeka.mapping()"),
        md(
            "## Convert\n\nNothing is sent yet. The display shows orders and revenue over "
            "time, what is held back by reason, and the issues by severity."
        ),
        code("events = orders.seeka.to_events()\nevents"),
        md(
            "## Order status and refunds\n\nShopify's `Financial Status` says whether "
            "an order was paid, refunded or voided, and `Cancelled at` whether it was "
            "cancelled. The status policy decides, never a guess: cancelled, voided, "
            "fully refunded and unpaid orders are held back with their reason (status "
            "`excluded`); a partially refunded order is a purchase and is sent, with a "
            "`partially_refunded` warning. The statuses in this file, and what happened to "
            "their orders:"
        ),
        code(
            "import pandas as pd\n\n"
            "first_rows = orders.drop_duplicates('Name')\n"
            "held = events.to_frame(include_held_back=True).set_index('activity_id')\n"
            "status = pd.Series(first_rows['Financial Status'].fillna('(blank)').to_numpy(),\n"
            "                   index=first_rows['Id'].astype('str').to_numpy())\n"
            "pd.crosstab(status.rename('Financial Status'),\n"
            "            held['status'].reindex(status.index).rename('outcome'))"
        ),
        md("## Issues\n\nEvery problem, by row; errors hold their order back."),
        code("events.held_back()"),
        code(
            "events.issues.groupby(['severity', 'code'], observed=True).size()"
            ".rename('rows').reset_index()"
        ),
        md(
            "## Duplicates\n\nIDs that repeat in ways that matter: values that disagree "
            "within one order, identical line rows, orders split across the file, and "
            "IDs spelled two ways."
        ),
        code("events.duplicates()"),
        md(
            "## A dry run\n\nEvery request body is built and checked, nothing is sent. "
            "`dry.save_bodies('bodies/')` writes them to files for review."
        ),
        code(
            "creds = seeka_nb.Credentials('demo-org', 'dry-run-only')\n"
            "dry = events.send(creds, dry_run=True, ledger=False)\ndry"
        ),
        # not checked by nbval: the counts depend on which file was read
        code("{status: n for status, n in dry.counts.items() if n}, len(dry.bodies)"),
    ]


NOTEBOOKS = {
    "01_quickstart.ipynb": quickstart,
    "02_shopify_export.ipynb": shopify,
    "03_credentials_and_consent.ipynb": forms,
    "04_reliability.ipynb": reliability,
    "05_real_export_end_to_end.ipynb": real_export,
    "06_big_data.ipynb": lambda: big_data(md, code, SANDBOX_NOTE),
}


def build(name: str) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = NOTEBOOKS[name]()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    os.environ["TQDM_DISABLE"] = "1"  # no progress widgets in the saved outputs
    client = NotebookClient(
        nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(HERE)}}
    )
    client.execute()
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(nb, HERE / name)
    print(f"wrote {HERE / name}")


def main() -> None:
    for name in sys.argv[1:] or list(NOTEBOOKS):
        build(name)


if __name__ == "__main__":
    main()
