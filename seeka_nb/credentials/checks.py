"""The validation of credential values and of the endpoint (layer 1, foundation).

Owns the rules the :mod:`seeka_nb.credentials` docstring decides: values stripped, visible
ASCII only (a refusal names the field and the character, never the value), the endpoint an
absolute ``https://`` URL (``http://`` only for a loopback host), and what a loopback host
is.
"""

from __future__ import annotations

import ipaddress
from typing import Final
from urllib.parse import urlsplit, urlunsplit

from seeka_nb import schema
from seeka_nb.errors import ConfigurationError

from .env import ENV_VARS, REQUIRED

__all__ = ["clean", "clean_endpoint", "is_loopback_host"]

_SECRET: Final = "public_key"

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


def clean(name: str, value: object) -> str:
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
        if name in REQUIRED:
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


def clean_endpoint(value: object) -> str:
    url = clean("endpoint", value)
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
    if scheme == "http" and not is_loopback_host(host):
        raise ConfigurationError(
            f"endpoint uses plain http:// for host {host!r}: Seeka accepts HTTPS only. Use "
            f"https://, {example}; plain http:// is allowed only for a local sandbox on a "
            "loopback host (127.0.0.1, localhost or [::1])."
        )
    if not parts.path:  # a bare origin, e.g. a sandbox's base URL
        url = urlunsplit(parts._replace(path=schema.INGEST_PATH))
    return url


def is_loopback_host(host: str) -> bool:
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
