"""Notebook forms (layer 5): the only part of seeka_nb that imports ipywidgets.

``from seeka_nb.widgets import CredentialsForm, ConsentForm, SendPanel``:

- :class:`CredentialsForm` — org ID, public key, integration, endpoint; ``form.credentials``.
  The key is moved out of the Password widget as soon as it arrives, so it never reaches a
  saved notebook (widget state included).
- :class:`ConsentForm` — decode and check a TCF consent string; apply it to events.
- :class:`SendPanel` — a compact card: one-line summary, where the send goes and the consent
  the events carry (live from linked forms: ``SendPanel(events, form, consent=consent_form)``),
  Issues / Duplicates / Preview / Report tabs with personal data masked, Send (or dry run) in
  a background thread with Stop, progress (count, rate, time left), a confirmation before
  Seeka production and a final line saying what needs attention.

Each form is displayed by making it a cell's last expression (``form.widget`` is its
ipywidgets box) and fills from code through its public widget attributes.  Modules:
``credentials_form``, ``consent_form``, ``send_panel`` (+ ``_sending``: the background send,
``_panel_views``: its HTML), ``_mask`` (masked personal data), ``_theme`` (stylesheet on
JupyterLab's theme variables), ``_common`` (status lines, tables).
"""

from __future__ import annotations

from .consent_form import ConsentForm
from .credentials_form import CredentialsForm
from .send_panel import SendPanel

__all__ = ["ConsentForm", "CredentialsForm", "SendPanel"]
