"""Proxies and TLS trust for requests to the ingest endpoint (layer 3).

Decided once per send, from the endpoint, the caller's options and the environment, the
way other Python HTTP tools read it (``urllib.request.getproxies``, as ``requests`` does):

* **Proxy.**  An explicit ``proxy=`` URL is used for every request.  Otherwise
  ``HTTPS_PROXY`` (``https://`` endpoints) or ``HTTP_PROXY`` (``http://``), else
  ``ALL_PROXY``, unless ``NO_PROXY`` names the host (``*`` for all; upper- or lower-case
  names).  One exception, as in Go's and Chrome's HTTP stacks: a loopback endpoint (the
  local sandbox) skips an environment proxy that is *not itself on loopback* — a proxy on
  another machine cannot reach this machine's loopback, and a corporate ``HTTPS_PROXY``
  would otherwise break the demo and the notebooks.
* **Trust.**  TLS is always verified.  The CA bundle is ``SSL_CERT_FILE`` and/or
  ``SSL_CERT_DIR`` when set (an organisation's CA for networks that inspect TLS), else
  certifi's.  ``truststore=True`` uses the operating system's trust store instead (the
  ``truststore`` package), plus ``SSL_CERT_FILE``/``SSL_CERT_DIR`` when set.

Nothing here logs or returns a proxy's user name or password: :func:`describe_proxy`
gives ``host:port`` only.
"""

from __future__ import annotations

import ipaddress
import os
import ssl
import urllib.parse
import urllib.request
from collections.abc import Mapping

from ..errors import ConfigurationError

__all__ = ["describe_proxy", "is_loopback", "proxy_for", "ssl_context", "validate_proxy"]

PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")


def is_loopback(host: str) -> bool:
    """``localhost`` (and its subdomains), 127.0.0.0/8 and ``::1``."""
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def validate_proxy(proxy: str) -> str:
    """The proxy URL, checked: a scheme of :data:`PROXY_SCHEMES` and a host."""
    parts = urllib.parse.urlsplit(proxy) if isinstance(proxy, str) else None
    if parts is None or parts.scheme.lower() not in PROXY_SCHEMES or not parts.hostname:
        raise ConfigurationError(
            "proxy must be a URL such as http://proxy.example.com:3128 "
            f"(schemes: {', '.join(PROXY_SCHEMES)}); got {describe_proxy(proxy)!r}."
        )
    return proxy


def describe_proxy(proxy: object) -> str:
    """``scheme://host:port`` of a proxy URL, without user name or password."""
    if not isinstance(proxy, str):
        return type(proxy).__name__
    try:
        parts = urllib.parse.urlsplit(proxy)
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(unparseable URL)"
    if not parts.hostname:
        return "(no host)"
    return f"{parts.scheme}://{parts.hostname}{port}"


def _environment_proxies(environ: Mapping[str, str] | None) -> dict[str, str]:
    """``{"https": ..., "http": ..., "all": ..., "no": ...}`` from ``*_PROXY`` variables;
    a lower-case name wins over its upper-case twin (as in urllib)."""
    env = os.environ if environ is None else environ
    found: dict[str, str] = {}
    for name in sorted(env, key=lambda n: n.islower()):  # upper-case first, then lower
        if name.lower().endswith("_proxy") and env[name].strip():
            found[name.lower()[: -len("_proxy")]] = env[name].strip()
    if "REQUEST_METHOD" in env:  # CGI: HTTP_PROXY may come from a request header (httpoxy)
        found.pop("http", None)
    return found


def proxy_for(
    url: str, proxy: str | None = None, environ: Mapping[str, str] | None = None
) -> str | None:
    """The proxy URL requests to ``url`` go through, or ``None`` (see the module
    docstring).  ``environ`` replaces ``os.environ`` (tests)."""
    if proxy:
        return validate_proxy(proxy)
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    proxies = _environment_proxies(environ)
    chosen = proxies.get(parts.scheme.lower()) or proxies.get("all")
    if not chosen:
        return None
    if "://" not in chosen:
        chosen = f"http://{chosen}"
    no_proxy = proxies.get("no", "")
    if no_proxy and _bypassed(host, parts.port, no_proxy):
        return None
    if is_loopback(host) and not is_loopback(urllib.parse.urlsplit(chosen).hostname or ""):
        return None
    return validate_proxy(chosen)


def _bypassed(host: str, port: int | None, no_proxy: str) -> bool:
    """``NO_PROXY`` as urllib reads it (``*``, host names and domain suffixes, IPs,
    optional ``:port``)."""
    target = f"{host}:{port}" if port else host
    bypass = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]
    return bool(bypass(target, {"no": no_proxy}))


def ssl_context(
    *, truststore: bool = False, environ: Mapping[str, str] | None = None
) -> ssl.SSLContext:
    """A verifying client context (see the module docstring)."""
    env = os.environ if environ is None else environ
    cafile = env.get("SSL_CERT_FILE") or None
    capath = env.get("SSL_CERT_DIR") or None
    for name, path in (("SSL_CERT_FILE", cafile), ("SSL_CERT_DIR", capath)):
        if path is not None and not os.path.exists(path):
            raise ConfigurationError(
                f"{name} names {path}, which does not exist: point it at your "
                "organisation's CA bundle (PEM), or unset it."
            )
    if truststore:
        try:
            import truststore as system_store
        except ImportError:
            raise ConfigurationError(
                "truststore=True needs the truststore package: pip install truststore"
            ) from None
        ctx: ssl.SSLContext = system_store.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        if cafile or capath:
            ctx.load_verify_locations(cafile=cafile, capath=capath)
        return ctx
    if cafile or capath:
        return ssl.create_default_context(cafile=cafile, capath=capath)
    import certifi

    return ssl.create_default_context(cafile=certifi.where())
