"""``seeka-nb sandbox``: run the sandbox in the foreground for a notebook or a program.

Owns the sandbox's command-line options (:func:`add_arguments`), the ``sandbox``
subcommand of the main CLI (:func:`register`, which sets ``handler`` - and ``func`` - to
:func:`run`), and a standalone entry point: ``python -m seeka_nb.adapters.sandbox.cli``.
:func:`run` prints the base URL alone on the first line (flushed), then serves until
Ctrl-C, SIGTERM or the given stop event, and stops cleanly.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from types import FrameType
from typing import TextIO

from seeka_nb import schema
from seeka_nb.errors import ConfigurationError

from .faults import FAULT_NAMES, FaultKind, parse_fault
from .server import Sandbox

__all__ = ["add_arguments", "build_sandbox", "main", "register", "run"]

DEFAULT_PORT = 8787
HELP = "run a local Seeka-compatible ingest server (with fault injection)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the sandbox options to ``parser``."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port (default {DEFAULT_PORT}; 0 = any free port)",
    )
    parser.add_argument(
        "--rate-limit",
        type=float,
        default=schema.SEEKA_RATE_LIMIT_PER_SECOND,
        help="requests/s per client address before 429 (0 = off; default "
        f"{schema.SEEKA_RATE_LIMIT_PER_SECOND})",
    )
    parser.add_argument(
        "--penalty",
        type=float,
        default=1.0,
        help="seconds of further 429s after the limit is exceeded",
    )
    parser.add_argument(
        "--retry-after",
        choices=("none", "seconds", "ms", "both"),
        default="none",
        help="hint headers sent with 429 responses",
    )
    parser.add_argument(
        "--latency", type=float, default=0.0, help="seconds added before every ingest answer"
    )
    parser.add_argument(
        "--faults",
        default="",
        help="comma list of faults for the next requests, e.g. "
        f"500,429,reset,timeout,202 (names: {', '.join(FAULT_NAMES)})",
    )
    parser.add_argument(
        "--fault-rate",
        action="append",
        default=[],
        metavar="KIND=P",
        help="random fault probability per request, e.g. 500=0.1 or reset=0.05 (repeatable)",
    )
    parser.add_argument("--seed", type=int, default=None, help="seed for random faults")
    parser.add_argument(
        "--timeout-hold",
        type=float,
        default=5.0,
        help="seconds a 'timeout' fault holds the connection",
    )
    parser.add_argument(
        "--accept",
        action="append",
        default=[],
        metavar="ORG:KEY",
        help="accepted org ID and key pair (repeatable; default: any non-empty pair)",
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``sandbox`` subcommand to the main ``seeka-nb`` parser."""
    parser = subparsers.add_parser("sandbox", help=HELP, description=HELP)
    add_arguments(parser)
    parser.set_defaults(handler=run, func=run)


def build_sandbox(args: argparse.Namespace) -> Sandbox:
    """A (not yet started) :class:`Sandbox` from parsed options."""
    faults = [parse_fault(x) for x in args.faults.split(",") if x.strip()]
    rates: dict[FaultKind, float] = {}
    for item in args.fault_rate:
        kind, _, probability = item.partition("=")
        try:
            value = float(probability)
        except ValueError:
            raise ConfigurationError(
                f"--fault-rate expects KIND=P (e.g. 500=0.1), got {item!r}"
            ) from None
        rates[parse_fault(kind)] = value
    accepted = None
    if args.accept:
        accepted = []
        for item in args.accept:
            org_id, sep, key = item.partition(":")
            if not sep or not org_id or not key:
                raise ConfigurationError("--accept expects ORG:KEY (e.g. my-org:my-public-key)")
            accepted.append((org_id, key))
    return Sandbox(
        host=args.host,
        port=args.port,
        rate_limit=args.rate_limit if args.rate_limit > 0 else None,
        penalty=args.penalty,
        retry_after=args.retry_after,
        latency=args.latency,
        faults=faults,
        fault_rates=rates or None,
        seed=args.seed,
        timeout_hold=args.timeout_hold,
        accepted_credentials=accepted,
    )


@contextlib.contextmanager
def _signals_set(stop: threading.Event) -> Iterator[None]:
    """Make SIGINT/SIGTERM set ``stop`` (only possible in the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _n(n: int, word: str) -> str:
    return f"{n:,} {word}{'s' * (n != 1)}"


@contextlib.contextmanager
def _request_log(out: TextIO) -> Iterator[None]:
    """One line per ingest request on ``out`` while the sandbox runs in the foreground."""
    logger = logging.getLogger("seeka_nb.sandbox.requests")
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", datefmt="%H:%M:%S"))
    previous = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # once here, not again through `seeka-nb -v`
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous[0])
        logger.propagate = previous[1]


def run(
    args: argparse.Namespace,
    *,
    stop_event: threading.Event | None = None,
    out: TextIO | None = None,
) -> int:
    """Serve in the foreground until Ctrl-C, SIGTERM or ``stop_event``; returns 0."""
    out = out or sys.stdout
    stop = stop_event or threading.Event()
    sandbox = build_sandbox(args)
    with _signals_set(stop), sandbox, _request_log(out):
        print(sandbox.url, file=out, flush=True)
        print(
            f"Seeka sandbox: POST {sandbox.ingest_url}  |  inspect {sandbox.url}/_sandbox"
            "  |  Ctrl-C to stop",
            file=out,
            flush=True,
        )
        while not stop.wait(0.5):
            pass
    stats = sandbox.stats()
    print(
        f"Sandbox stopped: {_n(stats['requests'], 'request')}, "
        f"{_n(stats['events_accepted'], 'unique event')} accepted, "
        f"{_n(stats['duplicates'], 'duplicate')}.",
        file=out,
        flush=True,
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m seeka_nb.adapters.sandbox.cli [options]``."""
    parser = argparse.ArgumentParser(prog="seeka-nb sandbox", description=HELP)
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run(args)
    except ConfigurationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
