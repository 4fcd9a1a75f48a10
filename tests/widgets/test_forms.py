"""The notebook forms, headless: set widget values, click buttons, read what they show."""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime

import pytest
from ipywidgets.embed import dependency_state

import seeka_nb
from seeka_nb import ConfigurationError, ConsentError, Credentials, SeekaError, schema
from seeka_nb.core.consent import TCString
from seeka_nb.widgets import ConsentForm, CredentialsForm

NO_ENV: dict[str, str] = {}
GOOD = "iabgpp-es-tcfeuv2-vendors-11-28-29"  # policy 5, one warning (vendor list version 0)
OLD = "iab-spec-v2.3-example"  # decodes; policy version 2 is an error
V1 = "iabtcf-es-issue-156-tcf-v1"


def _widget_state(form: object) -> str:
    """Everything the notebook could save about the form's widgets, as JSON text."""
    return json.dumps(dependency_state(form.widget), ensure_ascii=False)  # type: ignore[attr-defined]


def _shown(form: object) -> str:
    return repr(form) + str(form) + _widget_state(form)


# -- CredentialsForm ---------------------------------------------------------------------------
def test_credentials_form_starts_incomplete_and_says_what_is_missing() -> None:
    form = CredentialsForm(env=NO_ENV, dotenv_path=False)
    assert "incomplete" in form.status.value
    assert "organisation ID" in form.status.value and "public key" in form.status.value
    with pytest.raises(SeekaError, match="organisation ID and the public key"):
        form.credentials  # noqa: B018
    form.use_button.click()
    assert "seeka-status-error" in form.status.value
    assert form.endpoint.value == "production"
    assert form.endpoint_url.value == schema.INGEST_URL and form.endpoint_url.disabled


def test_typed_key_leaves_the_widget_at_once_and_use_builds_credentials(fake_key: str) -> None:
    seen: list[Credentials] = []
    form = CredentialsForm(env=NO_ENV, dotenv_path=False, on_use=seen.append)
    form.org_id.value = "org-123"
    form.public_key.value = fake_key + "\n"  # pasted with a newline
    assert form.public_key.value == ""  # cleared: only Python holds the key
    assert "••••4242" in form.key_hint.value and "••••4242" in form.public_key.placeholder
    assert "Complete" in form.status.value
    form.use_button.click()
    assert "seeka-status-ok" in form.status.value
    assert "org-123" in form.status.value and "••••4242" in form.status.value
    assert form.public_key.value == ""
    creds = form.credentials
    assert creds == Credentials("org-123", fake_key)
    assert seen == [creds]
    assert repr(form) == (
        f"CredentialsForm(org_id='org-123', public_key='••••4242', endpoint='{schema.INGEST_URL}')"
    )
    assert fake_key not in _shown(form)
    assert fake_key[:12] not in _widget_state(form)


def test_a_new_key_replaces_the_old_one(fake_key: str) -> None:
    form = CredentialsForm(env=NO_ENV, dotenv_path=False)
    form.org_id.value = "org-1"
    form.public_key.value = "pk_test_first_key_000011"
    form.public_key.value = fake_key
    assert form.use().public_key == fake_key
    assert "0011" not in form.key_hint.value


def test_bad_values_are_reported_without_the_key() -> None:
    form = CredentialsForm(env=NO_ENV, dotenv_path=False)
    form.org_id.value = "org-1"
    bad_key = "pk_test_has a space_123456"
    form.public_key.value = bad_key
    assert "seeka-status-error" in form.status.value and "a space" in form.status.value
    with pytest.raises(ConfigurationError):
        form.use()
    assert bad_key not in _shown(form)
    form.public_key.value = "pk_test_fine_0123456789"
    form.endpoint.value = "custom"
    assert not form.endpoint_url.disabled and form.endpoint_url.value == ""
    assert "the endpoint URL" in form.status.value
    form.endpoint_url.value = "http://ingest.example.com/api/ingest"
    assert "HTTPS only" in form.status.value
    form.endpoint_url.value = "https://ingest.example.com/api/ingest"
    assert form.use().endpoint == "https://ingest.example.com/api/ingest"
    form.integration_name.value = "acme/server"
    assert "must not contain '/'" in html.unescape(form.status.value)
    form.integration_name.value = "  "  # blank: the default
    form.integration_version.value = "2.0"
    creds = form.use()
    assert (creds.integration_name, creds.integration_version) == ("seeka-nb", "2.0")


def test_read_from_environment_keeps_the_key_in_python_only(fake_key: str) -> None:
    env = {
        "SEEKA_ORG_ID": "org-env",
        "SEEKA_PUBLIC_KEY": fake_key,
        "SEEKA_ENDPOINT": "https://ingest.example.com/api/ingest",
        "SEEKA_INTEGRATION_NAME": "acme",
    }
    form = CredentialsForm(env=env, dotenv_path=False)
    form.env_button.click()
    assert form.org_id.value == "org-env" and form.integration_name.value == "acme"
    assert form.endpoint.value == "custom"
    assert form.endpoint_url.value == "https://ingest.example.com/api/ingest"
    assert form.public_key.value == "" and "••••4242" in form.key_hint.value
    assert "Read from the environment" in form.status.value
    form.use_button.click()
    assert form.credentials == Credentials(
        "org-env", fake_key, integration_name="acme", endpoint=env["SEEKA_ENDPOINT"]
    )
    assert fake_key not in _shown(form)


def test_read_from_environment_says_what_is_missing() -> None:
    form = CredentialsForm(env={"SEEKA_ORG_ID": "org-env"}, dotenv_path=False)
    form.env_button.click()
    assert "seeka-status-error" in form.status.value
    assert "SEEKA_PUBLIC_KEY" in form.status.value
    assert form.org_id.value == ""  # nothing filled from an incomplete environment


