"""The brand's public key, held so that it is never shown (layer 1, foundation).

Owns :class:`SecretKey` (``repr``/``str``/``format`` masked; ``pickle``/``cloudpickle`` give
a *withheld* key) and :func:`mask_key`, the most of a key this package ever shows.
:class:`seeka_nb.credentials.Credentials` wraps every key in one.
"""

from __future__ import annotations

import hmac
from typing import Final

from seeka_nb.errors import ConfigurationError

__all__ = ["SecretKey", "mask_key"]

_MASK: Final = "••••"
_MASK_MIN_LENGTH: Final = 12  # shorter keys show no characters at all


def mask_key(key: object) -> str:
    """``"••••"`` and a key's last 4 characters (just ``"••••"`` under 12 characters): the
    most of a public key this package ever shows."""
    text = key.strip() if isinstance(key, str) else ""
    return _MASK + text[-4:] if len(text) >= _MASK_MIN_LENGTH else _MASK


class SecretKey:
    """The brand's public key, held so that showing or serialising it never reveals it.

    ``repr``/``str``/``format`` show the masked key; ``pickle``, ``cloudpickle`` and
    ``copyreg`` give a *withheld* key (no characters of it), whose :meth:`reveal` raises
    :class:`ConfigurationError`.  Equal to another key or to the same ``str``.
    """

    __slots__ = ("_masked", "_value")

    def __init__(self, value: str | None, *, masked: str | None = None) -> None:
        self._value = value
        self._masked = mask_key(value) if masked is None else masked

    def reveal(self) -> str:
        """The key in clear (for the request header, nothing else)."""
        if self._value is None:
            raise ConfigurationError(
                "The public key is not here: it is never stored in a pickle or sent to "
                "another process. Pass the credentials again (seeka_nb.Credentials.from_env() "
                "or the credentials form)."
            )
        return self._value

    @property
    def withheld(self) -> bool:
        """True for a key that came back from a pickle (it holds no characters)."""
        return self._value is None

    @property
    def masked(self) -> str:
        return self._masked

    def __repr__(self) -> str:
        return repr(self._masked)

    def __str__(self) -> str:
        return self._masked

    def __format__(self, spec: str) -> str:
        return format(self._masked, spec)

    def __eq__(self, other: object) -> bool:
        mine = self._value
        if isinstance(other, SecretKey):
            theirs = other._value
        elif isinstance(other, str):
            theirs = other
        else:
            return NotImplemented
        if mine is None or theirs is None:
            return mine is theirs and self._masked == getattr(other, "_masked", None)
        return hmac.compare_digest(mine.encode(), theirs.encode())

    def __hash__(self) -> int:
        return hash(("SecretKey", self._value, self._masked))

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return _withheld_key, (self._masked,)

    def __copy__(self) -> SecretKey:
        return self

    def __deepcopy__(self, memo: object) -> SecretKey:
        return self


def _withheld_key(masked: str) -> SecretKey:
    """What a pickled :class:`SecretKey` becomes: the mask, never the key."""
    return SecretKey(None, masked=masked)
