"""TC string text → bits: the base64url alphabet check and a named-field bit reader.

Owns the lowest level of decoding (layer 2, pure): which characters a TC string may hold
(base64url without padding, segments joined by ``.``) and reading big-endian unsigned
fields of N bits from one segment.  Every failure raises :class:`ConsentError` naming the
field, the segment and the bit position, so a user can tell *what* is wrong and *where*.
"""

from __future__ import annotations

import re

from ...errors import ConsentError

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_TO_BITS = str.maketrans({c: format(i, "06b") for i, c in enumerate(ALPHABET)})
_BAD = re.compile(r"[^A-Za-z0-9_.\-]")


def check_characters(text: str) -> None:
    """Raise :class:`ConsentError` for the first character outside base64url and ``.``."""
    bad = _BAD.search(text)
    if bad is None:
        return
    ch, where = bad.group(), f"character {bad.start() + 1}"
    if ch == "=":
        why = f"padding '=' at {where}: TC strings are base64url *without* padding"
    elif ch in "+/":
        why = (
            f"{ch!r} at {where} belongs to standard base64, not base64url "
            "(TC strings use '-' and '_' instead of '+' and '/')"
        )
    elif ch.isspace():
        why = f"whitespace {ch!r} at {where}: a TC string holds no spaces or line breaks"
    elif ch == "~":
        why = (
            f"'~' at {where}: this looks like a GPP string; pass the TCF EU v2 section "
            "(the TC string) instead"
        )
    else:
        why = (
            f"{ch!r} at {where} is not allowed (base64url: A-Z a-z 0-9 - _, segments joined by '.')"
        )
    raise ConsentError(f"invalid TC string: {why}")


class BitReader:
    """Reads fields left to right from one segment's bits; knows where it is."""

    def __init__(self, text: str, segment: str) -> None:
        self.bits = text.translate(_TO_BITS)
        self.segment = segment
        self.pos = 0

    @property
    def remaining(self) -> int:
        return len(self.bits) - self.pos

    def fail(self, message: str) -> ConsentError:
        return ConsentError(f"invalid TC string: {message} ({self.segment}, bit {self.pos})")

    def _take(self, n: int, field: str) -> str:
        if n > self.remaining:
            raise ConsentError(
                f"invalid TC string: truncated: {field} in the {self.segment} needs {n} "
                f"bit(s) from bit {self.pos}, but the segment ends at bit {len(self.bits)}"
            )
        chunk = self.bits[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def read_int(self, n: int, field: str) -> int:
        """An unsigned big-endian integer of ``n`` bits."""
        return int(self._take(n, field), 2) if n else 0

    def read_bool(self, field: str) -> bool:
        return self._take(1, field) == "1"

    def read_flags(self, n: int, field: str) -> frozenset[int]:
        """A bitfield of ``n`` bits: the 1-based positions of its set bits."""
        chunk = self._take(n, field)
        return frozenset(i + 1 for i, b in enumerate(chunk) if b == "1")

    def read_letters(self, field: str) -> str:
        """Two letters of 6 bits each (a=0 … z=25), returned upper case."""
        start = self.pos
        values = (self.read_int(6, field), self.read_int(6, field))
        if max(values) > 25:
            self.pos = start
            raise self.fail(
                f"{field} must be two letters (values 0-25), got the values {values[0]} "
                f"and {values[1]}"
            )
        return "".join(chr(ord("A") + v) for v in values)

    def trailing_ones(self) -> bool:
        """Whether any bit after the last field read is 1 (encoders pad with 0)."""
        return "1" in self.bits[self.pos :]
