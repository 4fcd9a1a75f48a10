"""Text rules of the identity and mapping core: international emails, duplicate headers."""

from __future__ import annotations

import email_validator
import numpy as np
import pandas as pd
import pytest
from helpers import issue_rows
from hypothesis import given, settings
from hypothesis import strategies as st

from seeka_nb import MappingError
from seeka_nb.core.identity import _email_values
from seeka_nb.core.mapping import duplicate_columns


def frame(emails: list[str]) -> pd.DataFrame:
    n = len(emails)
    return pd.DataFrame(
        {
            "order_id": [f"A{i}" for i in range(n)],
            "created_at": ["2025-01-01T00:00:00Z"] * n,
            "total": [10.0] * n,
            "currency": ["EUR"] * n,
            "email": emails,
        }
    )


@pytest.mark.parametrize(
    ("address", "sent"),
    [
        ("tést@gmail.com", "tést@gmail.com"),
        ("te\u0301st@gmail.com", "tést@gmail.com"),  # decomposed é: NFC
        ("a" * 64 + "@example.com", "a" * 64 + "@example.com"),
        ("a" * 65 + "@example.com", None),  # local part over 64 characters
        ("a@" + "b" * 63 + ".com", "a@" + "b" * 63 + ".com"),
        ("a@" + "b" * 64 + ".com", None),  # label over 63 characters
        ("a" * 60 + "@" + ".".join(["b" * 60] * 4) + ".com", None),  # address over 254
        ("user@münchen.de", "user@münchen.de"),
        ("User@MÜNCHEN.de", "user@münchen.de"),
        ("a@xn--mnchen-3ya.de", "a@münchen.de"),
        ("  <Jane.Doe@Example.COM> ", "jane.doe@example.com"),
        ("δοκιμή@παράδειγμα.δοκιμή", "δοκιμή@παράδειγμα.δοκιμή"),
        ("a..b@example.com", None),
        (".a@example.com", None),
        ("a.@example.com", None),
        ("a@example..com", None),
        ("a@localhost", None),
        ("a@b", None),
        ("a@host.local", None),
        ("not an email", None),
    ],
)
def test_international_emails_valid_and_malformed_ones_not(address, sent):
    out, invalid = _email_values(np.array([address], dtype=object))
    assert out[0] == sent
    assert bool(invalid[0]) is (sent is None)


def test_international_emails_reach_the_event_and_bad_ones_are_reported():
    df = frame(["tést@gmail.com", "a..b@example.com", "user@münchen.de"])
    events = df.seeka.to_events()
    assert issue_rows(events, "invalid_email") == [1]
    messages = " ".join(events.issues["message"])
    assert "a..b" not in messages  # messages never quote personal data
    sent = b"".join(events.encoded_batches()).decode("utf-8")
    assert "tést@gmail.com" in sent and "user@münchen.de" in sent and "a..b" not in sent


LOCAL = st.text(alphabet="abcXYZ09.-_+!é", min_size=0, max_size=12)
DOMAIN = st.sampled_from(
    ["example.com", "münchen.de", "a..b.com", "localhost", "x.local", "-a.com", "b.co", "é.fr"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(LOCAL, DOMAIN), min_size=1, max_size=8))
def test_international_emails_fast_path_agrees_with_email_validator(pairs):
    """The per-domain shortcut for plain local parts decides exactly as the validator."""
    addresses = [f"{local}@{domain}" for local, domain in pairs]
    out, invalid = _email_values(np.array(addresses, dtype=object))
    for address, got, bad in zip(addresses, out, invalid, strict=True):
        try:
            checked = email_validator.validate_email(
                address, check_deliverability=False, strict=True
            )
            want = str(checked.normalized).lower()
        except email_validator.EmailNotValidError:
            want = None
        assert got == want, address
        assert bool(bad) is (want is None)


def test_duplicate_headers_are_found():
    columns = ["Email", "Total", "Email.1", "Email.2", "Notes.1", "Total"]
    assert duplicate_columns(columns) == {
        "Email": ["Email", "Email.1", "Email.2"],
        "Total": ["Total", "Total"],
    }


def test_duplicate_headers_are_never_silently_mapped():
    df = frame(["a@example.com"]).assign(**{"email.1": ["b@example.com"]})
    cmap = df.seeka.mapping()
    assert "email" not in cmap.fields
    assert cmap.ambiguous["email"] == ("email", "email.1")
    events = df.seeka.to_events()
    row = events.issues[events.issues["code"] == "ambiguous_column"]
    assert len(row) == 1 and "several columns named 'email'" in row["message"].iloc[0]
    chosen = df.seeka.to_events(mapping={"email": "email.1"})  # the user's choice is fine
    assert "ambiguous_column" not in set(chosen.issues["code"])


def test_duplicate_headers_for_a_required_field_are_a_mapping_error(tmp_path):
    from seeka_nb.adapters.readers import read_orders

    path = tmp_path / "dup.csv"
    path.write_bytes(b"Order ID,created_at,Order ID,total\nA1,2025-01-01T00:00:00Z,A2,1\n")
    df = read_orders(path)
    assert df.attrs["seeka_nb"]["duplicate_columns"] == {"Order ID": ["Order ID", "Order ID.1"]}
    with pytest.raises(MappingError, match=r"activityId: several columns match"):
        df.seeka.to_events(currency="EUR")
