"""The ``seeka-nb`` command line (layer 5, surface).

Subcommands: ``demo`` (convert the bundled sample, send it to an embedded sandbox, show
the report), ``send FILE`` (read an export and send it; exit 1 when anything is not sent),
``validate FILE`` (read an export, show the mapping, summary and issues; exit 1 when an
order is held back by an error) and ``sandbox`` (run the local Seeka-compatible server in
the foreground).  Exit code 2: the input could not be converted at all (a SeekaError).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from . import __version__
from .adapters.readers import read_orders
from .adapters.samples import sample_orders
from .adapters.sandbox import Sandbox
from .credentials import Credentials
from .errors import ConfigurationError, MappingError, SeekaError


def _print_frame(frame: pd.DataFrame, limit: int = 20) -> None:
    if frame.empty:
        print("  (none)")
        return
    with pd.option_context(
        "display.width", 200, "display.max_colwidth", 80, "display.max_columns", 20
    ):
        print(frame.head(limit).to_string(index=False))
    if len(frame) > limit:
        print(f"  ... {len(frame) - limit} more")


def cmd_demo(args: argparse.Namespace) -> int:
    """The main job on the embedded default: convert the bundled sample, check it, send it
    to a local sandbox, show the report and the sandbox's view, send again (nothing goes)."""
    df = sample_orders()
    events = df.seeka.to_events()
    print(f"seeka_nb {__version__} demo: {len(df)} sample rows (synthetic)\n")
    print(events)
    print("\nIssues:")
    _print_frame(events.issues[["row", "activity_id", "field", "severity", "code", "message"]])
    print("\nDuplicates:")
    _print_frame(events.duplicates()[["activity_id", "kind", "rows", "detail"]])
    if args.show_body:
        print(f"\nFirst request body ({min(len(events), 20)} of {len(events)} events):")
        print(events.preview(1))
    with (
        tempfile.TemporaryDirectory(prefix="seeka-demo-") as tmp,
        Sandbox(rate_limit=None) as sandbox,
    ):
        creds = Credentials("demo-org", "demo-public-key-0000", endpoint=sandbox.ingest_url)
        ledger = Path(tmp) / "ledger.sqlite"
        print(f"\nSending to a local sandbox at {sandbox.ingest_url} ...")
        report = events.send(creds, ledger=ledger, rate=None, progress=False)
        print(report)
        _print_frame(
            report.to_frame()[["activity_id", "status", "http_status", "attempts", "error"]]
        )
        stats = sandbox.stats()
        print(
            f"\nThe sandbox received {stats['requests']} request(s), accepted "
            f"{stats['events_accepted']} unique event(s), saw {stats['duplicates']} "
            "duplicate(s)."
        )
        again = events.send(creds, ledger=ledger, rate=None, progress=False)
        print(
            f"\nRe-running the same send: {again.counts['already_sent']} already sent, "
            f"{again.counts['sent']} sent; the sandbox now has "
            f"{sandbox.stats()['requests']} request(s)."
        )
    return 0 if report.ok else 1


def cmd_send(args: argparse.Namespace) -> int:
    """Read an export and send it (credentials from SEEKA_* variables or a .env file)."""
    df = read_orders(args.file)
    creds = Credentials.from_env()
    if args.endpoint:
        creds = creds.with_endpoint(args.endpoint)
    events = df.seeka.to_events(**_conversion_options(args))
    print(events)
    report = events.send(
        creds,
        dry_run=args.dry_run,
        ledger=args.ledger or None,
        resend=args.resend,
        rate=args.rate,
        deadline=args.deadline,
        progress=None if not args.quiet else False,
    )
    print(report)
    if args.dry_run and args.bodies:
        paths = report.save_bodies(args.bodies)
        print(f"{len(paths)} request bodies written to {args.bodies}")
    not_done = report.frame[report.frame["status"].isin(["rejected", "failed", "pending"])]
    if len(not_done):
        print("\nNot sent:")
        _print_frame(not_done[["activity_id", "status", "http_status", "error"]])
    return 0 if report.ok else 1


def cmd_validate(args: argparse.Namespace) -> int:
    """Read an export and report what would be sent and what is held back."""
    df = read_orders(args.file)
    marker = df.attrs.get("seeka_nb", {})
    print(
        f"{args.file}: {len(df)} rows, {df.shape[1]} columns "
        f"(encoding {marker.get('encoding')}, delimiter {marker.get('delimiter')!r}, "
        f"detected preset {marker.get('preset')!r})\n"
    )
    options = _conversion_options(args)
    print(df.seeka.mapping(options["mapping"], preset=args.preset))
    try:
        events = df.seeka.to_events(**options)
    except ConfigurationError as exc:
        hint = " On the command line: --tz ZONE." if "tz=" in str(exc) else ""
        raise ConfigurationError(f"{exc}{hint}") from exc
    print()
    print(events)
    issues = events.issues
    print("\nIssues by code:")
    if issues.empty:
        print("  (none)")
    for (severity, code), group in issues.groupby(["severity", "code"], observed=True):
        print(
            f"  {severity:<9} {code:<24} {len(group):>6}  e.g. rows "
            f"{', '.join(map(str, group['row'].head(args.examples)))}: "
            f"{group['message'].iloc[0]}"
        )
    print("\nDuplicates:")
    dups = events.duplicates()
    _print_frame(dups.groupby("kind").size().rename("findings").reset_index())
    held = events.summary()["held_back_error"]
    if held:
        print(f"\n{held} order(s) held back by errors: fix them or accept leaving them out.")
    return 1 if held else 0


