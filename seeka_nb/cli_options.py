"""Every option of the ``seeka-nb`` commands, declared in one place (layer 5, surface).

``validate`` and ``send`` read an export the same way, so they share :func:`add_input`
(how the file is read and converted: ``--preset``, ``--tz``, ``--currency``...) and
:func:`conversion_options` turns those into ``to_events`` keyword arguments.  Every
command shares :func:`add_output` (``--json``, ``-v``, ``-q``).  ``send`` adds
:func:`add_send` (ledger, resend, pacing, endpoint, proxy).  A new option goes here, with
a help text, next to its siblings; the commands in :mod:`seeka_nb.cli` only read them.
"""

from __future__ import annotations

import argparse
from typing import Any

from .errors import ConfigurationError
from .schema import DEFAULT_RATE_PER_SECOND, SEEKA_RATE_LIMIT_PER_SECOND

__all__ = [
    "add_input",
    "add_output",
    "add_send",
    "conversion_options",
    "option_hint",
    "parse_map",
    "send_options",
    "stream_chunksize",
]

#: Files larger than this are streamed by validate and send (unless --chunksize 0).
STREAM_AUTO_BYTES = 256 * 2**20
#: Rows per chunk when a file is streamed without --chunksize.
STREAM_CHUNKSIZE = 100_000

#: Python keyword (as error messages name it, ``tz=``) -> the command-line option.
OPTION_FOR_KEYWORD = {
    "tz=": "--tz ZONE",
    "currency=": "--currency CODE",
    "mapping=": "--map FIELD=COLUMN",
    "status_policy=": "--status-policy CLASS=ACTION",
    "preset=": "--preset NAME",
    "dayfirst=": "--dayfirst or --monthfirst",
    "proxy=": "--proxy URL",
    "truststore=": "--truststore",
    "resend=": "--resend changed",
    "rate=": "--rate N",
    "deadline=": "--deadline SECONDS",
    "chunksize=": "--chunksize N",
}


def option_hint(message: str) -> str:
    """ " On the command line: --tz ZONE." when ``message`` names a keyword argument that
    has a command-line option (the package's messages speak Python: ``tz=``)."""
    flags = [flag for word, flag in OPTION_FOR_KEYWORD.items() if word in message]
    return f" On the command line: {', '.join(flags)}." if flags else ""


def add_output(parser: argparse.ArgumentParser) -> None:
    """``--json``, ``-v`` and ``-q`` (every command)."""
    group = parser.add_argument_group("output")
    group.add_argument(
        "--json",
        action="store_true",
        help="write the result as one JSON object on stdout; human-readable text goes to stderr",
    )
    group.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="log what happens to stderr (-v: run start, summary, throttling and retries; "
        "-vv: every request too)",
    )
    group.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="print only the summary and what needs attention (no tables, no progress bar)",
    )


def add_input(parser: argparse.ArgumentParser) -> None:
    """The file and the options that say how an export is read (validate and send)."""
    parser.add_argument("file", help="the order export (CSV: Shopify, WooCommerce, Tiendanube...)")
    group = parser.add_argument_group("reading the export")
    group.add_argument(
        "--preset", help="layout preset, e.g. shopify (default: detected from the header)"
    )
    group.add_argument(
        "--tz", help="time zone of times written without one, e.g. Europe/London or UTC"
    )
    group.add_argument("--currency", help="ISO 4217 currency for orders without one, e.g. EUR")
    group.add_argument(
        "--map",
        dest="map",
        action="append",
        default=[],
        metavar="FIELD=COLUMN",
        help="map a column to a Seeka field (repeatable; repeat a field for several columns, "
        "e.g. --map status='Order Status'); FIELD= with no column switches the field off "
        "(--map totalPrice= says the orders have no value); lineTotal is a line's amount",
    )
    group.add_argument(
        "--status-policy",
        dest="status_policy",
        action="append",
        default=[],
        metavar="CLASS=ACTION",
        help="what happens to orders of a status class (repeatable): cancelled, refunded, "
        "pending = hold (default) or send; partially_refunded = send (default, at the "
        "order's value), net (minus the refund) or hold; unknown = send (default) or hold",
    )
    group.add_argument(
        "--chunksize",
        type=int,
        default=None,
        metavar="N",
        help="read, convert and send the file N rows at a time, memory bounded by N "
        f"(default: whole file, or chunks of {STREAM_CHUNKSIZE:,} rows for files over "
        f"{STREAM_AUTO_BYTES // 2**20} MB; 0: always the whole file). The rows of one order "
        "must be adjacent (a file sorted by order)",
    )
    day = group.add_mutually_exclusive_group()
    day.add_argument(
        "--dayfirst",
        dest="dayfirst",
        action="store_true",
        default=None,
        help="read 01/02/2025 as 1 February",
    )
    day.add_argument(
        "--monthfirst", dest="dayfirst", action="store_false", help="read 01/02/2025 as 2 January"
    )


