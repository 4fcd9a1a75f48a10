"""How the forms look (layer 5): one stylesheet built on JupyterLab's theme variables.

Every colour is a ``var(--jp-…)`` with a fallback for front-ends without them (VS Code,
classic Notebook), so the light and the dark theme both read well: status lines keep the
text in the theme's font colour and put the colour in a symbol badge and a left border;
badges are white on the theme's status colours.  The stylesheet is an HTML widget inside
each form (several copies are harmless: the rules are the same).
"""

from __future__ import annotations

import ipywidgets as w

__all__ = ["LEVEL_CLASS", "stylesheet"]

#: Status level -> (CSS modifier, symbol).
LEVEL_CLASS: dict[str, tuple[str, str]] = {
    "info": ("info", "ℹ"),
    "ok": ("ok", "✓"),
    "warning": ("warn", "⚠"),
    "error": ("error", "✗"),
    "dry": ("dry", "◌"),
}

_CSS = """
.seeka-card { border: 1px solid var(--jp-border-color1, #bbb); border-radius: 6px;
  padding: 6px 10px; margin: 2px 0; background: var(--jp-layout-color0, transparent);
  color: var(--jp-ui-font-color1, inherit); max-width: 64em; }
.seeka-card .seeka-title { font-weight: 600; font-size: 1.05em; }
.seeka-line { line-height: 1.5; color: var(--jp-ui-font-color1, inherit);
  border-left: 3px solid var(--seeka-c, var(--jp-border-color1, #bbb)); padding-left: 6px;
  margin: 2px 0; }
.seeka-sym { display: inline-block; min-width: 1.3em; text-align: center; border-radius: 3px;
  background: var(--seeka-c, #888); color: #fff; font-weight: 700; margin-right: 4px; }
.seeka-info { --seeka-c: var(--jp-info-color1, #0969da); }
.seeka-ok { --seeka-c: var(--jp-success-color1, #1a7f37); }
.seeka-warn { --seeka-c: var(--jp-warn-color1, #9a6700); }
.seeka-error { --seeka-c: var(--jp-error-color1, #cf222e); }
.seeka-dry { --seeka-c: var(--jp-info-color0, #0e7490); }
.seeka-badge { display: inline-block; padding: 0 6px; border-radius: 8px; color: #fff;
  background: var(--seeka-c, #888); font-size: 0.85em; font-weight: 600; }
table.seeka-table { border-collapse: collapse; font-size: var(--jp-ui-font-size1, 13px);
  color: var(--jp-content-font-color1, inherit); }
table.seeka-table th, table.seeka-table td { border: 1px solid var(--jp-border-color2, #ddd);
  padding: 2px 6px; text-align: left; vertical-align: top; }
table.seeka-table th { background: var(--jp-layout-color2, #f3f3f3); }
.seeka-scroll { max-height: 22em; overflow: auto; border: 1px solid
  var(--jp-border-color2, #ddd); border-radius: 4px; }
pre.seeka-json { margin: 0; padding: 6px; font-size: var(--jp-code-font-size, 12px);
  color: var(--jp-content-font-color1, inherit); background: var(--jp-cell-editor-background,
  transparent); }
.seeka-json .k { color: var(--jp-mirror-editor-property-color, #0550ae); }
.seeka-json .s { color: var(--jp-mirror-editor-string-color, #0a3069); }
.seeka-json .n { color: var(--jp-mirror-editor-number-color, #116329); }
.seeka-json .m { color: var(--jp-ui-font-color2, #777); font-style: italic; }
.seeka-muted { color: var(--jp-ui-font-color2, #666); }
.seeka-dryrun .progress-bar { background: repeating-linear-gradient(45deg,
  var(--jp-info-color0, #0e7490) 0 8px, var(--jp-info-color2, #67c6d6) 8px 16px) !important; }
.seeka-credentials-form .widget-toggle-button.mod-active {
  background: var(--jp-brand-color1, #0969da); color: #fff; font-weight: 700;
  box-shadow: inset 0 0 0 2px var(--jp-brand-color0, #0550ae); }
.seeka-credentials-form .widget-toggle-button.mod-active::before { content: "● "; }
.seeka-credentials-form .widget-label, .seeka-send-panel .widget-label {
  text-align: right; padding-right: 8px; }
.seeka-credentials-form .widget-toggle-buttons { align-items: center; }
.seeka-confirm { border: 2px solid var(--jp-warn-color1, #9a6700); border-radius: 6px;
  padding: 4px 8px; }
"""


def stylesheet() -> w.HTML:
    """The stylesheet as an (invisible) HTML widget to put first in a form's box."""
    return w.HTML(f"<style>{_CSS}</style>", layout=w.Layout(height="0px", margin="0"))
