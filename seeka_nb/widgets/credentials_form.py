"""``CredentialsForm``: Seeka credentials typed into a notebook, the key kept out of it (layer 5).

Widgets (public attributes, so code and tests can fill the form):

- ``org_id`` (Text), ``public_key`` (Password), ``integration_name`` and
  ``integration_version`` (Text, pre-filled with the defaults; blank means default);
- ``endpoint`` (ToggleButtons): ``"production"`` (Seeka), ``"sandbox"`` (offered only when a
  running :class:`~seeka_nb.Sandbox` is given, and then selected) or ``"custom"``;
- ``endpoint_url`` (Text): the URL the choice sends to; editable only for ``"custom"``;
- ``env_button`` ("Read from environment"), ``use_button`` ("Use these"), ``key_hint`` and
  ``status`` (HTML lines).

How the key is kept out of the saved notebook: widget values are synchronised to the
notebook's widget state, which JupyterLab and nbclient can save into the ``.ipynb``.  The
Password widget therefore never *keeps* the key: it syncs only on Enter or when it loses
focus (``continuous_update=False``), and as soon as a value arrives the form moves it into
a private Python attribute and clears the widget, showing ``••••a1b2`` instead.  A key read
from the environment goes straight into Python and never into a widget.  ``repr``, the
status line and the hint show at most :attr:`~seeka_nb.Credentials.masked_key`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any, Literal

import ipywidgets as w

from .. import schema
from ..adapters.sandbox import Sandbox
from ..credentials import PACKAGE_VERSION, Credentials, mask_key
from ..errors import ConfigurationError
from ._common import Level, guarded, status_html
from ._theme import stylesheet
from .static_view import mimebundle

__all__ = ["CredentialsForm"]

_LABEL_STYLE = {"description_width": "10em"}
_WIDE = w.Layout(width="40em")


class CredentialsForm:
    """A form for :class:`~seeka_nb.Credentials`; ``form.credentials`` returns them.

    >>> form = CredentialsForm()
    >>> form.org_id.value = "org-123"
    >>> form.public_key.value = "pk_live_0123456789abcdef"   # moved out of the widget at once
    >>> form.public_key.value, form.use().masked_key
    ('', '••••cdef')

    ``sandbox``: a running :class:`~seeka_nb.Sandbox` to offer (and select) as the endpoint.
    ``env`` and ``dotenv_path`` are passed to :meth:`Credentials.from_env` by "Read from
    environment".  ``on_use``: called with the credentials after each successful "Use these".
    Display the form by making it a cell's last expression.
    """

    def __init__(
        self,
        *,
        sandbox: Sandbox | None = None,
        env: Mapping[str, str] | None = None,
        dotenv_path: str | os.PathLike[str] | Literal[False] | None = None,
        on_use: Callable[[Credentials], Any] | None = None,
    ) -> None:
        self._key = ""
        self._env = env
        self._dotenv_path = dotenv_path
        self._callbacks: list[Callable[[Credentials], Any]] = [on_use] if on_use else []
        self._urls = {"production": schema.INGEST_URL}
        options = [("Seeka production", "production")]
        if sandbox is not None:
            if not sandbox.running:
                raise ConfigurationError(
                    "The sandbox is not running: start it first (sb.start(), or "
                    "`with Sandbox() as sb:`), then build the form."
                )
            self._urls["sandbox"] = sandbox.ingest_url
            options.append(("Local sandbox", "sandbox"))
        options.append(("Custom URL", "custom"))
        self._custom_url = ""

        text = {"style": _LABEL_STYLE, "layout": _WIDE}
        self.org_id = w.Text(description="Organisation ID", placeholder="from Seeka", **text)
        self.public_key = w.Password(
            description="Public key",
            placeholder="paste the key and press Enter",
            continuous_update=False,
            **text,
        )
        self.key_hint = w.HTML(layout=w.Layout(margin="0 0 0 10.5em"))
        self.integration_name = w.Text(
            value=schema.DEFAULT_INTEGRATION_NAME, description="Integration name", **text
        )
        self.integration_version = w.Text(
            value=PACKAGE_VERSION, description="Integration version", **text
        )
        self.endpoint = w.ToggleButtons(
            options=options, value="sandbox" if sandbox is not None else "production"
        )
        self.endpoint_url = w.Text(description="URL", **text)
        self.env_button = w.Button(
            description="Read from environment",
            icon="download",
            tooltip="SEEKA_ORG_ID, SEEKA_PUBLIC_KEY, SEEKA_ENDPOINT... (and ./.env)",
            layout=w.Layout(width="auto"),
        )
        self.use_button = w.Button(
            description="Use these", button_style="primary", icon="check", tooltip="Check them"
        )
        self.status = w.HTML()
        self.widget = w.VBox(
            [
                stylesheet(),
                w.HTML("<b>Seeka credentials</b>"),
                self.org_id,
                self.public_key,
                self.key_hint,
                self.integration_name,
                self.integration_version,
                # A label of its own: the ToggleButtons' description wraps above its buttons.
                w.HBox(
                    [w.Label("Endpoint", layout=w.Layout(width="10em", flex="none")), self.endpoint]
                ),
                self.endpoint_url,
                w.HBox([self.env_button, self.use_button]),
                self.status,
            ]
        )
        self.widget.add_class("seeka-credentials-form")

        self.public_key.observe(self._on_key, names="value")
        self.endpoint.observe(self._on_endpoint, names="value")
        self.endpoint_url.observe(self._on_url, names="value")
        for field in (self.org_id, self.integration_name, self.integration_version):
            field.observe(lambda _change: self._refresh(), names="value")
        self.env_button.on_click(guarded(lambda _b: self.read_env(), self._show))
        self.use_button.on_click(guarded(lambda _b: self.use(), self._show))
        self._on_endpoint({"new": self.endpoint.value})
        self._show_key_hint()
        self._refresh()

    # -- the result ---------------------------------------------------------------------------
    @property
    def credentials(self) -> Credentials:
        """:class:`~seeka_nb.Credentials` from the form as it is now.

        Raises :class:`~seeka_nb.errors.ConfigurationError` saying what is missing or wrong.
        """
        missing = []
        if not self.org_id.value.strip():
            missing.append("the organisation ID")
        if not self._key.strip():
            missing.append("the public key (paste it, then press Enter)")
        if self.endpoint.value == "custom" and not self.endpoint_url.value.strip():
            missing.append("the endpoint URL")
        if missing:
            raise ConfigurationError(
                f"Seeka credentials are incomplete in the credentials form: enter "
                f"{_join(missing)}, or click 'Read from environment' (SEEKA_ORG_ID, "
                "SEEKA_PUBLIC_KEY...)."
            )
        values = {
            "org_id": self.org_id.value,
            "public_key": self._key,
            "endpoint": self._url(),
        }
        for name in ("integration_name", "integration_version"):
            value = getattr(self, name).value
            if value.strip():  # blank: the default
                values[name] = value
        return Credentials(**values)

    def use(self) -> Credentials:
        """What "Use these" does: check the form, show the result, call ``on_use`` callbacks."""
        try:
            creds = self.credentials
        except ConfigurationError as exc:
            self._show("error", str(exc))
            raise
        self._show(
            "ok",
            f"Using org {creds.org_id} with key {creds.masked_key}, sending to "
            f"{creds.endpoint} as {creds.client_type} {creds.integration_version}.",
        )
        for callback in self._callbacks:
            callback(creds)
        return creds

    def on_use(self, callback: Callable[[Credentials], Any]) -> None:
        """Call ``callback(credentials)`` after each successful "Use these"."""
        self._callbacks.append(callback)

    def read_env(self) -> Credentials:
        """What "Read from environment" does: :meth:`Credentials.from_env`, then fill the form.

        The key goes into Python only; the other values fill their fields.
        """
        try:
            creds = Credentials.from_env(env=self._env, dotenv_path=self._dotenv_path)
        except ConfigurationError as exc:
            self._show("error", str(exc))
            raise
        self._key = creds.secret_key.reveal()
        self.public_key.value = ""
        self.org_id.value = creds.org_id
        self.integration_name.value = creds.integration_name
        self.integration_version.value = creds.integration_version
        choice = next((k for k, url in self._urls.items() if url == creds.endpoint), "custom")
        if choice == "custom":
            self._custom_url = creds.endpoint
        self.endpoint.value = choice
        self.endpoint_url.value = self._urls.get(choice, creds.endpoint)
        self._show_key_hint()
        self._show(
            "ok",
            f"Read from the environment: org {creds.org_id}, key {creds.masked_key} (kept in "
            "Python only). Click 'Use these' to confirm.",
        )
        return creds

    # -- display ------------------------------------------------------------------------------
    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return mimebundle(self, self.widget, **kwargs)

    def __repr__(self) -> str:
        return (
            f"CredentialsForm(org_id={self.org_id.value!r}, public_key={self._masked()!r}, "
            f"endpoint={self._url()!r})"
        )

    # -- events -------------------------------------------------------------------------------
    def _on_key(self, change: Mapping[str, Any]) -> None:
        value = change["new"]
        if not value:
            return
        self._key = value
        self.public_key.value = ""  # the key must not stay in the widget state
        self._show_key_hint()
        self._refresh()

    def _on_endpoint(self, change: Mapping[str, Any]) -> None:
        choice = change["new"]
        custom = choice == "custom"
        self.endpoint_url.disabled = not custom
        self.endpoint_url.placeholder = "https://… (http:// only on 127.0.0.1)" if custom else ""
        self.endpoint_url.value = self._custom_url if custom else self._urls[choice]
        self._refresh()

    def _on_url(self, change: Mapping[str, Any]) -> None:
        if self.endpoint.value == "custom":
            self._custom_url = change["new"]
        self._refresh()

    def _url(self) -> str:
        choice = self.endpoint.value
        return self.endpoint_url.value.strip() if choice == "custom" else self._urls[choice]

    def _masked(self) -> str:
        return mask_key(self._key) if self._key else ""

    def _show_key_hint(self) -> None:
        if self._key:
            masked = self._masked()
            self.key_hint.value = (
                f"<small style='line-height:1.4'>key {masked} received: kept in Python only, "
                "never in the notebook (type a new one to replace it)</small>"
            )
            self.public_key.placeholder = f"{masked} (received)"
        else:
            self.key_hint.value = (
                "<small style='line-height:1.4'>the key is moved out of the form once entered"
                "</small>"
            )
            self.public_key.placeholder = "paste the key and press Enter"

    def _refresh(self) -> None:
        """Live status: what is missing or wrong, or that the form is ready."""
        try:
            self.credentials  # noqa: B018 - validation only
        except ConfigurationError as exc:
            self._show("warning" if "incomplete" in str(exc) else "error", str(exc))
        else:
            self._show("info", "Complete: click 'Use these'.")

    def _show(self, level: Level, text: str) -> None:
        self.status.value = status_html(level, text)


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