def stream_chunksize(args: argparse.Namespace, size: int | None) -> int | None:
    """Rows per chunk when the file is streamed (``None``: read whole).  ``size`` is the
    file's size in bytes (``None`` when unknown)."""
    if args.chunksize is not None:
        if args.chunksize < 0:
            raise ConfigurationError(
                f"--chunksize {args.chunksize}: a number of rows (0 reads the whole file)."
            )
        return args.chunksize or None
    if size is not None and size > STREAM_AUTO_BYTES:
        return STREAM_CHUNKSIZE
    return None


def _pairs(values: list[str], option: str, example: str) -> list[tuple[str, str]]:
    out = []
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigurationError(f"{option} {item!r}: write {example}.")
        out.append((key.strip(), value))
    return out


def parse_map(values: list[str]) -> dict[str, Any] | None:
    """``["totalPrice=", "status=A", "status=B"]`` → ``{"totalPrice": None, "status": [...]}``."""
    mapping: dict[str, Any] = {}
    for field, column in _pairs(values, "--map", "FIELD=COLUMN, e.g. --map lineTotal=Amount"):
        if column == "":
            mapping[field] = None
        elif mapping.get(field) is None:
            mapping[field] = column
        else:
            prev = mapping[field]
            mapping[field] = [*(prev if isinstance(prev, list) else [prev]), column]
    return mapping or None


def conversion_options(args: argparse.Namespace) -> dict[str, Any]:
    """``to_events`` keyword arguments from the options of :func:`add_input`."""
    options: dict[str, Any] = {
        "mapping": parse_map(args.map),
        "preset": args.preset,
        "tz": args.tz,
        "currency": args.currency,
    }
    example = "CLASS=ACTION, e.g. --status-policy pending=send"
    policy = dict(_pairs(args.status_policy, "--status-policy", example))
    if policy:
        options["status_policy"] = policy
    if args.dayfirst is not None:
        options["dayfirst"] = args.dayfirst
    return options


def add_send(parser: argparse.ArgumentParser) -> None:
    """What only ``send`` needs: ledger, resend, pacing, endpoint and network."""
    group = parser.add_argument_group("sending")
    group.add_argument(
        "--dry-run", action="store_true", help="build every request body, send nothing"
    )
    group.add_argument(
        "--bodies", metavar="DIR", help="with --dry-run: folder to write the request bodies to"
    )
    group.add_argument(
        "--resend",
        choices=["none", "changed", "all"],
        default="none",
        help="orders the ledger already has: none (default) sends only new ones; changed "
        "also sends those whose payload changed since; all sends everything again",
    )
    group.add_argument(
        "--rate",
        type=float,
        default=DEFAULT_RATE_PER_SECOND,
        help=f"requests per second (default {DEFAULT_RATE_PER_SECOND:g}; Seeka allows "
        f"{SEEKA_RATE_LIMIT_PER_SECOND})",
    )
    group.add_argument(
        "--deadline",
        type=float,
        metavar="SECONDS",
        help="stop after this long; what is not sent by then ends pending (exit 1)",
    )
    ledger = parser.add_argument_group("ledger (what was sent before)")
    where = ledger.add_mutually_exclusive_group()
    where.add_argument(
        "--ledger",
        metavar="PATH_OR_URL",
        help="ledger file (default .seeka/ledger.sqlite in the current folder), or a "
        "postgresql://user@host/db URL for scheduled jobs on short-lived workers (give the "
        "password through PGPASSWORD or ~/.pgpass, not on the command line)",
    )
    where.add_argument(
        "--no-ledger",
        action="store_true",
        help="use no ledger: nothing is recorded and a re-run sends everything again",
    )
    net = parser.add_argument_group("network")
    net.add_argument(
        "--endpoint", help="ingest URL (default: SEEKA_ENDPOINT, else Seeka's production URL)"
    )
    net.add_argument(
        "--proxy",
        metavar="URL",
        help="HTTP(S) proxy, e.g. http://proxy.example:3128 (default: HTTPS_PROXY, "
        "HTTP_PROXY, ALL_PROXY and NO_PROXY from the environment)",
    )
    net.add_argument(
        "--truststore",
        action="store_true",
        help="trust the operating system's certificate store (pip install truststore) "
        "instead of certifi's; SSL_CERT_FILE/SSL_CERT_DIR add a CA bundle either way",
    )


def send_options(args: argparse.Namespace) -> dict[str, Any]:
    """``Events.send`` keyword arguments from the options of :func:`add_send`."""
    ledger: Any = False if args.no_ledger else args.ledger
    options: dict[str, Any] = {
        "dry_run": args.dry_run,
        "ledger": ledger,
        "resend": args.resend,
        "rate": args.rate,
        "deadline": args.deadline,
        "progress": False if (args.quiet or args.json) else None,
    }
    if args.proxy:
        options["proxy"] = args.proxy
    if args.truststore:
        options["truststore"] = True
    return options
