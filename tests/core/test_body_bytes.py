"""The request bodies stay byte-for-byte what they were (issue 17).

Two guards: the SHA-256 of every encoded body of a seeded, varied frame, recorded once from
the dict-based encoder before any speed work (``_RECORDED``; a deliberate change of the
wire format updates them in the same commit, with the reason), and a slow reference
encoder kept here — one dict per event through ``Events.to_list()``, grouped by 20,
``orjson.dumps`` — that every fast path must match exactly, on the seeded frame and on
generated ones.
"""

from __future__ import annotations

import hashlib
import random

import orjson
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from test_properties import order_tables
from varied_frame import MAPPING, varied_frame

import seeka_nb
from seeka_nb.core.body import event_hash, join_events, payload_hash, same_payload

# sha256 of each body of varied_frame() at 20 events per body, recorded from the code of
# main at b8fa4d7 (dict per event, then orjson) before the fragment encoder existed.
_RECORDED = [
    "77bf2f5200720dc6806837c996e1fb4c91f002d6f9bdf19ebb53b1dce64aebe6",
    "35d6e9140da72c1eee702f258ab538ac81b2db62b46ba404b30cb774de21056a",
    "07308cd32715c68c1fc494655c20fb952429c36879243f8ce9a6836b05c52a1e",
    "2b5e9f4a4f54ad668dea891629f868f541bdcb1a008cdaa02e1fb831c1f479e9",
    "1956bfa1cc380d2cc200c796f2a34f13827b5900f7648743c8c7d6dea2db4f7b",
    "212860183d04dae3fec9883cd9b72168d90d397b2734e857a2cb07ab20b62109",
    "6648b66ffd96ac6fca0e8a359f1b1dfe594d5628114d363ec4feb6b8b5445078",
    "c51b85fca01d7643e3827895409f208ead462f4cf63cb446ac26eaa40d928562",
    "77e8493a9592bdb2c092bb9804b4ede111f2339ec3a81960e64c99f80ba43bfb",
    "7c46039998f1f8528fbb6c18a2009e89eae738fc73430f97c6b1c04fd155a3ed",
    "6e442a415aeb1ea182ddc08383b817c900f599344ea9fe126d86d57d28f50763",
    "7eaed1fc60310002d6f558210547a705be1caac3037e379e6e5df3284739c4ae",
]


def _events(df: pd.DataFrame | None = None):
    df = varied_frame() if df is None else df
    return df.seeka.to_events(mapping=MAPPING, tz="Australia/Sydney")


def reference_bodies(events, size: int = 20) -> list[bytes]:
    """The slow reference: one dict per event, ``size`` per body, orjson."""
    evs = events.to_list()
    return [orjson.dumps({"data": evs[i : i + size]}) for i in range(0, len(evs), size)]


def test_bodies_are_the_recorded_bytes() -> None:
    bodies = list(_events().encoded_batches())
    digests = [hashlib.sha256(b).hexdigest() for b in bodies]
    assert digests == _RECORDED


def test_recorded_bodies_cover_every_kind_of_value() -> None:
    """The recorded frame really exercises what a fast encoder could get wrong."""
    text = b"".join(_events().encoded_batches()).decode()
    for needle in (
        '"currencyCode":"JPY"',  # zero-decimal currency
        '"privacy":{"tcfConsentString"',
        '"address":[{',
        '"phone":["+',
        '"brandName"',
        '"productIdentifier":',
        '"totalShippingPrice"',
        "\\n",  # escaped control character
        "“",  # non-ASCII kept as UTF-8
        '\\"Quoted\\"',
    ):
        assert needle in text, needle
    assert '"products":[' in text and '"sku"' in text


def test_fast_bodies_equal_the_reference_at_every_size() -> None:
    events = _events()
    for size in (1, 3, 7, 20):
        assert list(events.encoded_batches(size)) == reference_bodies(events, size), size


def test_decoded_bodies_equal_the_batches() -> None:
    events = _events()
    decoded = [orjson.loads(b) for b in events.encoded_batches()]
    assert decoded == list(events.batches())


@settings(max_examples=40, deadline=None)
@given(order_tables())
def test_fast_bodies_equal_the_reference_on_generated_tables(df: pd.DataFrame) -> None:
    try:
        events = df.seeka.to_events()
    except seeka_nb.SeekaError:
        return
    assert list(events.encoded_batches()) == reference_bodies(events)


def _repeat_customers(df: pd.DataFrame, customers: int = 7) -> pd.DataFrame:
    """The varied frame with most of every order's identity copied from one of a few
    customers; postcode and consent stay the order's own (so identities differ in them)."""
    ident = ["email", "phone", "first_name", "last_name", "address1", "city", "country"]
    order = pd.factorize(df["order_id"])[0]
    first = df.drop_duplicates("order_id")[ident].to_numpy(dtype=object)
    out = df.copy()
    out[ident] = first[(order % customers)]
    return out


def test_repeated_identities_are_encoded_once_with_the_same_bytes() -> None:
    from seeka_nb.core.body import identity_codes

    events = _events(_repeat_customers(varied_frame()))
    codes = identity_codes(events._table)
    assert codes is not None and len(set(codes.tolist())) <= 60  # the fragment path runs
    for size in (1, 7, 20):
        assert list(events.encoded_batches(size)) == reference_bodies(events, size), size


