"""The ``seeka-nb`` command line (layer 5, surface).

Subcommands: ``demo`` (convert the bundled sample, send it to an embedded sandbox, show
the report), ``validate FILE`` (read an export, show the mapping, summary and issues),
``send FILE`` (read an export and send it) and ``sandbox`` (run the local
Seeka-compatible server in the foreground).  Options are declared once in
:mod:`seeka_nb.cli_options`; exit codes (the contract schedulers rely on) and the hints
of a send live in :mod:`seeka_nb.cli_outcome`.  Human-readable text goes to stdout, or to
stderr with ``--json`` (then stdout carries one JSON object).  ``-v`` logs the
``seeka_nb`` logger to stderr.  ``python -m seeka_nb`` runs the same command.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from . import __version__
from .adapters.samples import sample_orders
from .adapters.sandbox import Sandbox
from .cli_input import Input, issues_of, read_input
from .cli_options import add_input, add_output, add_send, option_hint, send_options
from .cli_outcome import (
    EPILOG,
    NOT_SENT_STATUSES,
    ExitCode,
    json_error,
    send_exit_code,
    send_hints,
)
from .cli_text import plural, say, table
from .credentials import Credentials
from .errors import AuthenticationError, SeekaError
from .pipeline.options import SendOptions


def _print_frame(frame: pd.DataFrame, limit: int = 20) -> None:
    table(frame, limit)


def cmd_demo(args: argparse.Namespace) -> int:
    """The main job on the embedded default: convert the bundled sample, check it, send it
    to a local sandbox, show the report and the sandbox's view, send again (nothing goes)."""
    df = sample_orders()
    events = df.seeka.to_events()
    say(f"seeka_nb {__version__} demo: {plural(len(df), 'sample row')} (synthetic)\n")
    say(events)
    say("\nIssues:")
    _print_frame(events.issues[["row", "activity_id", "field", "severity", "code", "message"]])
    dups = events.duplicates()
    say("\nDuplicates:")
    _print_frame(dups[["activity_id", "kind", "rows", "detail"]])
    for spellings in _id_hazards(dups):
        say(
            f"  Note: {spellings} are sent as separate orders, exactly as written. If they "
            "are one order, fix the IDs in your data first (seeka_nb never merges IDs by "
            "guessing): the browser SDK reported one of them."
        )
    if args.show_body:
        say(f"\nThe first request body, with its first event (of {len(events)}):")
        print(events.preview(1))
    with (
        tempfile.TemporaryDirectory(prefix="seeka-demo-") as tmp,
        Sandbox(rate_limit=None) as sandbox,
    ):
        creds = Credentials("demo-org", "demo-public-key-0000", endpoint=sandbox.ingest_url)
        ledger = Path(tmp) / "ledger.sqlite"
        say(f"\nSending to a local sandbox at {sandbox.ingest_url} ...")
        report = events.send(creds, ledger=ledger, rate=None, progress=False)
        say(report)
        _print_frame(
            report.to_frame()[["activity_id", "status", "http_status", "attempts", "error"]]
        )
        stats = sandbox.stats()
        say(
            f"\nThe sandbox received {plural(stats['requests'], 'request')}, accepted "
            f"{plural(stats['events_accepted'], 'unique event')}, saw "
            f"{plural(stats['duplicates'], 'duplicate')}."
        )
        again = events.send(creds, ledger=ledger, rate=None, progress=False)
        say(
            f"\nRe-running the same send: {again.counts['already_sent']} already sent, "
            f"{again.counts['sent']} sent; the sandbox still has "
            f"{plural(sandbox.stats()['requests'], 'request')}."
        )
    say(
        "\nNext: check your own export with `seeka-nb validate yourfile.csv` (add --tz ZONE "
        "for times without an offset), then `seeka-nb send yourfile.csv --dry-run`."
    )
    return 0 if report.ok else 1


def _id_hazards(dups: pd.DataFrame) -> list[str]:
    """``'1013' and '#1013'`` for each activity ID spelled several ways."""
    out = []
    for detail in dups.loc[dups["kind"] == "id_hazard", "detail"]:
        inside = str(detail).partition("[")[2].partition("]")[0]
        names = [n.strip() for n in inside.split(",") if n.strip()]
        out.append(" and ".join(names) if names else "some IDs")
    return out


