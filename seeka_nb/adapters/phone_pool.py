"""Phone validation in a helper process, while the caller converts (layer 3, adapter).

libphonenumber is pure Python and costs ~35 µs per distinct number: 50,000 customers' phones
are ~1.7 s, most of a million-line conversion.  :class:`PhonePool` is a phone validator for
:func:`seeka_nb.core.build.build_table` (see :mod:`seeka_nb.core.phone_rules`) that moves
that work to a second core:

- ``prefetch(numbers, regions)`` (called by the core before orders are even formed) queues
  the distinct pairs in chunks; a feeder thread hands them one at a time to one helper
  process, which runs the very same :func:`~seeka_nb.core.phone_rules.e164_all`;
- ``pool(numbers, regions)`` (called when the answers are needed) validates here whatever
  was not queued, *takes back* the queued chunks the helper has not reached and validates
  them in this process too (from the back of the queue, while the helper goes on from the
  front), waits for the helper's current chunk, and answers from what both computed.

So the answers are exactly the serial ones, in the same order, whoever computed them; if the
helper cannot start or dies, this process simply validates everything itself.  Below
``threshold`` new pairs nothing is started (a helper costs ~0.1 s of start-up, on the other
core).  The helper is started with ``python -P -c`` and loads ``phone_rules.py`` by file
path: it imports neither pandas nor the user's ``__main__`` (no ``if __name__ ==
"__main__"`` guard needed in scripts, unlike multiprocessing's spawn), and it ends with the
pool (``close()``, or the ``with`` block): no process or thread outlives the conversion.
"""

from __future__ import annotations

import collections
import contextlib
import marshal
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from ..core import phone_rules

#: Fewer new distinct pairs than this are validated here (~0.1 s of work or less).
THRESHOLD = 3000
#: Pairs per chunk handed to the helper (~20 ms of work): the granularity of sharing.
CHUNK = 600

_RULES = str(Path(phone_rules.__file__).resolve())
_WORKER = """
import importlib.util, marshal, sys
spec = importlib.util.spec_from_file_location("_seeka_phone_rules", sys.argv[1])
rules = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rules)
read, out = sys.stdin.buffer.read, sys.stdout.buffer
while True:
    head = read(4)
    if len(head) < 4:
        break
    numbers, regions = marshal.loads(read(int.from_bytes(head, "little")))
    data = marshal.dumps(rules.e164_all(numbers, regions))
    out.write(len(data).to_bytes(4, "little") + data)
    out.flush()
"""

_Pair = tuple[str, "str | None"]