@settings(max_examples=25, deadline=None)
@given(st.randoms(use_true_random=False), st.sampled_from([1, 7, 20]))
def test_any_selection_of_orders_in_any_order_gives_the_dict_bytes(
    rnd: random.Random, size: int
) -> None:
    """Sends pick orders (the not-yet-sent, retries): shuffled, partial, with and without
    shared identities, the fragment bodies stay the dict path's bytes."""
    from seeka_nb.core.body import BodyBuilder

    for frame in (varied_frame(), _repeat_customers(varied_frame())):
        table = _events(frame)._table
        orders = list(range(table.n_orders))
        rnd.shuffle(orders)
        chosen = orders[: rnd.randint(1, len(orders))]
        builder = BodyBuilder(table)
        expected = [orjson.dumps(b) for b in builder.bodies(chosen, size)]
        assert list(BodyBuilder(table).encoded_bodies(chosen, size)) == expected


class _Working:
    """A phone validator that says it is still working: the conversion then makes the
    identity-free body fragments before the identities (as with a busy PhonePool)."""

    def __init__(self) -> None:
        self.asked = 0

    def pending(self) -> bool:
        self.asked += 1
        return True

    def __call__(self, numbers: list[str], regions: list[str | None]) -> list[str | None]:
        from seeka_nb.core.phone_rules import e164_all

        return e164_all(numbers, regions)


def _early_table(df: pd.DataFrame, **kw: object):
    from seeka_nb.core.build import build_table

    working = _Working()
    table = build_table(df, phone_validator=working, **kw)
    assert working.asked == 1 and table.order_parts is not None
    return table


@settings(max_examples=25, deadline=None)
@given(order_tables(), st.sampled_from([1, 7, 20]))
def test_fragments_made_during_the_conversion_give_the_same_bytes(
    df: pd.DataFrame, size: int
) -> None:
    from seeka_nb.core.body import BodyBuilder
    from seeka_nb.core.build import build_table

    try:
        late = build_table(df)
    except seeka_nb.SeekaError:
        return
    early = _early_table(df)
    assert late.order_parts is None
    orders = list(range(late.n_orders))
    expected = [orjson.dumps(b) for b in BodyBuilder(late).bodies(orders, size)]
    assert list(BodyBuilder(early).encoded_bodies(orders, size)) == expected


def test_early_fragments_of_the_varied_frame_are_the_recorded_bytes() -> None:
    from seeka_nb.core.events import Events

    table = _early_table(varied_frame(), mapping=MAPPING, tz="Australia/Sydney")
    bodies = list(Events(table).encoded_batches())
    assert [hashlib.sha256(b).hexdigest() for b in bodies] == _RECORDED


def test_early_fragments_are_not_used_for_a_table_with_other_values() -> None:
    """A table derived from another (other totals, products, IDs) never reuses its parts."""
    from dataclasses import replace

    from seeka_nb.core.body import BodyBuilder
    from seeka_nb.core.fragments import OrderParts

    table = _early_table(varied_frame(), mapping=MAPPING, tz="Australia/Sydney")
    assert OrderParts.of(table) is table.order_parts
    total = table.money["totalPrice"].copy()
    total[:] = 1.5
    changed = [
        replace(table, money={**table.money, "totalPrice": total}),
        replace(table, activity_id=table.activity_id.copy()),
        replace(table, time=table.time.copy()),
        replace(table, products=replace(table.products)),
        replace(table, text={**table.text, "currencyCode": table.text["currencyCode"].copy()}),
    ]
    for other in changed:
        assert OrderParts.of(other) is not table.order_parts
        lazy = replace(other, order_parts=None)
        orders = list(range(other.n_orders))
        assert list(BodyBuilder(other).encoded_bodies(orders, 20)) == list(
            BodyBuilder(lazy).encoded_bodies(orders, 20)
        )
    assert b'"totalPrice":1.5' in next(BodyBuilder(changed[0]).encoded_bodies([0], 20))


# --- events one by one, as a send posts them (issue 17) ------------------------------------


def _event_checks(events) -> None:
    builder = events._builder
    orders = events._send.tolist()
    shuffled = random.Random(3).sample(orders, len(orders))
    texts = builder.event_texts(shuffled)
    assert texts == [orjson.dumps(builder.event(i)) for i in shuffled]
    for size in (1, 7, 20):  # bodies put together from the texts are the reference's bytes
        joined = [join_events(texts[k : k + size]) for k in range(0, len(texts), size)]
        assert joined == [
            orjson.dumps({"data": [builder.event(i) for i in shuffled[k : k + size]]})
            for k in range(0, len(shuffled), size)
        ]
    for i, text in zip(shuffled, texts, strict=True):
        # a v1 hash (ledgers written before v2) is recognised from the text
        legacy = payload_hash(builder.event(i))
        assert same_payload(legacy, text) and same_payload(event_hash(text), text)
        assert not same_payload(legacy[:-1] + "x", text)


def test_event_texts_are_the_dict_bytes_and_compare_with_both_hash_versions() -> None:
    _event_checks(_events())


@settings(max_examples=25, deadline=None)
@given(order_tables())
def test_event_texts_are_the_dict_bytes_on_generated_tables(df: pd.DataFrame) -> None:
    _event_checks(df.seeka.to_events())


def test_event_hash_is_versioned_and_fingerprints_the_bytes() -> None:
    text = b'{"ev":{"id":{},"payload":{"activityId":"A1"}}}'
    digest = event_hash(text)
    assert digest == "v2:" + hashlib.sha256(text).hexdigest()[:32]
    assert digest != event_hash(text.replace(b"A1", b"A2"))
    v1 = payload_hash(orjson.loads(text))
    assert len(v1) == 32 and not v1.startswith("v2:")
    assert not same_payload(digest, text.replace(b"A1", b"A2"))
    assert not same_payload(v1, text.replace(b"A1", b"A2"))
    assert join_events([]) == orjson.dumps({"data": []})
