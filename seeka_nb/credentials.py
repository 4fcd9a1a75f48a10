"""Seeka credentials and the ingest endpoint (layer 1, foundation).

Owns :class:`Credentials`: the organisation ID, the brand's public key, the integration name
and version, and the endpoint; their validation; reading them from the environment (and a
``.env`` file); and the exact request headers of ``SEEKA_CONTRACT.md``.

Decisions (documented here so they are changed in one place):

- Surrounding whitespace is stripped from every value (``str.strip()``: a space or a
  trailing newline copied with a key is harmless).  Anything left that is not a *visible
  ASCII* character (``!``..``~``) is refused with :class:`ConfigurationError` naming the
  field: control characters and line breaks (``\\r``, ``\\n``, ``\\t``, ``\\x00``,
  ``\\x7f``, U+2028...) because they would split or corrupt an HTTP header, inner spaces
  because no org ID, key, product name or URL contains one, and non-ASCII because header
  values must be ASCII to arrive unchanged (write an internationalised host name in its
  ``xn--`` form).
- ``integration_name`` must not contain ``/``: the client type header is
  ``<name>/server`` and the suffix is added here.  Empty values are refused; leave an
  optional argument out to get its default.
- The endpoint is an absolute ``https://`` URL.  ``http://`` is accepted only for a loopback
  host (``127.0.0.0/8``, ``localhost``, ``::1``): the local sandbox.  User info
  (``user:pass@``) and ``#fragments`` are refused.  A URL with no path at all
  (``http://127.0.0.1:8765``) gets the ingest path ``/api/ingest`` appended.
- TLS certificates are always verified: there is nothing to configure, on purpose.
- The public key lives in one :class:`SecretKey` (``creds.public_key``) whose ``repr``,
  ``str``, ``format``, ``pickle`` and ``cloudpickle`` never reveal it: a pickled key comes
  back *withheld* (a copy in another process, a saved report, a Dask worker never carry
  it) and using a withheld key raises :class:`ConfigurationError` asking for credentials.
  :attr:`Credentials.masked_key` shows at most its last 4 characters and
  :attr:`Credentials.key_fingerprint` identifies it (e.g. in the ledger) without revealing
  it.  Only explicit calls expose it: ``creds.public_key.reveal()`` and
  :meth:`Credentials.headers`.  The send path uses :meth:`Credentials.request_headers`,
  whose key header is the :class:`SecretKey` itself; the transport reveals it only while
  it writes the request, so no frame of ours holds it in clear (tracebacks with locals).
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Final, Literal
from urllib.parse import urlsplit, urlunsplit

from seeka_nb import schema
from seeka_nb.errors import ConfigurationError

__all__ = ["ENV_VARS", "PACKAGE_VERSION", "Credentials", "SecretKey"]


def _package_version() -> str:
    try:
        return version("seeka_nb")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0.0.0"


#: This package's version: the default ``X-Sdk-Client-Version``.
PACKAGE_VERSION: Final = _package_version()

#: Field -> environment variable read by :meth:`Credentials.from_env`.
ENV_VARS: Final[Mapping[str, str]] = {
    "org_id": "SEEKA_ORG_ID",
    "public_key": "SEEKA_PUBLIC_KEY",
    "integration_name": "SEEKA_INTEGRATION_NAME",
    "integration_version": "SEEKA_INTEGRATION_VERSION",
    "endpoint": "SEEKA_ENDPOINT",
}
_REQUIRED: Final = ("org_id", "public_key")
_SECRET: Final = "public_key"
_MASK: Final = "••••"
_MASK_MIN_LENGTH: Final = 12  # shorter keys show no characters at all
_FINGERPRINT_LENGTH: Final = 16

_CHAR_NAMES: Final = {
    " ": "a space",
    "\t": "a tab",
    "\n": "a newline (line feed)",
    "\r": "a carriage return",
    "\x00": "a NUL character",
    "\x7f": "a DEL character",
    "\x85": "a next-line character",
    "\xa0": "a non-breaking space",
    "\u200b": "a zero-width space",
    "\u2028": "a line separator",
    "\u2029": "a paragraph separator",
    "\ufeff": "a byte order mark",
}


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


@dataclass(frozen=True, repr=False)
class Credentials:
    """Who is sending to Seeka, and where.

    >>> creds = Credentials("org-123", "pk_live_0123456789abcdef")
    >>> creds.masked_key, creds.headers()["X-Sdk-Client-Type"]
    ('••••cdef', 'seeka-nb/server')

    Values are validated on construction, before any request can be made (see the module
    docstring for the rules); a problem raises :class:`~seeka_nb.errors.ConfigurationError`
    naming the field and never showing the key.  TLS verification is always on.
    ``Credentials.from_env()`` reads ``SEEKA_*`` environment variables; ``with_endpoint``
    points the same credentials elsewhere (e.g. ``creds.with_endpoint(sandbox.ingest_url)``).
    """

    org_id: str
    public_key: SecretKey | str = field(repr=False)  # a str is wrapped in a SecretKey
    integration_name: str = schema.DEFAULT_INTEGRATION_NAME
    integration_version: str = PACKAGE_VERSION
    endpoint: str = schema.INGEST_URL

    def __post_init__(self) -> None:
        key: object = self.public_key
        if isinstance(key, SecretKey):
            key = key.reveal()  # a withheld key: ConfigurationError asking for credentials
        object.__setattr__(self, "public_key", SecretKey(_clean("public_key", key)))
        for name in ("org_id", "integration_name", "integration_version"):
            object.__setattr__(self, name, _clean(name, getattr(self, name)))
        if "/" in self.integration_name:
            raise ConfigurationError(
                "integration_name must not contain '/': give the name only (e.g. "
                f"'ticketsaurus'); '{schema.CLIENT_TYPE_SUFFIX}' is added to it in the "
                f"{schema.HEADER_CLIENT_TYPE} header."
            )
        object.__setattr__(self, "endpoint", _clean_endpoint(self.endpoint))

    # -- environment ------------------------------------------------------------------------
    @classmethod
    def from_env(
        cls,
        *,
        env: Mapping[str, str] | None = None,
        dotenv_path: str | os.PathLike[str] | Literal[False] | None = None,
    ) -> Credentials:
        """Credentials from ``SEEKA_*`` variables (see :data:`ENV_VARS`).

        ``env`` replaces ``os.environ`` (tests, scripts).  A ``.env`` file is read too when
        python-dotenv is installed: ``dotenv_path``, or ``.env`` in the current folder when
        it exists (``dotenv_path=False`` reads none).  It never overrides a variable that is
        set and not blank in ``env``; blank values count as unset everywhere.  The file is
        read with ``dotenv_values``: ``os.environ`` is never modified.  Naming a
        ``dotenv_path`` that does not exist, or that cannot be read because python-dotenv is
        missing, is an error; the default ``./.env`` is skipped quietly in both cases.

        Raises :class:`ConfigurationError` naming the missing variables (and how to set
        them) when the org ID or key is missing, or naming the field when a value is invalid.
        """
        environ = os.environ if env is None else env
        file_values, file_note = _read_dotenv(dotenv_path)
        values: dict[str, str] = {}
        for name, variable in ENV_VARS.items():
            for source in (environ, file_values):
                raw = source.get(variable)
                if raw is not None and raw.strip():
                    values[name] = raw
                    break
        missing = [ENV_VARS[name] for name in _REQUIRED if name not in values]
        if missing:
            raise ConfigurationError(_missing_message(missing, file_note))
        try:
            return cls(**values)
        except ConfigurationError as exc:
            exc.add_note(
                "These values were read by Credentials.from_env(): "
                + ", ".join(f"{name} from {var}" for name, var in ENV_VARS.items())
                + "."
            )
            raise

    # -- the request ------------------------------------------------------------------------
    def headers(self) -> dict[str, str]:
        """The request headers of every ingest call, exactly as the contract names them.

        Holds the public key in clear (``X-Converge-Key``): never log or display the result.
        """
        headers: dict[str, str] = dict(self.request_headers())  # type: ignore[arg-type]
        headers[schema.HEADER_KEY] = self.secret_key.reveal()
        return headers

    def request_headers(self) -> dict[str, str | SecretKey]:
        """:meth:`headers` with the key header still a :class:`SecretKey`: the transport
        reveals it only while it writes the request."""
        return {
            "Content-Type": schema.CONTENT_TYPE,
            schema.HEADER_ORG_ID: self.org_id,
            schema.HEADER_KEY: self.secret_key,
            schema.HEADER_CLIENT_VERSION: self.integration_version,
            schema.HEADER_CLIENT_TYPE: self.integration_name + schema.CLIENT_TYPE_SUFFIX,
        }

    def with_endpoint(self, url: str) -> Credentials:
        """The same credentials sending to ``url`` (validated like the constructor's)."""
        return dataclasses.replace(self, endpoint=url)

    # -- safe views of the key --------------------------------------------------------------
    @property
    def secret_key(self) -> SecretKey:
        """The key as the :class:`SecretKey` ``public_key`` holds once constructed."""
        key = self.public_key
        assert isinstance(key, SecretKey)  # __post_init__ wraps every key
        return key

    @property
    def masked_key(self) -> str:
        """``"••••"`` and the key's last 4 characters (just ``"••••"`` under 12 characters)."""
        return self.secret_key.masked

    @property
    def key_fingerprint(self) -> str:
        """16 hex digits of SHA-256(org ID, NUL, key): names the key without revealing it."""
        material = f"{self.org_id}\0{self.secret_key.reveal()}".encode()
        return hashlib.sha256(material).hexdigest()[:_FINGERPRINT_LENGTH]

    @property
    def is_loopback(self) -> bool:
        """Whether the endpoint's host is this machine (127.0.0.0/8, localhost, ::1)."""
        return _is_loopback_host(urlsplit(self.endpoint).hostname or "")

    @property
    def client_type(self) -> str:
        """The ``X-Sdk-Client-Type`` value: ``<integration name>/server``."""
        return self.integration_name + schema.CLIENT_TYPE_SUFFIX

    def __repr__(self) -> str:
        integration = f"{self.integration_name}/{self.integration_version}"
        return (
            f"Credentials(org_id={self.org_id!r}, public_key={self.masked_key!r}, "
            f"endpoint={self.endpoint!r}, integration={integration!r})"
        )

    __str__ = __repr__


# -- validation ------------------------------------------------------------------------------
def _clean(name: str, value: object) -> str:
    """``value`` stripped, or ConfigurationError naming ``name`` (never showing the value)."""
    if not isinstance(value, str):
        raise ConfigurationError(
            f"{name} must be a string, got {type(value).__name__}: pass it as text."
        )
    value = value.strip()
    problem = _char_problem(name, value)
    if problem:
        raise ConfigurationError(problem)
    return value


def _char_problem(name: str, value: str) -> str | None:
    if not value:
        if name in _REQUIRED:
            return (
                f"{name} is empty: pass {name}=... or set {ENV_VARS[name]} "
                "(copy it from your Seeka account)."
            )
        return f"{name} is empty: leave the argument out to use its default."
    rule = "values sent in HTTP headers must be visible ASCII characters only"
    if name == "endpoint":
        rule = "a URL holds visible ASCII characters only"
    for position, char in enumerate(value, start=1):
        if "!" <= char <= "~":
            continue
        what = _CHAR_NAMES.get(char)
        if what is None:
            what = "a control character" if char.isascii() else "a non-ASCII character"
        if name == _SECRET:
            advice = "re-copy the key from Seeka without it"
        elif name == "endpoint" and not char.isascii() and not char.isspace():
            advice = "write the host in its xn-- form and percent-encode the path"
        else:
            advice = "remove it (was it copied along with the value?)"
        return (
            f"{name} contains {what} (U+{ord(char):04X}) at character {position}; {rule}: {advice}."
        )
    return None


def _clean_endpoint(value: object) -> str:
    url = _clean("endpoint", value)
    example = f"e.g. {schema.INGEST_URL}"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - parsing the port raises ValueError when it is invalid
    except ValueError:  # its message may quote parts of the URL: not shown
        raise ConfigurationError(
            f"endpoint is not a valid URL (check the host, brackets and port): {example}."
        ) from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.netloc:
        raise ConfigurationError(
            f"endpoint must be an absolute https:// URL, {example} (or an http:// URL of the "
            "local sandbox on 127.0.0.1)."
        )
    if "@" in parts.netloc:
        raise ConfigurationError(
            "endpoint must not contain a user name or password ('user:pass@'): remove it; "
            "Seeka authenticates with org_id and public_key, sent as headers."
        )
    host = parts.hostname
    if not host:
        raise ConfigurationError(f"endpoint has no valid host name: use a URL like {example}.")
    if "#" in url:
        raise ConfigurationError("endpoint must not contain a '#fragment': remove it.")
    if scheme == "http" and not _is_loopback_host(host):
        raise ConfigurationError(
            f"endpoint uses plain http:// for host {host!r}: Seeka accepts HTTPS only. Use "
            f"https://, {example}; plain http:// is allowed only for a local sandbox on a "
            "loopback host (127.0.0.1, localhost or [::1])."
        )
    if not parts.path:  # a bare origin, e.g. a sandbox's base URL
        url = urlunsplit(parts._replace(path=schema.INGEST_PATH))
    return url


def _is_loopback_host(host: str) -> bool:
    host = host.lower().rstrip(".")
    if host in schema.LOOPBACK_HOSTS:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


# -- the environment ---------------------------------------------------------------------------
def _read_dotenv(
    dotenv_path: str | os.PathLike[str] | Literal[False] | None,
) -> tuple[Mapping[str, str | None], str | None]:
    """The ``SEEKA_*`` values of the .env file, and a note for the "incomplete" message."""
    if dotenv_path is False:
        return {}, None
    explicit = dotenv_path is not None
    path = Path(dotenv_path) if dotenv_path else Path(".env")
    if not path.is_file():
        if explicit:
            raise ConfigurationError(
                f"No .env file at {path}: check dotenv_path, or leave it out to read ./.env."
            )
        return {}, None
    try:
        from dotenv import dotenv_values
    except ImportError:
        if explicit:
            raise ConfigurationError(
                f"Reading {path} needs python-dotenv: pip install python-dotenv, or set the "
                "SEEKA_* variables in the environment instead."
            ) from None
        return {}, (
            f"A .env file exists at {path.resolve()} but was not read because python-dotenv "
            "is not installed: pip install python-dotenv."
        )
    values = dotenv_values(path)
    return {k: v for k, v in values.items() if k in ENV_VARS.values()}, None


def _missing_message(missing: list[str], file_note: str | None) -> str:
    one = len(missing) == 1
    where = "it as an environment variable" if one else "them as environment variables"
    message = (
        f"Seeka credentials are incomplete: {' and '.join(missing)} {'is' if one else 'are'} "
        f"not set. Set {where}, or in a .env file in the current folder (read when "
        "python-dotenv is installed), or pass the values directly: "
        "seeka_nb.Credentials(org_id=..., public_key=...). In a notebook, "
        "seeka_nb.widgets.CredentialsForm() asks for them."
    )
    return f"{message} {file_note}" if file_note else message