class PhonePool:
    """A phone validator that shares the work with one helper process (module docstring)."""

    def __init__(self, *, threshold: int | None = None, chunk: int | None = None) -> None:
        self.threshold = max(1, int(THRESHOLD if threshold is None else threshold))
        self.chunk = max(1, int(CHUNK if chunk is None else chunk))
        self._answers: dict[_Pair, str | None] = {}
        self._queued: set[_Pair] = set()
        self._queue: collections.deque[list[_Pair]] = collections.deque()
        self._cond = threading.Condition()
        self._busy = False  # the helper is working on a chunk
        self._closing = False
        self._thread: threading.Thread | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        #: Pairs the helper validated (for tests and benchmarks: sharing really happened).
        self.helper_pairs = 0

    # --- the validator --------------------------------------------------------------------
    def prefetch(self, numbers: Sequence[str], regions: Sequence[str | None]) -> None:
        """Queue the pairs not known yet for the helper, when there are enough of them."""
        new = self._new_pairs(numbers, regions)
        if len(new) >= self.threshold:
            self._enqueue(new)

    def __call__(self, numbers: Sequence[str], regions: Sequence[str | None]) -> list[str | None]:
        """E.164 (or ``None``) per pair: exactly :func:`phone_rules.e164_all`'s answers."""
        new = self._new_pairs(numbers, regions)
        if len(new) >= self.threshold:
            self._enqueue(new)
        else:
            self._validate_here(new)
        self._drain()
        answers = self._answers
        return [answers[p] for p in zip(numbers, regions, strict=True)]

    def _new_pairs(self, numbers: Sequence[str], regions: Sequence[str | None]) -> list[_Pair]:
        with self._cond:
            known, queued = self._answers, self._queued
            return [
                p
                for p in dict.fromkeys(zip(numbers, regions, strict=True))
                if p not in known and p not in queued
            ]

    def _validate_here(self, pairs: list[_Pair]) -> None:
        if not pairs:
            return
        numbers, regions = zip(*pairs, strict=True)
        results = phone_rules.e164_all(numbers, regions)
        with self._cond:
            self._answers.update(zip(pairs, results, strict=True))
            self._queued.difference_update(pairs)

    def _enqueue(self, pairs: list[_Pair]) -> None:
        with self._cond:
            self._queued.update(pairs)
            for i in range(0, len(pairs), self.chunk):
                self._queue.append(pairs[i : i + self.chunk])
            if self._thread is None and not self._closing:
                self._thread = threading.Thread(
                    target=self._feed, name="seeka-phone-helper", daemon=True
                )
                self._thread.start()
            self._cond.notify_all()

    def _drain(self) -> None:
        """Validate queued chunks here (from the back) until none is left, then wait for
        the helper's current one."""
        while True:
            with self._cond:
                if self._queue:
                    pairs = self._queue.pop()
                elif self._busy:
                    self._cond.wait()
                    continue
                else:
                    return
            self._validate_here(pairs)

    def pending(self) -> bool:
        """Whether the helper is still working on queued pairs (the conversion then does
        other work first: see :func:`seeka_nb.core.convert.convert`)."""
        with self._cond:
            return not self._closing and (bool(self._queue) or self._busy)

    def wait(self) -> None:
        """Wait until every queued chunk is validated, by the helper alone while it lives
        (tests and benchmarks; conversion calls the pool, which shares the work)."""
        with self._cond:
            while (self._queue or self._busy) and not self._closing:
                self._cond.wait()
        self._drain()

    # --- the helper ---------------------------------------------------------------------------
    def _feed(self) -> None:
        """Feeder thread: start the helper, then hand it chunks from the front of the queue."""
        proc = None
        try:
            proc = self._proc = subprocess.Popen(
                [sys.executable, "-P", "-c", _WORKER, _RULES],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
            assert proc.stdin is not None and proc.stdout is not None
            while True:
                with self._cond:
                    while not self._queue and not self._closing:
                        self._cond.wait()
                    if self._closing:
                        return
                    pairs = self._queue.popleft()
                    self._busy = True
                try:
                    numbers, regions = zip(*pairs, strict=True)
                    data = marshal.dumps((list(numbers), list(regions)))
                    proc.stdin.write(len(data).to_bytes(4, "little") + data)
                    proc.stdin.flush()
                    size = int.from_bytes(_read(proc.stdout, 4), "little")
                    results = marshal.loads(_read(proc.stdout, size))
                    if not isinstance(results, list) or len(results) != len(pairs):
                        raise OSError("the phone helper answered out of step")
                except BaseException:
                    with self._cond:  # give the chunk back: this process validates it
                        self._queue.append(pairs)
                    raise
                with self._cond:
                    self._answers.update(zip(pairs, results, strict=True))
                    self._queued.difference_update(pairs)
                    self.helper_pairs += len(pairs)
                    self._busy = False
                    self._cond.notify_all()
        except (OSError, ValueError, EOFError, TypeError):
            pass  # no helper (or it died): the caller's _drain validates everything
        finally:
            with self._cond:
                self._busy = False
                self._closing = True  # no helper any more: nothing goes to it
                self._cond.notify_all()
            if proc is not None:
                _stop(proc)

    # --- lifetime -------------------------------------------------------------------------------
    def close(self) -> None:
        """Stop the helper process and the feeder thread (waits for the current chunk)."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join()

    def __enter__(self) -> PhonePool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is not None and self._proc is not None:
            self._proc.kill()  # interrupted: do not wait for the helper's chunk
        self.close()


def _read(stream: object, size: int) -> bytes:
    data = stream.read(size)  # type: ignore[attr-defined]
    if len(data) != size:
        raise EOFError("the phone helper ended")
    return bytes(data)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    for stream in (proc.stdin, proc.stdout):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
