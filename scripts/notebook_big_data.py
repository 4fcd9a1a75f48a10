"""The cells of notebooks/06_big_data.ipynb (built by scripts/build_notebooks.py).

A streamed send of a file read in chunks, then the same orders as a Dask DataFrame on a
small local cluster: issues, duplicates and one send report, with the ledger making the
second send a no-op.
"""

from __future__ import annotations

from collections.abc import Callable

import nbformat


def big_data(
    md: Callable[[str], nbformat.NotebookNode],
    code: Callable[..., nbformat.NotebookNode],
    sandbox_note: str,
) -> list[nbformat.NotebookNode]:
    """The notebook's cells (``md``/``code`` are build_notebooks' cell makers)."""
    return [
        md(
            "# Big data: streaming a file, and Dask\n\n"
            "When the orders do not fit in memory (a shop's whole history), or already live "
            "in a Dask DataFrame, seeka_nb converts and checks them piece by piece and sends "
            "them through one sender: one rate budget, one ledger, one `SendReport`. This "
            "notebook streams a CSV file in chunks, then sends the same orders from a Dask "
            "DataFrame converted by two worker processes.\n\n" + sandbox_note
        ),
        code(
            "import seeka_nb\n\n"
            "sandbox = seeka_nb.Sandbox().start()\n"
            "creds = seeka_nb.Credentials('demo-org', 'sandbox-only', "
            "endpoint=sandbox.ingest_url)"
        ),
        md(
            "## An export too big for memory\n\nHere a stand-in: the sample orders copied "
            "50 times with new order IDs, written to a CSV file (about 850 rows)."
        ),
        code(
            "import tempfile\nfrom pathlib import Path\n\nimport pandas as pd\n\n"
            "folder = Path(tempfile.mkdtemp())\n"
            "sample = seeka_nb.sample_orders()\n"
            "copies = [sample.assign(order_id=sample['order_id'].astype('str') + f'-{i}')\n"
            "          for i in range(50)]\n"
            "pd.concat(copies, ignore_index=True).to_csv(folder / 'orders.csv', index=False)\n"
            "len(pd.concat(copies))",
            check=True,
        ),
        md(
            "## Streaming: chunk by chunk\n\n`stream_orders` reads the file 200 rows at a "
            "time; memory stays bounded by the chunk size. An order whose rows straddle two "
            "chunks is carried over and converted whole. Issues and duplicates cover the "
            "whole file, without holding its events."
        ),
        code(
            "stream = seeka_nb.stream_orders(folder / 'orders.csv', chunksize=200)\n"
            "summary = stream.summary()\n"
            "{k: summary[k] for k in ('rows', 'orders', 'to_send', 'held_back_error', "
            "'chunks')}",
            check=True,
        ),
        code(
            "stream.issues().groupby(['severity', 'code'], observed=True).size()"
            ".rename('rows').reset_index()"
        ),
        md(
            "One report for the whole file. The ledger records every acknowledged order, "
            "so a second run (or a run resumed after a crash) sends only what is missing."
        ),
        code(
            "ledger = folder / 'ledger.sqlite'\nreport = stream.send(creds, ledger=ledger)\nreport"
        ),
        code("{status: n for status, n in report.counts.items() if n}", check=True),
        md(
            "## Dask: the same orders on a local cluster\n\n`ddf.seeka` converts each "
            "partition in the workers with the same code as pandas. The CSV is read in "
            "blocks, so some orders are cut between two partitions: seeka_nb moves those "
            "few orders' rows together (a full shuffle only when many orders are spread "
            "out). Issues and duplicates are gathered from the workers; they are those "
            "pandas gives for the whole frame."
        ),
        code(
            "import dask.dataframe as dd\nfrom distributed import Client, LocalCluster\n\n"
            "cluster = LocalCluster(n_workers=2, threads_per_worker=1, "
            "dashboard_address=None,\n"
            "                       silence_logs='ERROR')  # no log lines in the notebook\n"
            "client = Client(cluster)\n"
            "ddf = dd.read_csv(folder / 'orders.csv', dtype='str', blocksize=20_000)\n"
            "ddf.npartitions"
        ),
        code(
            "events = ddf.seeka.to_events()\nsummary = events.summary()\n"
            "{k: summary[k] for k in ('rows', 'orders', 'to_send', 'held_back_error')}",
            check=True,
        ),
        code("ddf.seeka.check_duplicates()['kind'].value_counts()"),
        md(
            "Sending streams the partitions to one sender here in the notebook, two "
            "partitions converted at a time. With the ledger of the streamed send, every "
            "order is already sent: nothing goes out twice."
        ),
        code(
            "again = events.send(creds, ledger=ledger)\n"
            "{status: n for status, n in again.counts.items() if n}",
            check=True,
        ),
        code("len(sandbox.events), report.counts['sent']", check=True),
        code("client.close()\ncluster.close()\nsandbox.stop()"),
    ]