def test_a_running_sandbox_is_offered_and_selected(sandbox: seeka_nb.Sandbox) -> None:
    form = CredentialsForm(sandbox=sandbox, env=NO_ENV, dotenv_path=False)
    assert [value for _label, value in form.endpoint.options] == [
        "production",
        "sandbox",
        "custom",
    ]
    assert form.endpoint.value == "sandbox"
    assert form.endpoint_url.value == sandbox.ingest_url
    form.endpoint.value = "production"
    form.org_id.value = "org-1"
    form.public_key.value = "pk_test_0123456789abcdef"
    form.endpoint.value = "sandbox"
    assert form.use().endpoint == sandbox.ingest_url
    env = {
        "SEEKA_ORG_ID": "o",
        "SEEKA_PUBLIC_KEY": "pk_test_0123456789abcdef",
        "SEEKA_ENDPOINT": sandbox.ingest_url,
    }
    other = CredentialsForm(sandbox=sandbox, env=env, dotenv_path=False)
    other.endpoint.value = "production"
    other.read_env()
    assert other.endpoint.value == "sandbox"


def test_a_stopped_sandbox_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="not running"):
        CredentialsForm(sandbox=seeka_nb.Sandbox())


# -- ConsentForm -------------------------------------------------------------------------------
def test_consent_form_decodes_and_summarises_a_real_string(tc_vectors: dict[str, str]) -> None:
    form = ConsentForm(now=lambda: datetime(2025, 7, 1, tzinfo=UTC))
    assert form.result is None and "Paste a TC string" in form.verdict.value
    form.tc_string.value = tc_vectors[GOOD] + "\n"
    assert isinstance(form.result, TCString)
    assert form.result.cmp_id == 10 and form.result.policy_version == 5
    assert "seeka-verdict-warning" in form.verdict.value and "1 warning" in form.verdict.value
    summary = form.summary.value
    for text in (
        "Policy version</th><td style='text-align:left'>5",
        "2022-02-01 00:00:00 UTC",
        "CMP 10",
        "1. Store and/or access information on a device",
        "6. Use profiles to select personalised content",
        "Vendors consented</th><td style='text-align:left'>3",
        "Vendors disclosed</th><td style='text-align:left'>6",
    ):
        assert text in summary, text
    assert "vendor_list_version" in form.findings.value
    assert [i.code for i in form.issues] == ["vendor_list_version"]
    assert repr(form) == "ConsentForm(0 errors, 1 warning)"
    assert form.apply_button.layout.display == "none"  # no events to apply to
    with pytest.raises(ConfigurationError, match="no events"):
        form.apply()


def test_consent_form_verdicts(tc_vectors: dict[str, str]) -> None:
    form = ConsentForm(now=lambda: datetime(2025, 7, 1, tzinfo=UTC))
    form.tc_string.value = tc_vectors[OLD]
    assert form.result is not None  # it decodes...
    assert "seeka-verdict-error" in form.verdict.value  # ...but fails the policy checks
    assert "policy_version" in form.findings.value
    form.tc_string.value = tc_vectors[V1]
    assert form.result is None and "TCF v1 is not supported" in form.verdict.value
    form.tc_string.value = "not a consent string!"
    assert form.result is None and "seeka-verdict-error" in form.verdict.value
    assert form.summary.value == "" and repr(form) == "ConsentForm(malformed)"
    form.tc_string.value = tc_vectors[GOOD][:20]  # truncated
    assert form.result is None and "seeka-verdict-error" in form.verdict.value
    form.tc_string.value = ""
    assert form.result is None and form.issues == [] and repr(form) == "ConsentForm(empty)"


def test_consent_form_checks_times_with_its_clock(tc_vectors: dict[str, str]) -> None:
    form = ConsentForm(now=lambda: datetime(2021, 1, 1, tzinfo=UTC))
    form.tc_string.value = tc_vectors[GOOD]
    assert "created_in_future" in [i.code for i in form.issues]
    assert "seeka-verdict-error" in form.verdict.value


class FakeEvents:
    """Stands in for Events: records with_consent calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, bool]] = []

    def with_consent(self, tc_string: str, *, only_missing: bool = True) -> FakeEvents:
        self.calls.append((tc_string, only_missing))
        return self

    def __len__(self) -> int:
        return 7


def test_apply_to_events_calls_with_consent(tc_vectors: dict[str, str]) -> None:
    fake = FakeEvents()
    form = ConsentForm(fake)
    assert form.apply_button.disabled and form.apply_button.layout.display == ""
    form.tc_string.value = "  " + tc_vectors[GOOD] + "\n"
    assert not form.apply_button.disabled
    form.apply_button.click()
    assert fake.calls == [(tc_vectors[GOOD], True)]
    assert form.events is fake and "Applied" in form.status.value
    form.apply(only_missing=False)
    assert fake.calls[-1] == (tc_vectors[GOOD], False)
    form.tc_string.value = tc_vectors[OLD]
    assert form.apply_button.disabled
    with pytest.raises(ConsentError, match="policy_version"):
        form.apply()
    form.apply_button.click()  # refused in the status line, no call
    assert len(fake.calls) == 2 and "Not applied" in form.status.value


def test_apply_to_real_events(tc_vectors: dict[str, str], events: seeka_nb.Events) -> None:
    form = ConsentForm(events)
    form.tc_string.value = tc_vectors[GOOD]
    applied = form.apply()
    assert applied is form.events and applied is not events
    bodies = applied.to_list()
    assert bodies and all(
        b["ev"]["id"]["privacy"]["tcfConsentString"] == tc_vectors[GOOD] for b in bodies
    )
