"""Sending over real TLS and through a real forward proxy, all on loopback.

The sandbox serves HTTPS with a certificate from a throwaway CA (``trustme``); tinyproxy
is started by the test.  Proven here: a CA named by ``SSL_CERT_FILE`` is trusted, an
unknown one is refused (the run stops, nothing is sent, exit code 4); ``proxy=`` and
``--proxy`` carry plain HTTP (``POST http://...``) and HTTPS (``CONNECT``); ``HTTPS_PROXY``
and ``HTTP_PROXY`` are honoured and ``NO_PROXY`` is respected."""

from __future__ import annotations

import json
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from proxy_support import Proxy, tinyproxy

from seeka_nb import Sandbox
from seeka_nb.cli import main
from seeka_nb.pipeline.engine import TLS_STOP

NETWORK_VARIABLES = [
    *(f"{n}_PROXY" for n in ("HTTPS", "HTTP", "ALL", "NO")),
    *(f"{n}_proxy" for n in ("https", "http", "all", "no")),
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch) -> None:
    for name in NETWORK_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> str:
    path = tmp_path / "company-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture
def https_sandbox(ca: trustme.CA) -> Iterator[Sandbox]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    with Sandbox(rate_limit=None, tls=context) as sandbox:
        yield sandbox


@pytest.fixture
def proxy(tmp_path: Path) -> Iterator[Proxy]:
    with tinyproxy(tmp_path) as running:
        yield running


def test_tls_with_a_trusted_ca_is_accepted(
    events, creds, https_sandbox, seams, ca_file, monkeypatch
):
    assert https_sandbox.ingest_url.startswith("https://127.0.0.1:")
    monkeypatch.setenv("SSL_CERT_FILE", ca_file)
    report = events.send(creds.with_endpoint(https_sandbox.ingest_url), ledger=False, _seams=seams)
    assert report.ok and report.counts["sent"] == 12
    assert len(https_sandbox.events) == 12


def test_tls_with_an_unknown_ca_is_refused(
    events, creds, https_sandbox, seams, tmp_path, monkeypatch
):
    creds = creds.with_endpoint(https_sandbox.ingest_url)
    # certifi's bundle does not know the throwaway CA ...
    report = events.send(creds, ledger=False, _seams=seams)
    assert report.counts["sent"] == 0 and report.counts["pending"] == 12
    assert report.stopped_reason.startswith(TLS_STOP)
    assert "SSL_CERT_FILE" in report.stopped_reason and report.requests == 1  # no retries
    # ... and neither does another organisation's CA.
    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    monkeypatch.setenv("SSL_CERT_FILE", str(other))
    report = events.send(creds, ledger=False, _seams=seams)
    assert report.counts["sent"] == 0 and report.stopped_reason.startswith(TLS_STOP)
    assert https_sandbox.stats()["requests"] == 0  # no HTTP request got past the handshake


def test_a_missing_ssl_cert_file_is_a_configuration_error(events, creds, seams, monkeypatch):
    from seeka_nb.errors import ConfigurationError

    monkeypatch.setenv("SSL_CERT_FILE", "/nonexistent/ca.pem")
    with pytest.raises(ConfigurationError, match=r"SSL_CERT_FILE names /nonexistent/ca\.pem"):
        events.send(creds, ledger=False, _seams=seams)


def test_proxy_option_carries_plain_http(events, creds, sandbox, seams, proxy):
    report = events.send(creds, ledger=False, proxy=proxy.url, _seams=seams)
    assert report.ok and report.counts["sent"] == 12
    lines = proxy.requests()
    assert f"POST http://127.0.0.1:{sandbox.port}/api/ingest HTTP/1.1" in lines
    assert len(lines) == report.requests and len(sandbox.events) == 12


def test_proxy_option_tunnels_https_with_connect(
    events, creds, https_sandbox, seams, proxy, ca_file, monkeypatch
):
    monkeypatch.setenv("SSL_CERT_FILE", ca_file)
    creds = creds.with_endpoint(https_sandbox.ingest_url)
    report = events.send(creds, ledger=False, proxy=proxy.url, _seams=seams)
    assert report.ok and report.counts["sent"] == 12
    lines = proxy.requests()
    assert lines and all(
        line == f"CONNECT 127.0.0.1:{https_sandbox.port} HTTP/1.1" for line in lines
    )
    assert "api/ingest" not in proxy.log()  # the request itself went inside the tunnel


def test_environment_proxies_are_honoured_and_no_proxy_respected(
    events, creds, sandbox, https_sandbox, seams, proxy, ca_file, monkeypatch
):
    monkeypatch.setenv("SSL_CERT_FILE", ca_file)
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    monkeypatch.setenv("http_proxy", proxy.url)
    secure = creds.with_endpoint(https_sandbox.ingest_url)
    assert events.send(secure, ledger=False, _seams=seams).ok
    assert f"CONNECT 127.0.0.1:{https_sandbox.port} HTTP/1.1" in proxy.requests()
    assert events.send(creds, ledger=False, _seams=seams).ok
    assert f"POST http://127.0.0.1:{sandbox.port}/api/ingest HTTP/1.1" in proxy.requests()
    seen = len(proxy.requests())
    monkeypatch.setenv("NO_PROXY", "example.com,127.0.0.1")
    assert events.send(secure, ledger=False, _seams=seams).ok
    assert events.send(creds, ledger=False, _seams=seams).ok
    assert len(proxy.requests()) == seen  # NO_PROXY: straight to the sandbox
    monkeypatch.delenv("NO_PROXY")
    monkeypatch.delenv("HTTPS_PROXY")
    monkeypatch.delenv("http_proxy")
    monkeypatch.setenv("ALL_PROXY", proxy.url)
    assert events.send(secure, ledger=False, _seams=seams).ok
    assert len(proxy.requests()) > seen


def test_cli_proxy_and_untrusted_certificate_exit_codes(
    https_sandbox, proxy, ca_file, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "o.csv").write_text(
        "order_id,created_at,sku,price,qty,currency\n1,2025-01-01T10:00:00Z,A,10,1,USD\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("SEEKA_ORG_ID", "org-tls")
    monkeypatch.setenv("SEEKA_PUBLIC_KEY", "tls-key-1234567890")
    monkeypatch.setenv("SEEKA_ENDPOINT", https_sandbox.ingest_url)
    assert main(["send", "o.csv", "--no-ledger", "--json"]) == 4  # unknown CA
    result = json.loads(capsys.readouterr().out)
    assert result["report"]["counts"] == {"pending": 1}
    assert any("SSL_CERT_FILE" in hint for hint in result["hints"])
    monkeypatch.setenv("SSL_CERT_FILE", ca_file)
    assert main(["send", "o.csv", "--no-ledger", "-q", "--proxy", proxy.url]) == 0
    assert f"CONNECT 127.0.0.1:{https_sandbox.port} HTTP/1.1" in proxy.requests()
    assert main(["send", "o.csv", "--no-ledger", "--proxy", "ftp://x"]) == 2
    assert "proxy must be a URL" in capsys.readouterr().err
