"""Seeka credentials and the ingest endpoint (layer 1, foundation).

Owns :class:`Credentials`: the organisation ID, the brand's public key, the integration name
and version, and the endpoint; and the exact request headers of ``SEEKA_CONTRACT.md``.  The
key is held in a :class:`SecretKey` (:mod:`.secret`), the values are validated by
:mod:`.checks` and read from the environment (and a ``.env`` file) by :mod:`.env`.

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
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Final, Literal
from urllib.parse import urlsplit

from seeka_nb import schema
from seeka_nb.errors import ConfigurationError

from .checks import clean, clean_endpoint, is_loopback_host
from .env import ENV_VARS, REQUIRED, missing_message, read_dotenv
from .secret import SecretKey
from .secret import _withheld_key as _withheld_key  # pickles made before the split name it here
from .secret import mask_key as mask_key

__all__ = ["ENV_VARS", "PACKAGE_VERSION", "Credentials", "SecretKey"]


def _package_version() -> str:
    try:
        return version("seeka_nb")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0.0.0"


#: This package's version: the default ``X-Sdk-Client-Version``.
PACKAGE_VERSION: Final = _package_version()
_FINGERPRINT_LENGTH: Final = 16


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
        object.__setattr__(self, "public_key", SecretKey(clean("public_key", key)))
        for name in ("org_id", "integration_name", "integration_version"):
            object.__setattr__(self, name, clean(name, getattr(self, name)))
        if "/" in self.integration_name:
            raise ConfigurationError(
                "integration_name must not contain '/': give the name only (e.g. "
                f"'ticketsaurus'); '{schema.CLIENT_TYPE_SUFFIX}' is added to it in the "
                f"{schema.HEADER_CLIENT_TYPE} header."
            )
        object.__setattr__(self, "endpoint", clean_endpoint(self.endpoint))

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
        file_values, file_note = read_dotenv(dotenv_path)
        values: dict[str, str] = {}
        for name, variable in ENV_VARS.items():
            for source in (environ, file_values):
                raw = source.get(variable)
                if raw is not None and raw.strip():
                    values[name] = raw
                    break
        missing = [ENV_VARS[name] for name in REQUIRED if name not in values]
        if missing:
            raise ConfigurationError(missing_message(missing, file_note))
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
        return is_loopback_host(urlsplit(self.endpoint).hostname or "")

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
