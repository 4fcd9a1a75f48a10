"""Credentials: validation, the environment and .env files, headers, endpoints, secrecy."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import logging
import os
import pickle
import pprint
import sys
import traceback
import types
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from IPython.lib.pretty import pretty

from seeka_nb import schema
from seeka_nb.credentials import ENV_VARS, PACKAGE_VERSION, Credentials
from seeka_nb.errors import ConfigurationError, SeekaError

ORG = "org-7f3a9c"
KEY = "pk_live_SECRETd41d8cd98f00b2a1b2"
SANDBOX = "http://127.0.0.1:8765/api/ingest"
FIELDS = ("org_id", "public_key", "integration_name", "integration_version", "endpoint")
VALID = {
    "org_id": ORG,
    "public_key": KEY,
    "integration_name": "ticketsaurus",
    "integration_version": "1.2.3",
    "endpoint": "https://router.seeka.services/api/ingest",
}
#: Characters refused anywhere inside a value (outer whitespace is stripped instead).
BAD_CHARS = [
    "\n",
    "\r",
    "\r\n",
    "\t",
    "\x00",
    "\x1b",
    "\x7f",
    "\x85",
    "\u2028",
    "\u2029",
    " ",
    "\xa0",
    "\u200b",
    "\ufeff",
    "é",
    "€",
]


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    """No SEEKA_* variables and no ./.env from the machine running the tests."""
    for variable in ENV_VARS.values():
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def fake_dotenv(monkeypatch) -> list[Path]:
    """A stand-in for python-dotenv's ``dotenv_values`` (not a test dependency), so the .env
    path is tested the same way whether or not python-dotenv is installed."""
    calls: list[Path] = []

    def dotenv_values(path):
        calls.append(Path(path))
        values: dict[str, str | None] = {}
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                name, sep, value = line.partition("=")
                values[name.strip()] = value.strip().strip("'\"") if sep else None
        return values

    module = types.ModuleType("dotenv")
    module.dotenv_values = dotenv_values  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "dotenv", module)
    return calls


@pytest.fixture
def no_dotenv(monkeypatch) -> None:
    """python-dotenv not installed (``import dotenv`` raises ImportError)."""
    monkeypatch.setitem(sys.modules, "dotenv", None)


def write_env(path: Path, **values: str) -> Path:
    path.write_text("".join(f"{k}={v}\n" for k, v in values.items()), encoding="utf-8")
    return path


def assert_no_key(exc: BaseException) -> None:
    """Neither the message, the repr, the notes nor the formatted traceback shows the key."""
    shown = "\n".join(
        [str(exc), repr(exc), *getattr(exc, "__notes__", []), *traceback.format_exception(exc)]
    )
    assert KEY not in shown


def failure(call: Callable[[], object]) -> ConfigurationError:
    with pytest.raises(ConfigurationError) as info:
        call()
    assert_no_key(info.value)
    return info.value


# -- construction ------------------------------------------------------------------------------
def test_defaults() -> None:
    creds = Credentials(ORG, KEY)
    assert creds.org_id == ORG and creds.public_key == KEY
    assert creds.integration_name == schema.DEFAULT_INTEGRATION_NAME == "seeka-nb"
    assert creds.integration_version == PACKAGE_VERSION == version("seeka_nb")
    assert creds.endpoint == schema.INGEST_URL
    assert not creds.is_loopback


def test_surrounding_whitespace_is_stripped() -> None:
    creds = Credentials(
        f" {ORG}\n",
        f"\t{KEY}\r\n",
        integration_name=" ticketsaurus ",
        integration_version="1.2.3\n",
        endpoint=f"  {SANDBOX}\n",
    )
    assert creds == Credentials(ORG, KEY, "ticketsaurus", "1.2.3", SANDBOX)


@pytest.mark.parametrize("name", FIELDS)
@pytest.mark.parametrize("char", BAD_CHARS, ids=[ascii(c) for c in BAD_CHARS])
def test_bad_characters_inside_any_value_are_refused(name: str, char: str) -> None:
    value = VALID[name]
    values = {**VALID, name: value[:2] + char + value[2:]}
    exc = failure(lambda: Credentials(**values))
    assert str(exc).startswith(f"{name} contains ")
    assert f"(U+{ord(char[0]):04X}) at character 3;" in str(exc)
    assert isinstance(exc, SeekaError)


@given(
    key=st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=16),
    bad=st.characters().filter(lambda c: not "!" <= c <= "~"),
    where=st.integers(min_value=1, max_value=15),
)
def test_any_non_visible_ascii_character_in_the_key_is_refused(
    key: str, bad: str, where: int
) -> None:
    assert Credentials(ORG, key).public_key == key
    with pytest.raises(ConfigurationError) as info:
        Credentials(ORG, key[:where] + bad + key[where:])
    assert str(info.value).startswith("public_key ")
    assert key not in str(info.value)


@pytest.mark.parametrize("name", ["org_id", "public_key"])
@pytest.mark.parametrize("blank", ["", "   ", "\n", "\t\r\n"])
def test_empty_org_id_or_key_is_refused(name: str, blank: str) -> None:
    exc = failure(lambda: Credentials(**{**VALID, name: blank}))
    assert str(exc).startswith(f"{name} is empty")
    assert ENV_VARS[name] in str(exc)


@pytest.mark.parametrize("name", ["integration_name", "integration_version", "endpoint"])
def test_empty_optional_value_is_refused(name: str) -> None:
    assert "leave the argument out" in str(failure(lambda: Credentials(**{**VALID, name: ""})))


@pytest.mark.parametrize("name", FIELDS)
@pytest.mark.parametrize("value", [None, 123, b"bytes"])
def test_non_string_values_are_refused(name: str, value: object) -> None:
    exc = failure(lambda: Credentials(**{**VALID, name: value}))
    assert str(exc).startswith(f"{name} must be a string")


def test_integration_name_takes_no_suffix() -> None:
    exc = failure(lambda: Credentials(ORG, KEY, integration_name="ticketsaurus/server"))
    assert "integration_name" in str(exc) and "'/server' is added" in str(exc)


def test_frozen_equal_hashable_copyable() -> None:
    creds = Credentials(ORG, KEY)
    with pytest.raises(dataclasses.FrozenInstanceError):
        creds.public_key = "other"  # type: ignore[misc]
    assert creds == Credentials(ORG, KEY) and hash(creds) == hash(Credentials(ORG, KEY))
    assert creds != Credentials(ORG, KEY + "x")
    assert creds != creds.with_endpoint(SANDBOX)
    assert copy.copy(creds) == creds and copy.deepcopy(creds) == creds
    copied = pickle.loads(pickle.dumps(creds))  # a pickle never carries the key (issue 12)
    assert KEY.encode() not in pickle.dumps(creds) and copied.public_key.withheld
    assert copied.org_id == creds.org_id and copied.masked_key == creds.masked_key
    with pytest.raises(ConfigurationError, match="never stored in a pickle"):
        copied.headers()
    assert dataclasses.replace(creds, org_id="other").org_id == "other"


# -- headers -----------------------------------------------------------------------------------
def test_headers_are_exactly_the_contract() -> None:
    creds = Credentials(ORG, KEY)
    assert creds.headers() == {
        "Content-Type": "application/json",
        "X-OrgId": ORG,
        "X-Converge-Key": KEY,
        "X-Sdk-Client-Version": version("seeka_nb"),
        "X-Sdk-Client-Type": "seeka-nb/server",
    }


def test_headers_with_a_named_integration() -> None:
    creds = Credentials(**VALID)
    headers = creds.headers()
    assert headers["X-Sdk-Client-Type"] == creds.client_type == "ticketsaurus/server"
    assert headers["X-Sdk-Client-Version"] == "1.2.3"
    request = httpx.Request("POST", creds.endpoint, headers=headers)  # valid for httpx
    assert request.headers["x-converge-key"] == KEY
    assert creds.headers() is not creds.headers()  # callers may modify their copy


# -- endpoints ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "http://router.seeka.services/api/ingest",
        "http://example.com/api/ingest",
        "http://10.0.0.1/api/ingest",
        "http://192.168.1.10:8080/api/ingest",
        "http://[2001:db8::1]/api/ingest",
        "http://localhost.example.com/api/ingest",
        "http://127.0.0.1.nip.io/api/ingest",
        "http://0.0.0.0:8765/api/ingest",
    ],
)
def test_plain_http_is_refused_for_non_loopback_hosts(url: str) -> None:
    message = str(failure(lambda: Credentials(ORG, KEY, endpoint=url)))
    assert message.startswith("endpoint uses plain http://")
    assert "https://" in message and "sandbox" in message


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8765/api/ingest",
        "http://localhost:8765/api/ingest",
        "http://[::1]:8765/api/ingest",
        "http://127.5.6.7/api/ingest",
        "HTTP://LOCALHOST/api/ingest",
        "http://[::ffff:127.0.0.1]:80/api/ingest",
        "https://localhost:8443/api/ingest",
    ],
)
def test_loopback_endpoints_are_accepted(url: str) -> None:
    creds = Credentials(ORG, KEY, endpoint=url)
    assert creds.endpoint == url and creds.is_loopback


@pytest.mark.parametrize(
    "url",
    [
        "https://router.seeka.services/api/ingest",
        "https://example.com:8443/custom/path?x=1",
        "https://[2001:db8::1]/api/ingest",
    ],
)
def test_https_is_always_accepted(url: str) -> None:
    creds = Credentials(ORG, KEY, endpoint=url)
    assert creds.endpoint == url and not creds.is_loopback


@pytest.mark.parametrize(
    "url",
    [
        "not a url",
        "router.seeka.services/api/ingest",
        "//router.seeka.services/api/ingest",
        "ftp://router.seeka.services/api/ingest",
        "file:///etc/passwd",
        "mailto:someone@example.com",
        "javascript:alert(1)",
        "https://",
        "https:///api/ingest",
        "http://[::1",
        "https://router.seeka.services:99999/api/ingest",
        "https://router.seeka.services:port/api/ingest",
        "https://router.seeka.services/api/ingest#top",
        "https://bücher.example/api/ingest",
    ],
)
def test_garbage_endpoints_are_refused(url: str) -> None:
    assert str(failure(lambda: Credentials(ORG, KEY, endpoint=url))).startswith("endpoint ")


@pytest.mark.parametrize(
    "url", ["https://user:hunter2@router.seeka.services/api/ingest", f"https://{KEY}@example.com/"]
)
def test_userinfo_is_refused_without_echoing_it(url: str) -> None:
    message = str(failure(lambda: Credentials(ORG, KEY, endpoint=url)))
    assert "user name or password" in message and "hunter2" not in message


def test_a_bare_origin_gets_the_ingest_path() -> None:
    assert Credentials(ORG, KEY, endpoint="http://127.0.0.1:8765").endpoint == SANDBOX
    kept = "https://proxy.example/"
    assert Credentials(ORG, KEY, endpoint=kept).endpoint == kept


def test_with_endpoint() -> None:
    creds = Credentials(**VALID)
    local = creds.with_endpoint(SANDBOX)
    assert local.endpoint == SANDBOX and local.is_loopback and not creds.is_loopback
    assert dataclasses.replace(local, endpoint=creds.endpoint) == creds
    failure(lambda: creds.with_endpoint("http://router.seeka.services/api/ingest"))


# -- the environment ---------------------------------------------------------------------------
def test_from_env_reads_every_variable() -> None:
    env = {
        "SEEKA_ORG_ID": ORG,
        "SEEKA_PUBLIC_KEY": KEY,
        "SEEKA_INTEGRATION_NAME": "ticketsaurus",
        "SEEKA_INTEGRATION_VERSION": "1.2.3",
        "SEEKA_ENDPOINT": SANDBOX,
        "UNRELATED": "ignored",
    }
    assert Credentials.from_env(env=env) == Credentials(**{**VALID, "endpoint": SANDBOX})


def test_from_env_defaults_and_blank_optionals() -> None:
    env = {"SEEKA_ORG_ID": ORG, "SEEKA_PUBLIC_KEY": KEY, "SEEKA_ENDPOINT": " "}
    assert Credentials.from_env(env=env) == Credentials(ORG, KEY)


def test_from_env_reads_os_environ_by_default(monkeypatch) -> None:
    monkeypatch.setenv("SEEKA_ORG_ID", ORG)
    monkeypatch.setenv("SEEKA_PUBLIC_KEY", KEY)
    assert Credentials.from_env() == Credentials(ORG, KEY)


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({}, {"SEEKA_ORG_ID", "SEEKA_PUBLIC_KEY"}),
        ({"SEEKA_ORG_ID": ORG}, {"SEEKA_PUBLIC_KEY"}),
        ({"SEEKA_PUBLIC_KEY": KEY}, {"SEEKA_ORG_ID"}),
        ({"SEEKA_ORG_ID": " ", "SEEKA_PUBLIC_KEY": KEY}, {"SEEKA_ORG_ID"}),
        (
            {"SEEKA_ORG_ID": ORG, "SEEKA_PUBLIC_KEY": "", "SEEKA_ENDPOINT": SANDBOX},
            {"SEEKA_PUBLIC_KEY"},
        ),
    ],
)
def test_from_env_names_exactly_the_missing_variables(env: dict, missing: set) -> None:
    message = str(failure(lambda: Credentials.from_env(env=env)))
    named = {name for name in ENV_VARS.values() if name in message}
    assert named == missing
    for how in (".env", "Credentials(org_id=..., public_key=...)", "CredentialsForm"):
        assert how in message


def test_from_env_invalid_value_names_the_field_and_the_variables() -> None:
    env = {"SEEKA_ORG_ID": ORG, "SEEKA_PUBLIC_KEY": KEY[:8] + "\n" + KEY[8:]}
    exc = failure(lambda: Credentials.from_env(env=env))
    assert str(exc).startswith("public_key contains a newline")
    assert any("public_key from SEEKA_PUBLIC_KEY" in note for note in exc.__notes__)


def test_dotenv_file_in_the_current_folder_is_read(fake_dotenv, tmp_path) -> None:
    write_env(tmp_path / ".env", SEEKA_ORG_ID=ORG, SEEKA_PUBLIC_KEY=KEY, OTHER="x")
    before = dict(os.environ)
    assert Credentials.from_env(env={}) == Credentials(ORG, KEY)
    assert dict(os.environ) == before  # read with dotenv_values, never loaded into os.environ
    assert fake_dotenv == [Path(".env")]


def test_real_environment_wins_over_dotenv(fake_dotenv, tmp_path, monkeypatch) -> None:
    write_env(
        tmp_path / ".env",
        SEEKA_ORG_ID="org-from-file",
        SEEKA_PUBLIC_KEY="key-from-file-0000",
        SEEKA_ENDPOINT=SANDBOX,
    )
    monkeypatch.setenv("SEEKA_ORG_ID", ORG)
    monkeypatch.setenv("SEEKA_PUBLIC_KEY", KEY)
    monkeypatch.setenv("SEEKA_ENDPOINT", "")  # blank counts as unset: the file fills it
    assert Credentials.from_env() == Credentials(ORG, KEY, endpoint=SANDBOX)
    assert os.environ["SEEKA_ORG_ID"] == ORG and os.environ["SEEKA_ENDPOINT"] == ""


def test_explicit_dotenv_path(fake_dotenv, tmp_path) -> None:
    path = write_env(tmp_path / "seeka.env", SEEKA_ORG_ID=ORG, SEEKA_PUBLIC_KEY=KEY)
    write_env(tmp_path / ".env", SEEKA_ORG_ID="not-this-one")
    assert Credentials.from_env(env={}, dotenv_path=path) == Credentials(ORG, KEY)
    assert Credentials.from_env(env={}, dotenv_path=str(path)) == Credentials(ORG, KEY)
    message = str(failure(lambda: Credentials.from_env(env={}, dotenv_path=tmp_path / "nope")))
    assert message.startswith("No .env file at")


def test_dotenv_path_false_reads_no_file(fake_dotenv, tmp_path) -> None:
    write_env(tmp_path / ".env", SEEKA_ORG_ID=ORG, SEEKA_PUBLIC_KEY=KEY)
    failure(lambda: Credentials.from_env(env={}, dotenv_path=False))
    assert fake_dotenv == []


def test_without_python_dotenv_the_file_is_ignored_and_the_message_says_so(
    no_dotenv, tmp_path
) -> None:
    write_env(tmp_path / ".env", SEEKA_ORG_ID=ORG, SEEKA_PUBLIC_KEY=KEY)
    message = str(failure(lambda: Credentials.from_env(env={})))
    assert "pip install python-dotenv" in message and str(tmp_path / ".env") in message
    assert "SEEKA_ORG_ID" in message and "SEEKA_PUBLIC_KEY" in message
    env = {"SEEKA_ORG_ID": ORG, "SEEKA_PUBLIC_KEY": KEY}
    assert Credentials.from_env(env=env) == Credentials(ORG, KEY)  # the file is no obstacle


def test_without_python_dotenv_an_explicit_path_is_an_error(no_dotenv, tmp_path) -> None:
    path = write_env(tmp_path / "seeka.env", SEEKA_ORG_ID=ORG, SEEKA_PUBLIC_KEY=KEY)
    env = {"SEEKA_ORG_ID": ORG, "SEEKA_PUBLIC_KEY": KEY}
    message = str(failure(lambda: Credentials.from_env(env=env, dotenv_path=path)))
    assert "pip install python-dotenv" in message


def test_no_dotenv_file_no_hint(no_dotenv) -> None:
    assert "python-dotenv is not installed" not in str(
        failure(lambda: Credentials.from_env(env={}))
    )


# -- secrecy -----------------------------------------------------------------------------------
def test_repr_str_format_and_pretty_printers_mask_the_key() -> None:
    creds = Credentials(**VALID)
    expected = (
        "Credentials(org_id='org-7f3a9c', public_key='••••a1b2', "
        "endpoint='https://router.seeka.services/api/ingest', integration='ticketsaurus/1.2.3')"
    )
    assert repr(creds) == str(creds) == f"{creds}" == f"{creds!r}" == expected
    shown = [
        "%s %r" % (creds, creds),  # noqa: UP031
        "{} {!r}".format(creds, creds),  # noqa: UP032
        repr([creds]),
        str({"c": creds}),
        pprint.pformat({"creds": creds}, width=20),
        pretty(creds),
        pretty([creds]),
    ]
    for text in shown:
        assert KEY not in text and "••••a1b2" in text
    public_key = next(f for f in dataclasses.fields(Credentials) if f.name == "public_key")
    assert public_key.repr is False


def test_logging_the_object_or_its_failures_never_shows_the_key(caplog) -> None:
    logger = logging.getLogger("seeka_nb.tests.credentials")
    creds = Credentials(ORG, KEY)
    with caplog.at_level(logging.DEBUG, logger=logger.name):
        logger.info(creds)
        logger.info("using %s", creds)
        logger.debug("using %r", creds)
        logger.warning("using %(creds)s", {"creds": creds})
        try:
            Credentials(ORG, KEY + "\n" + KEY)
        except ConfigurationError:
            logger.exception("could not build credentials for %s", creds)
    assert len(caplog.records) == 5
    assert "••••a1b2" in caplog.text and "newline" in caplog.text
    assert KEY not in caplog.text


def test_no_failing_call_shows_the_key() -> None:
    calls: list[Callable[[], object]] = [
        *(lambda c=c: Credentials(ORG, KEY[:5] + c + KEY[5:]) for c in BAD_CHARS),
        lambda: Credentials(ORG, f"{KEY}\r\nX-Injected: 1"),
        lambda: Credentials(KEY, ""),  # swapped arguments
        lambda: Credentials(ORG, KEY, integration_name="a/b"),
        lambda: Credentials(ORG, KEY, endpoint=f"http://example.com/{KEY}"),
        lambda: Credentials(ORG, KEY, endpoint=f"https://{KEY}:{KEY}@example.com/"),
        lambda: Credentials(ORG, KEY, endpoint=f"{KEY}://example.com/"),
        lambda: Credentials(ORG, KEY, endpoint=f"https://example.com:{KEY}/"),
        lambda: Credentials(ORG, KEY, endpoint=f"https://example.com/#{KEY}"),
        lambda: Credentials.from_env(env={"SEEKA_PUBLIC_KEY": KEY}),
        lambda: Credentials.from_env(env={"SEEKA_ORG_ID": ORG, "SEEKA_PUBLIC_KEY": KEY + "\x00"}),
        lambda: Credentials(ORG, KEY).with_endpoint(f"ftp://{KEY}/"),
    ]
    for call in calls:
        failure(call)


@pytest.mark.parametrize(
    ("key", "masked"),
    [
        (KEY, "••••a1b2"),
        ("123456789abc", "••••9abc"),  # 12 characters: the last 4 show
        ("123456789ab", "••••"),  # 11: nothing shows
        ("k", "••••"),
    ],
)
def test_masked_key(key: str, masked: str) -> None:
    assert Credentials(ORG, key).masked_key == masked


def test_key_fingerprint() -> None:
    creds = Credentials(ORG, KEY)
    expected = hashlib.sha256(f"{ORG}\0{KEY}".encode()).hexdigest()[:16]
    assert creds.key_fingerprint == expected
    assert len(expected) == 16 and int(expected, 16) >= 0
    assert Credentials(ORG, KEY).key_fingerprint == expected  # stable
    assert creds.with_endpoint(SANDBOX).key_fingerprint == expected  # names the key only
    others = {
        Credentials("org-other", KEY).key_fingerprint,
        Credentials(ORG, KEY + "x").key_fingerprint,
        Credentials(ORG + "p", KEY[1:]).key_fingerprint,  # same concatenation, other split
        expected,
    }
    assert len(others) == 4
    assert KEY not in expected
