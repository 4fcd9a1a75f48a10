"""The static picture of a form (``text/html`` for GitHub/nbviewer) never shows a key."""

from __future__ import annotations

import ipywidgets as w

import seeka_nb
from seeka_nb.widgets import CredentialsForm
from seeka_nb.widgets.static_view import static_html


def test_a_password_is_drawn_empty_and_text_is_escaped() -> None:
    box = w.VBox(
        [
            w.HTML("<b>Title</b>"),
            w.Text(description="Org", value="<org&1>"),
            w.Password(description="Key", value="pk_test_SECRET_9876"),
            w.HBox([w.Button(description="Go"), w.Checkbox(description="Sure", value=True)]),
        ]
    )
    page = static_html(box, "TestForm")
    assert "pk_test_SECRET_9876" not in page and "9876" not in page
    assert "&lt;org&amp;1&gt;" in page and "<b>Title</b>" in page and "Go" in page
    assert "Static view of TestForm" in page


def test_forms_carry_a_static_view_and_their_own_repr(fake_key: str) -> None:
    with seeka_nb.Sandbox(rate_limit=None) as sb:
        form = CredentialsForm(sandbox=sb, env={}, dotenv_path=False)
        form.org_id.value = "org-static"
        form.public_key.value = fake_key
        bundle = form._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "org-static" in bundle["text/html"]
    assert bundle["text/plain"].startswith("CredentialsForm(")
    assert fake_key not in str(bundle) and fake_key[-8:] not in str(bundle)
