"""Notebook forms (layer 5): the only part of seeka_nb that imports ipywidgets.

``from seeka_nb.widgets import CredentialsForm, ConsentForm, SendPanel``:

- :class:`CredentialsForm` — org ID, public key, integration, endpoint; ``form.credentials``.
  The key is moved out of the Password widget as soon as it arrives, so it never reaches a
  saved notebook (widget state included).
- :class:`ConsentForm` — decode and check a TCF consent string; apply it to events.
- :class:`SendPanel` — the events' summary, issues, duplicates and first request body, then
  Send (or dry run) with a progress bar and the report.

Each form is displayed by making it a cell's last expression (``form.widget`` is its
ipywidgets box) and fills from code through its public widget attributes.  Modules:
``credentials_form``, ``consent_form``, ``send_panel``, ``_common`` (status lines, tables).
"""

from __future__ import annotations

from .consent_form import ConsentForm
from .credentials_form import CredentialsForm
from .send_panel import SendPanel

__all__ = ["ConsentForm", "CredentialsForm", "SendPanel"]
