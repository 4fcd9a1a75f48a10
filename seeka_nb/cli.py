"""The ``seeka-nb`` command line (layer 5, surface).

Subcommands: ``demo`` (convert the bundled sample and show what would be sent),
``validate FILE`` (read an export, show the mapping, summary and issues; exit 1 when an
order is held back by an error) and ``sandbox`` (run the local Seeka-compatible server in
the foreground).  Exit code 2: the input could not be converted at all (a SeekaError).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import pandas as pd

from . import __version__
from .adapters.readers import read_orders
from .adapters.samples import sample_orders
from .errors import ConfigurationError, SeekaError


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
    """Convert the bundled sample orders and print the summary and first request body."""
    df = sample_orders()
    events = df.seeka.to_events()
    print(f"seeka_nb {__version__} demo: {len(df)} sample rows (synthetic)\n")
    print(events)
    print("\nIssues:")
    _print_frame(events.issues[["row", "activity_id", "field", "severity", "code", "message"]])
    print("\nDuplicates:")
    _print_frame(events.duplicates()[["activity_id", "kind", "rows", "detail"]])
    print(f"\nFirst request body ({min(len(events), 20)} of {len(events)} events):")
    print(events.preview(1))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Read an export and report what would be sent and what is held back."""
    df = read_orders(args.file)
    marker = df.attrs.get("seeka_nb", {})
    print(
        f"{args.file}: {len(df)} rows, {df.shape[1]} columns "
        f"(encoding {marker.get('encoding')}, delimiter {marker.get('delimiter')!r}, "
        f"detected preset {marker.get('preset')!r})\n"
    )
    options = {"preset": args.preset, "tz": args.tz, "currency": args.currency}
    if args.dayfirst is not None:
        options["dayfirst"] = args.dayfirst
    print(df.seeka.mapping(preset=args.preset))
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


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also used by the tests)."""
    parser = argparse.ArgumentParser(
        prog="seeka-nb", description="Send order data from pandas to Seeka, safely."
    )
    parser.add_argument("--version", action="version", version=f"seeka-nb {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="convert the bundled sample orders and show the result")
    demo.set_defaults(handler=cmd_demo)
    val = sub.add_parser("validate", help="check an order export before sending it")
    val.add_argument("file", help="the CSV export (Shopify, WooCommerce, Tiendanube...)")
    val.add_argument("--preset", help="layout preset (default: detected from the header)")
    val.add_argument("--tz", help="time zone of times written without one, e.g. Europe/London")
    val.add_argument("--currency", help="ISO 4217 currency for orders without one")
    day = val.add_mutually_exclusive_group()
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
    val.add_argument("--examples", type=int, default=5, help="example rows shown per code")
    val.set_defaults(handler=cmd_validate)
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
        print(f"seeka-nb: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