class CliError(Exception):
    """A run that ends with ``code`` and a one-line ``message`` (no traceback)."""

    def __init__(self, code: ExitCode, message: str) -> None:
        super().__init__(message)
        self.code = code


@contextlib.contextmanager
def _phase(code: ExitCode) -> Iterator[None]:
    """Errors raised inside end the run with ``code`` and their message (plus the hint
    naming the command-line option that fixes them)."""
    try:
        yield
    except (SeekaError, OSError, UnicodeError) as exc:
        if isinstance(exc, KeyboardInterrupt):  # SendInterrupted: handled by main()
            raise
        message = str(exc) if isinstance(exc, SeekaError) else f"{type(exc).__name__}: {exc}"
        raise CliError(code, message + option_hint(message)) from exc


def _read_and_convert(args: argparse.Namespace) -> Input:
    """The export and its events, whole or streamed (validate and send read the same
    way, see :mod:`seeka_nb.cli_input`); exit 3 if not."""
    with _phase(ExitCode.INPUT):
        return read_input(args)


def cmd_send(args: argparse.Namespace) -> tuple[int, dict[str, Any]]:
    """Read an export and send it (credentials from SEEKA_* variables or a .env file)."""
    options = send_options(args)
    with _phase(ExitCode.USAGE):
        SendOptions(**options)
    events = _read_and_convert(args).events
    with _phase(ExitCode.CONFIG):
        creds = Credentials.from_env()
        if args.endpoint:
            creds = creds.with_endpoint(args.endpoint)
    if not args.quiet:
        say(events)
    try:
        with _phase(ExitCode.CONFIG):
            report = events.send(creds, **options)
    except AuthenticationError as exc:
        raise CliError(ExitCode.CONFIG, str(exc)) from exc
    say(report)
    if args.dry_run and args.bodies:
        paths = report.save_bodies(args.bodies)
        say(f"{plural(len(paths), 'request body', 'request bodies')} written to {args.bodies}")
    frame = report.frame
    not_sent = frame[frame["status"].isin(NOT_SENT_STATUSES)]
    if len(not_sent) and not args.quiet:
        print("\nNot sent:")
        _print_frame(not_sent[["activity_id", "status", "http_status", "error"]])
    hints = send_hints(report)
    for hint in hints:
        say(f"  - {hint}")
    code = send_exit_code(report)
    columns = ["activity_id", "row", "status", "http_status", "attempts", "error"]
    result = {
        "file": Path(args.file).name,
        "events": events.summary(),
        "report": report.summary(),
        "not_sent": _records(not_sent[columns]),
        "hints": hints,
    }
    return code, result


def cmd_validate(args: argparse.Namespace) -> tuple[int, dict[str, Any]]:
    """Read an export and report what would be sent and what is held back."""
    read = _read_and_convert(args)
    events, marker = read.events, read.marker
    streamed = f", streamed {read.chunksize:,} rows at a time" if read.chunksize else ""
    say(
        f"{args.file}: {plural(read.rows, 'row')}, {plural(read.columns, 'column')} "
        f"(encoding {marker.get('encoding')}, delimiter {marker.get('delimiter')!r}, "
        f"detected preset {marker.get('preset')!r}{streamed})\n"
    )
    if not args.quiet:
        say(read.mapping())
        print()
    say(events)
    issues = issues_of(events)
    by_code: list[dict[str, Any]] = []
    for (severity, code), group in issues.groupby(["severity", "code"], observed=True):
        by_code.append(
            {
                "severity": str(severity),
                "code": str(code),
                "count": len(group),
                "example_rows": [_plain(r) for r in group["row"].head(args.examples)],
                "message": str(group["message"].iloc[0]),
            }
        )
    dups = events.duplicates()
    dup_counts = {str(k): int(v) for k, v in dups.groupby("kind").size().items()}
    if not args.quiet:
        say("\nIssues by code:")
        if not by_code:
            print("  (none)")
        for item in by_code:
            rows = item["example_rows"]
            where = f"e.g. {'row' if len(rows) == 1 else 'rows'} {', '.join(map(str, rows))}"
            say(
                f"  {item['severity']:<9} {item['code']:<24} {item['count']:>6}  {where}: "
                f"{item['message']}"
            )
        counts = ", ".join(f"{k} {v}" for k, v in dup_counts.items())
        say(f"\nDuplicates: {plural(len(dups), 'finding')}" + (f" ({counts})" if counts else ""))
        _print_frame(dups[["activity_id", "kind", "rows", "detail"]], limit=args.examples * 4)
    held = events.summary()["held_back_error"]
    if held:
        say(f"\n{plural(held, 'order')} held back by errors: fix them or accept leaving them out.")
    result = {
        "file": Path(args.file).name,
        "read": {k: marker.get(k) for k in ("encoding", "delimiter", "preset")},
        "events": events.summary(),
        "issues_by_code": by_code,
        "duplicates": dup_counts,
    }
    return (ExitCode.NOT_SENT if held else ExitCode.OK), result