def _add_conversion_options(parser: argparse.ArgumentParser) -> None:
    """The options that say how an export is read (validate and send share them)."""
    parser.add_argument("--preset", help="layout preset (default: detected from the header)")
    parser.add_argument("--tz", help="time zone of times written without one, e.g. Europe/London")
    parser.add_argument("--currency", help="ISO 4217 currency for orders without one")
    parser.add_argument(
        "--map",
        dest="map",
        action="append",
        default=[],
        metavar="FIELD=COLUMN",
        help="map a column to a Seeka field (repeatable; repeat a field for several columns, "
        "e.g. --map status='Order Status'); FIELD= with no column switches the field off "
        "(--map totalPrice= : the orders have no value); lineTotal is a line's amount",
    )
    parser.add_argument(
        "--status-policy",
        dest="status_policy",
        action="append",
        default=[],
        metavar="CLASS=ACTION",
        help="what to do with orders of a status class (repeatable): cancelled, refunded, "
        "pending = hold|send; partially_refunded = send|net|hold; unknown = send|hold",
    )
    day = parser.add_mutually_exclusive_group()
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


def _pairs(values: Sequence[str], option: str, example: str) -> list[tuple[str, str]]:
    out = []
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigurationError(f"{option} {item!r}: write {example}.")
        out.append((key.strip(), value))
    return out


def parse_map(values: Sequence[str]) -> dict[str, Any] | None:
    """``["totalPrice=Amount", "status=A", "status=B", "email="]`` → a ``mapping=`` dict."""
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


def _conversion_options(args: argparse.Namespace) -> dict[str, Any]:
    options: dict[str, Any] = {
        "mapping": parse_map(args.map),
        "preset": args.preset,
        "tz": args.tz,
        "currency": args.currency,
    }
    policy = dict(_pairs(args.status_policy, "--status-policy", "CLASS=ACTION, e.g. pending=send"))
    if policy:
        options["status_policy"] = policy
    if args.dayfirst is not None:
        options["dayfirst"] = args.dayfirst
    return options


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also used by the tests)."""
    parser = argparse.ArgumentParser(
        prog="seeka-nb", description="Send order data from pandas to Seeka, safely."
    )
    parser.add_argument("--version", action="version", version=f"seeka-nb {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="convert the bundled sample and send it to a local sandbox")
    demo.add_argument("--show-body", action="store_true", help="print the first request body")
    demo.set_defaults(handler=cmd_demo)
    val = sub.add_parser("validate", help="check an order export before sending it")
    val.add_argument("file", help="the CSV export (Shopify, WooCommerce, Tiendanube...)")
    _add_conversion_options(val)
    val.add_argument("--examples", type=int, default=5, help="example rows shown per code")
    val.set_defaults(handler=cmd_validate)
    snd = sub.add_parser("send", help="send an order export to Seeka (SEEKA_* credentials)")
    snd.add_argument("file", help="the CSV export")
    _add_conversion_options(snd)
    snd.add_argument("--dry-run", action="store_true", help="build the bodies, send nothing")
    snd.add_argument("--bodies", help="with --dry-run: folder to write the request bodies to")
    snd.add_argument("--ledger", help="ledger file (default .seeka/ledger.sqlite)")
    snd.add_argument("--resend", choices=["none", "changed", "all"], default="none")
    snd.add_argument("--rate", type=float, default=20.0, help="requests/s (max 30)")
    snd.add_argument("--deadline", type=float, help="seconds; what is left ends pending")
    snd.add_argument("--endpoint", help="ingest URL (default: SEEKA_ENDPOINT or Seeka's)")
    snd.add_argument("--quiet", action="store_true", help="no progress bar")
    snd.set_defaults(handler=cmd_send)
    try:
        from .adapters.sandbox.cli import register as register_sandbox
    except ImportError:  # pragma: no cover - the sandbox ships with the package
        pass
    else:
        register_sandbox(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``seeka-nb`` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except SeekaError as exc:
        hint = " On the command line: --map FIELD=COLUMN." if isinstance(exc, MappingError) else ""
        print(f"seeka-nb: {exc}{hint}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
