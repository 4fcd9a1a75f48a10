"""Which proxy a send uses and which CAs it trusts (adapters/network.py), decided from the
endpoint, the options and a given environment — no network here."""

from __future__ import annotations

import ssl

import pytest

from seeka_nb.adapters.network import (
    describe_proxy,
    is_loopback,
    proxy_for,
    ssl_context,
    validate_proxy,
)
from seeka_nb.errors import ConfigurationError

SEEKA = "https://api.seeka.example/api/ingest"
LOCAL = "http://127.0.0.1:8787/api/ingest"
CORPORATE = "http://proxy.corp.example:3128"


@pytest.mark.parametrize(
    ("url", "env", "expected"),
    [
        (SEEKA, {}, None),
        (SEEKA, {"HTTPS_PROXY": CORPORATE}, CORPORATE),
        (SEEKA, {"https_proxy": "proxy.corp.example:3128"}, CORPORATE),  # scheme implied
        (SEEKA, {"HTTP_PROXY": CORPORATE}, None),  # http_proxy is for http:// only
        (SEEKA, {"ALL_PROXY": CORPORATE}, CORPORATE),
        (SEEKA, {"HTTPS_PROXY": CORPORATE, "https_proxy": "http://lower:1"}, "http://lower:1"),
        (SEEKA, {"HTTPS_PROXY": CORPORATE, "NO_PROXY": "seeka.example"}, None),  # suffix
        (SEEKA, {"HTTPS_PROXY": CORPORATE, "no_proxy": "*"}, None),
        (SEEKA, {"HTTPS_PROXY": CORPORATE, "NO_PROXY": "other.example"}, CORPORATE),
        (LOCAL, {"HTTP_PROXY": CORPORATE}, None),  # a remote proxy cannot reach our loopback
        (LOCAL, {"ALL_PROXY": CORPORATE}, None),
        (LOCAL, {"HTTP_PROXY": "http://127.0.0.1:3128"}, "http://127.0.0.1:3128"),
        (LOCAL, {"HTTP_PROXY": "http://127.0.0.1:3128", "NO_PROXY": "127.0.0.1"}, None),
        (LOCAL, {"HTTP_PROXY": CORPORATE, "REQUEST_METHOD": "GET"}, None),  # CGI: httpoxy
    ],
)
def test_environment_proxies(url: str, env: dict[str, str], expected: str | None) -> None:
    assert proxy_for(url, environ=env) == expected


def test_an_explicit_proxy_always_wins() -> None:
    env = {"HTTPS_PROXY": CORPORATE, "NO_PROXY": "*"}
    assert proxy_for(SEEKA, "http://mine:8080", environ=env) == "http://mine:8080"
    assert proxy_for(LOCAL, CORPORATE, environ={}) == CORPORATE


@pytest.mark.parametrize("bad", ["ftp://proxy:21", "proxy:3128", "http://", "", 3128])
def test_bad_proxy_urls_are_configuration_errors(bad: object) -> None:
    with pytest.raises(ConfigurationError, match="proxy must be a URL"):
        validate_proxy(bad)  # type: ignore[arg-type]


def test_proxy_descriptions_never_show_credentials() -> None:
    assert describe_proxy("http://alice:s3cret@proxy.corp.example:3128") == (
        "http://proxy.corp.example:3128"
    )
    with pytest.raises(ConfigurationError) as caught:
        validate_proxy("ftp://alice:s3cret@proxy:21")
    assert "s3cret" not in str(caught.value) and "alice" not in str(caught.value)


def test_loopback_hosts() -> None:
    assert all(map(is_loopback, ["localhost", "127.0.0.1", "127.9.9.9", "[::1]", "a.localhost"]))
    assert not any(map(is_loopback, ["10.0.0.1", "example.com", "localhost.example.com"]))


def test_ssl_context_trusts_ssl_cert_file_and_verifies(tmp_path) -> None:
    import trustme

    ca = trustme.CA()
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    context = ssl_context(environ={"SSL_CERT_FILE": str(bundle)})
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert len(context.get_ca_certs()) == 1  # only the organisation's CA, as requests does
    default = ssl_context(environ={})
    assert default.verify_mode == ssl.CERT_REQUIRED and len(default.get_ca_certs()) > 10
    with pytest.raises(ConfigurationError, match="SSL_CERT_DIR names"):
        ssl_context(environ={"SSL_CERT_DIR": str(tmp_path / "missing")})


def test_truststore_option_uses_the_system_store() -> None:
    import truststore  # in the test extra (and the truststore extra)

    context = ssl_context(truststore=True, environ={})
    assert isinstance(context, truststore.SSLContext)