def _plain(value: Any) -> Any:
    """A JSON-safe scalar (numpy numbers to Python ones, missing to None)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also used by the tests)."""
    fmt = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="seeka-nb",
        description="Send order data from pandas to Seeka, safely.",
        epilog=EPILOG,
        formatter_class=fmt,
    )
    parser.add_argument("--version", action="version", version=f"seeka-nb {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = sub.add_parser(
        "demo",
        help="convert the bundled sample and send it to a local sandbox",
        description="Convert the bundled sample, send it to an embedded sandbox, send again.",
        epilog=EPILOG,
        formatter_class=fmt,
    )
    demo.add_argument("--show-body", action="store_true", help="print the first request body")
    add_output(demo)
    demo.set_defaults(handler=cmd_demo)
    val = sub.add_parser(
        "validate",
        help="check an order export before sending it (exit 1: orders held back)",
        description="Read an export; show the mapping, the summary, issues and duplicates.",
        epilog=EPILOG,
        formatter_class=fmt,
    )
    add_input(val)
    val.add_argument(
        "--examples", type=int, default=5, metavar="N", help="example rows shown per issue code"
    )
    add_output(val)
    val.set_defaults(handler=cmd_validate)
    snd = sub.add_parser(
        "send",
        help="send an order export to Seeka (SEEKA_* credentials)",
        description="Read an export and send it to Seeka; the ledger makes a re-run send "
        "only what is not acknowledged yet.",
        epilog=EPILOG,
        formatter_class=fmt,
    )
    add_input(snd)
    add_send(snd)
    add_output(snd)
    snd.set_defaults(handler=cmd_send)
    try:
        from .adapters.sandbox.cli import register as register_sandbox
    except ImportError:  # pragma: no cover - the sandbox ships with the package
        pass
    else:
        register_sandbox(sub)
    return parser


@contextlib.contextmanager
def _logging_to_stderr(verbosity: int) -> Iterator[None]:
    """``-v``: the ``seeka_nb`` logger at INFO on stderr; ``-vv``: DEBUG."""
    if not verbosity:
        yield
        return
    logger = logging.getLogger("seeka_nb")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbosity > 1 else logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``seeka-nb`` command; returns the exit code (see ``--help``)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version (0) or a usage error (2)
        code = exc.code if isinstance(exc.code, int) else ExitCode.USAGE
        if code == ExitCode.USAGE and "--json" in argv:
            print(json.dumps(json_error(None, ExitCode.USAGE, exc)))
        return int(code)
    as_json = getattr(args, "json", False)
    stdout = sys.stdout
    result: dict[str, Any] = {}
    try:
        with (
            _logging_to_stderr(getattr(args, "verbose", 0)),
            contextlib.redirect_stdout(sys.stderr) if as_json else contextlib.nullcontext(),
        ):
            outcome = args.handler(args)
        code, result = outcome if isinstance(outcome, tuple) else (outcome or 0, {})
        code = ExitCode(code)
    except KeyboardInterrupt as exc:  # SendInterrupted too: its report is in exc.report
        code = ExitCode.INTERRUPTED
        print(f"seeka-nb: {str(exc) or 'interrupted (Ctrl-C)'}", file=sys.stderr)
        report = getattr(exc, "report", None)
        if report is not None:
            result = {"report": report.summary()}
    except (CliError, SeekaError) as exc:
        code = exc.code if isinstance(exc, CliError) else ExitCode.USAGE
        print(f"seeka-nb: {exc}", file=sys.stderr)
        if as_json:
            print(json.dumps(json_error(args.command, code, exc)), file=stdout)
        return int(code)
    if as_json:
        payload = {"command": args.command, "exit_code": int(code), "outcome": code.name.lower()}
        print(json.dumps({**payload, **result}, default=str), file=stdout)
    return int(code)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
