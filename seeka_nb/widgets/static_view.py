"""A static HTML picture of a form, for readers without a running kernel (layer 5).

GitHub and nbviewer cannot draw a widget whose state is not saved (and ours is never
saved: it could carry secrets), so a form's display also carries ``text/html``: a
read-only snapshot of its boxes, labels, fields and buttons, drawn from the widget tree.
JupyterLab prefers the live widget; readers elsewhere see the snapshot instead of
``VBox(children=(HTML(value=...`` text.  A ``Password`` field is always drawn empty.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as w

__all__ = ["mimebundle", "static_html"]

_FIELD = (
    "display:inline-block;min-width:220px;padding:2px 6px;border:1px solid #d0d7de;"
    "border-radius:3px;background:#fff;font-family:monospace;font-size:12px;"
    "white-space:pre-wrap;word-break:break-all;vertical-align:middle"
)
_BUTTON = (
    "display:inline-block;padding:3px 10px;margin:2px 4px 2px 0;border:1px solid #d0d7de;"
    "border-radius:4px;background:#f6f8fa;font-size:12px"
)
_CHOSEN = "background:#ddf4ff;border-color:#0969da;font-weight:600"
_LABEL = "display:inline-block;min-width:120px;color:#57606a;font-size:12px;margin-right:6px"


def _hidden(widget: w.Widget) -> bool:
    layout = getattr(widget, "layout", None)
    return bool(layout is not None and (layout.display == "none" or layout.visibility == "hidden"))


def _row(description: str, inner: str) -> str:
    label = f"<span style='{_LABEL}'>{html.escape(description)}</span>" if description else ""
    return f"<div style='margin:2px 0'>{label}{inner}</div>"


def _render(widget: w.Widget) -> str:
    if _hidden(widget):
        return ""
    esc = html.escape
    if isinstance(widget, w.Box):
        inner = "".join(_render(child) for child in widget.children)
        if isinstance(widget, w.HBox):
            return f"<div style='display:flex;gap:6px;align-items:center'>{inner}</div>"
        return f"<div>{inner}</div>"
    if isinstance(widget, w.HTML | w.HTMLMath):
        return f"<div>{widget.value}</div>"  # our own markup, already escaped where needed
    if isinstance(widget, w.Label):
        return f"<div>{esc(str(widget.value))}</div>"
    if isinstance(widget, w.Password):
        return _row(widget.description, f"<span style='{_FIELD}'>&nbsp;</span>")
    if isinstance(widget, w.Text | w.Textarea):
        shown = esc(str(widget.value)) or (
            f"<span style='color:#8c959f'>{esc(str(widget.placeholder or ''))}</span>"
        )
        return _row(widget.description, f"<span style='{_FIELD}'>{shown or '&nbsp;'}</span>")
    if isinstance(widget, w.Checkbox):
        mark = "☑" if widget.value else "☐"
        return f"<div>{mark} {esc(widget.description)}</div>"
    if isinstance(widget, w.Button):
        return f"<span style='{_BUTTON}'>{esc(widget.description)}</span>"
    if isinstance(widget, w.ToggleButtons | w.RadioButtons):
        options = "".join(
            f"<span style='{_BUTTON}{_CHOSEN if label == widget.label else ''}'>"
            f"{esc(str(label))}</span>"
            for label in widget._options_labels
        )
        return _row(widget.description, options)
    if isinstance(widget, w.Dropdown | w.Select):
        return _row(widget.description, f"<span style='{_FIELD}'>{esc(str(widget.label))} ▾</span>")
    if isinstance(widget, w.IntProgress | w.FloatProgress):
        span = (widget.max - widget.min) or 1
        share = max(0.0, min(1.0, (widget.value - widget.min) / span))
        return _row(
            widget.description,
            "<span style='display:inline-block;width:220px;height:10px;background:#eaeef2'>"
            f"<span style='display:block;width:{share * 100:.0f}%;height:10px;"
            "background:#1a7f37'></span></span>",
        )
    return ""


def static_html(widget: w.Widget, title: str = "") -> str:
    """The read-only snapshot of ``widget`` (see the module docstring)."""
    note = (
        "<div style='color:#57606a;font-size:11px;margin-bottom:4px'>Static view of "
        f"{html.escape(title or 'the form')}: run the notebook to use it.</div>"
    )
    return (
        "<div style='font-family:system-ui,-apple-system,Segoe UI,sans-serif;font-size:13px;"
        "border:1px solid #d0d7de;border-radius:6px;padding:8px 10px;max-width:720px'>"
        f"{note}{_render(widget)}</div>"
    )


def mimebundle(form: Any, widget: w.Widget, **kwargs: Any) -> dict[str, Any]:
    """The live widget for JupyterLab, plus ``text/html`` (the snapshot) and a ``text/plain``
    that is the form's own repr, for readers without a kernel."""
    bundle = widget._repr_mimebundle_(**kwargs)
    if not isinstance(bundle, dict):
        return bundle
    bundle = dict(bundle)
    bundle["text/html"] = static_html(widget, type(form).__name__)
    bundle["text/plain"] = repr(form)
    return bundle
