"""The ``seeka-nb`` command line (layer 5, surface).

Subcommands: ``demo`` (convert the bundled sample and show what would be sent) and
``sandbox`` (run the local Seeka-compatible server in the foreground).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import pandas as pd

from . import __version__
from .adapters.samples import sample_orders
from .errors import SeekaError


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


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also used by the tests)."""
    parser = argparse.ArgumentParser(
        prog="seeka-nb", description="Send order data from pandas to Seeka, safely."
    )
    parser.add_argument("--version", action="version", version=f"seeka-nb {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="convert the bundled sample orders and show the result")
    demo.set_defaults(handler=cmd_demo)
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
