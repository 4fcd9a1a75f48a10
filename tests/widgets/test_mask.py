"""Masking of personal data in widget outputs: invariants over generated values."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from seeka_nb.widgets._mask import MASK, mask_body, mask_text, mask_value

TEXT = st.text(st.characters(blacklist_characters="•", blacklist_categories=("Cs",)), min_size=2)


@given(TEXT)
def test_a_masked_value_never_contains_the_value(value: str) -> None:
    if value.strip() and len(value.strip()) >= 2:
        shown = mask_value(value)
        assert value.strip() not in shown and MASK in shown


@settings(max_examples=1000)
@given(st.emails(), st.text(max_size=20), st.text(max_size=20))
def test_emails_in_free_text_are_masked(email: str, before: str, after: str) -> None:
    shown = mask_text(f"{before} {email} {after}")
    assert f" {email} " not in shown


@given(st.lists(TEXT, min_size=1, max_size=5))
def test_every_identity_string_of_a_body_is_masked(names: list[str]) -> None:
    body = {
        "data": [
            {
                "ev": {
                    "id": {
                        "firstName": names,
                        "address": [{"addressLine1": n, "countryCode": "AU"} for n in names],
                        "privacy": {"tcfConsentString": "CQ.TC"},
                    },
                    "payload": {"activityId": "A1"},
                }
            }
        ]
    }
    shown = mask_body(body)["data"][0]["ev"]
    ident = shown["id"]
    for n, m in zip(names, ident["firstName"], strict=True):
        assert n.strip() == "" or (m != n and MASK in m)
    assert all(a["countryCode"] == "AU" for a in ident["address"])
    assert ident["privacy"]["tcfConsentString"] == "CQ.TC"  # not personal: shown as it is
    assert (
        shown["payload"] == {"activityId": "A1"}
        and body["data"][0]["ev"]["id"]["firstName"] == names
    )
