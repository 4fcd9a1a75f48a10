"""seeka_nb.core.consent: TCF v2 decoding (IAB vectors, constructed strings, broken input)
and the validation rules, with an independent test encoder (tests/core/tc_encoder.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from fixture_paths import REFERENCE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tc_encoder import (
    DEFAULT_TIME,
    Vendors,
    core_bits,
    encode,
    publisher_tc_bits,
    to_bits,
    to_text,
    vendor_segment_bits,
)

from seeka_nb.core.consent import (
    PURPOSES,
    SPECIAL_FEATURES,
    ConsentIssue,
    TCString,
    check_tc_strings,
    decode_tc,
    validate_tc,
)
from seeka_nb.errors import ConsentError, SeekaError

NOW = DEFAULT_TIME + timedelta(days=30)
CLEAN = encode()  # policy 5, service-specific, vendors 1-3 consented and disclosed
MAX_VENDOR_BIT = 213  # where the core's first MaxVendorId starts (sum of the fixed fields)


def codes(issues: list[ConsentIssue]) -> dict[str, str]:
    return {i.code: i.severity for i in issues}


def raises(value: object, *fragments: str) -> str:
    with pytest.raises(ConsentError) as info:
        decode_tc(value)  # type: ignore[arg-type]
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, message
    return message


# -- IAB reference vectors -----------------------------------------------------------------

CORE_FIELDS = {
    "version": "version",
    "cmpId": "cmp_id",
    "cmpVersion": "cmp_version",
    "consentScreen": "consent_screen",
    "consentLanguage": "consent_language",
    "vendorListVersion": "vendor_list_version",
    "tcfPolicyVersion": "policy_version",
    "isServiceSpecific": "is_service_specific",
    "useNonStandardTexts": "use_non_standard_texts",
    "purposeOneTreatment": "purpose_one_treatment",
    "publisherCC": "publisher_cc",
}
SET_FIELDS = {
    "specialFeatureOptins": "special_feature_optins",
    "purposeConsents": "purpose_consents",
    "purposeLITransparency": "purpose_legitimate_interests",
}
VENDOR_FIELDS = {"vendorConsents": "vendor_consents", "vendorLI": "vendor_legitimate_interests"}
SEGMENT_TYPES = {"disclosedVendors": 1, "allowedVendors": 2, "publisherTC": 3}
PUB_FIELDS = {
    "pubPurposesConsent": "purpose_consents",
    "pubPurposesLI": "purpose_legitimate_interests",
    "customConsent": "custom_purpose_consents",
    "customLI": "custom_purpose_legitimate_interests",
}


@pytest.fixture(scope="module")
def vectors() -> list[dict]:
    data = json.loads((REFERENCE / "tcf-vectors.json").read_text(encoding="utf-8"))
    assert data["vectors"]
    return data["vectors"]


def check_vendors(tc: TCString, attr: str, expected: dict) -> None:
    ids = getattr(tc, attr)
    section = tc.section(attr)
    assert section is not None
    assert set(expected) <= {"maxVendorId", "rangeEncoded", "count", "ids_head"}, expected
    assert section.max_vendor_id == expected["maxVendorId"], attr
    assert section.range_encoded == expected["rangeEncoded"], attr
    assert len(ids) == expected["count"], attr
    assert sorted(ids)[: len(expected["ids_head"])] == expected["ids_head"], attr


def check_vector(vector: dict) -> None:
    expected = dict(vector["expected"])
    if expected.pop("decode_raises", False):
        version = expected.pop("first_6_bits_version")
        expected.pop("reference_js_error", None)
        assert not expected, f"unchecked expectations {expected}"
        fragment = "TCF v1 is not supported" if version == 1 else f"version {version}"
        raises(vector["tc_string"], fragment)
        assert codes(validate_tc(vector["tc_string"])) == {"malformed": "error"}
        return
    tc = decode_tc(vector["tc_string"])
    for key, attr in CORE_FIELDS.items():
        assert getattr(tc, attr) == expected.pop(key), key
    for key, attr in (("created", "created"), ("lastUpdated", "last_updated")):
        value = getattr(tc, attr)
        assert value.tzinfo is not None and value.utcoffset() == timedelta(0)
        assert value == datetime.fromisoformat(expected.pop(key)), key
    for key, attr in SET_FIELDS.items():
        assert getattr(tc, attr) == frozenset(expected.pop(key)), key
    for key, attr in VENDOR_FIELDS.items():
        check_vendors(tc, attr, expected.pop(key))
    restrictions = expected.pop("publisherRestrictions")
    assert len(tc.publisher_restrictions) == len(restrictions)
    segments = expected.pop("segments")
    assert tc.segments == (0, *(SEGMENT_TYPES[s["type"]] for s in segments))
    for segment in segments:
        segment = dict(segment)
        kind = segment.pop("type")
        if kind == "publisherTC":
            pub = tc.publisher_tc
            assert pub is not None
            assert pub.num_custom_purposes == segment.pop("numCustomPurposes")
            for key, attr in PUB_FIELDS.items():
                assert getattr(pub, attr) == frozenset(segment.pop(key)), key
            assert not segment, f"unchecked publisher TC expectations {segment}"
        else:
            check_vendors(
                tc,
                "disclosed_vendors" if kind == "disclosedVendors" else "allowed_vendors",
                segment,
            )
    assert not expected, f"unchecked expectations {expected}"


def test_every_reference_vector_decodes_to_its_expected_values(vectors):
    for vector in vectors:
        try:
            check_vector(vector)
        except AssertionError as exc:
            raise AssertionError(f"vector {vector['name']}: {exc}") from exc


def test_reference_verdicts(vectors):
    by_name = {v["name"]: v["tc_string"] for v in vectors}
    spec = codes(validate_tc(by_name["iab-spec-v2.3-example"], now=NOW))
    assert spec == {"policy_version": "error"}  # structurally fine, pre-2.2 policy
    gpp = codes(validate_tc(by_name["iabgpp-es-tcfeuv2-vendors-11-28-29"], now=NOW))
    assert gpp == {"vendor_list_version": "warning"}
    readme = codes(validate_tc(by_name["iabtcf-es-cli-readme-core-only"], now=NOW))
    assert readme == {
        "policy_version": "error",
        "not_service_specific": "error",
        "no_disclosed_vendors": "warning",
    }


def test_encoder_reproduces_the_iab_spec_example(vectors):
    """The test encoder agrees bit for bit with the IAB example (it is trustworthy)."""
    (spec,) = [v["tc_string"] for v in vectors if v["name"] == "iab-spec-v2.3-example"]
    when = datetime(2025, 6, 3, tzinfo=UTC)
    core = core_bits(
        created=when,
        cmp_id=880,
        cmp_version=0,
        consent_screen=0,
        vendor_list_version=48,
        policy_version=2,
        purpose_consents=(),
        vendor_consents=Vendors((1, 2, 3, 4)),
    )
    disclosed = vendor_segment_bits(1, Vendors((1, 2, 3, 4, 5, 100, 404), range_encoded=True))
    built = ".".join(to_text(b, pad_to=24) for b in (core, disclosed, publisher_tc_bits()))
    assert built == spec


# -- round trips through the test encoder ---------------------------------------------------


def test_clean_string_has_no_issues_and_decodes_every_field():
    assert validate_tc(CLEAN, now=NOW, require_disclosed_vendors=True) == []
    tc = decode_tc(CLEAN)
    assert (tc.version, tc.cmp_id, tc.cmp_version, tc.consent_screen) == (2, 10, 3, 1)
    assert (tc.consent_language, tc.publisher_cc, tc.policy_version) == ("EN", "DE", 5)
    assert tc.created == tc.last_updated == DEFAULT_TIME
    assert tc.purpose_consents == {1, 2, 7} and tc.vendor_consents == {1, 2, 3}
    assert tc.disclosed_vendors == {1, 2, 3} and tc.segments == (0, 1)
    assert tc.publisher_tc is None and tc.allowed_vendors is None
    assert hash(tc) == hash(decode_tc(CLEAN))  # frozen and hashable


@pytest.mark.parametrize("ids", [(1,), (5, 6, 7, 8, 40), tuple(range(1, 300, 3)), (65535,)])
def test_range_and_bitfield_encodings_decode_alike(ids):
    as_range = decode_tc(encode(vendor_consents=Vendors(ids, range_encoded=True)))
    as_bits = decode_tc(encode(vendor_consents=Vendors(ids)))
    assert as_range.vendor_consents == as_bits.vendor_consents == frozenset(ids)
    assert as_range.section("vendor_consents").range_encoded
    assert not as_bits.section("vendor_consents").range_encoded


def test_overlapping_ranges_are_merged():
    spans = ((3, 10), (5, 12), (1, 1), (12, 12))
    tc = decode_tc(
        encode(vendor_consents=Vendors(max_vendor_id=12, range_encoded=True, spans=spans))
    )
    assert tc.vendor_consents == {1, *range(3, 13)}


def test_optional_segments_restrictions_and_publisher_tc():
    s = encode(
        special_feature_optins=(1, 2),
        vendor_legitimate_interests=Vendors((2, 9), range_encoded=True),
        publisher_restrictions=[(2, 1, (4, 5, 6)), (7, 0, (9,))],
        disclosed=Vendors((1, 2, 3, 9), range_encoded=True),
        allowed=Vendors((1, 2)),
        publisher_tc=publisher_tc_bits((1, 2), (7,), (1, 3), (2,), num_custom=3),
    )
    tc = decode_tc(s)
    assert tc.segments == (0, 1, 2, 3)
    assert tc.vendor_legitimate_interests == {2, 9}
    assert tc.special_feature_optins == {1, 2}
    assert [
        (r.purpose_id, r.restriction_type, r.vendor_ids) for r in tc.publisher_restrictions
    ] == [(2, 1, {4, 5, 6}), (7, 0, {9})]
    assert tc.allowed_vendors == {1, 2}
    pub = tc.publisher_tc
    assert (pub.purpose_consents, pub.purpose_legitimate_interests) == ({1, 2}, {7})
    assert pub.num_custom_purposes == 3
    assert (pub.custom_purpose_consents, pub.custom_purpose_legitimate_interests) == ({1, 3}, {2})
    assert codes(validate_tc(s, now=NOW)) == {"allowed_vendors_segment": "warning"}


def test_segments_may_come_in_any_order_after_the_core():
    core = to_text(core_bits())
    pub, disclosed = to_text(publisher_tc_bits()), to_text(vendor_segment_bits(1, Vendors((1,))))
    assert decode_tc(f"{core}.{pub}.{disclosed}").segments == (0, 3, 1)


def test_deciseconds_are_kept():
    when = datetime(2024, 2, 29, 13, 14, 15, 700000, tzinfo=UTC)
    tc = decode_tc(encode(created=when, last_updated=when + timedelta(days=1)))
    assert tc.created == when and tc.last_updated == when + timedelta(days=1)


@settings(max_examples=60, deadline=None)
@given(
    purposes=st.frozensets(st.integers(1, 24)),
    interests=st.frozensets(st.integers(1, 24)),
    features=st.frozensets(st.integers(1, 12)),
    vendors=st.frozensets(st.integers(1, 3000), max_size=40),
    range_encoded=st.booleans(),
    cmp_id=st.integers(0, 4095),
    language=st.sampled_from(["EN", "DE", "FR", "ZZ", "AA"]),
)
def test_property_encoded_fields_decode_back(
    purposes, interests, features, vendors, range_encoded, cmp_id, language
):
    tc = decode_tc(
        encode(
            purpose_consents=purposes,
            purpose_legitimate_interests=interests,
            special_feature_optins=features,
            cmp_id=cmp_id,
            consent_language=language,
            vendor_consents=Vendors(tuple(vendors), range_encoded=range_encoded),
            disclosed=Vendors(tuple(vendors), range_encoded=not range_encoded),
        )
    )
    assert (tc.purpose_consents, tc.purpose_legitimate_interests) == (purposes, interests)
    assert tc.special_feature_optins == features and tc.cmp_id == cmp_id
    assert tc.consent_language == language
    assert tc.vendor_consents == vendors == tc.disclosed_vendors


# -- malformed input --------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["", None, 42, b"CPX"])
def test_empty_and_non_text(value):
    raises(value, "empty" if value == "" else "must be text")
    assert codes(validate_tc(value)) == {"malformed": "error"}  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("bad", "fragment"),
    [
        (CLEAN + "=", "padding '='"),
        (CLEAN + "==", "padding '='"),
        (CLEAN[:5] + "+" + CLEAN[6:], "not base64url"),
        (CLEAN[:5] + "/" + CLEAN[6:], "not base64url"),
        (" " + CLEAN, "whitespace ' ' at character 1"),
        (CLEAN + "\n", "whitespace '\\n'"),
        (CLEAN[:9] + " " + CLEAN[9:], "character 10"),
        ("DBABMA~" + CLEAN, "GPP"),
        (CLEAN[:3] + "é" + CLEAN[4:], "'é' at character 4 is not allowed"),
    ],
)
def test_bad_characters(bad, fragment):
    raises(bad, "invalid TC string", fragment)


@pytest.mark.parametrize("bad", [CLEAN + ".", "." + CLEAN, CLEAN.replace(".", ".."), "."])
def test_empty_segments(bad):
    raises(bad, "is empty")


def test_v1_and_other_versions():
    raises("BOEFEAyOEFEAyAHABDENAI4AAAB9vABAASA", "TCF v1 is not supported")
    raises(encode(version=1), "TCF v1 is not supported")
    raises(encode(version=3), "unsupported TC string version 3")
    raises("A" * 40, "version 0")


@pytest.mark.parametrize("seg_type", [4, 5, 6, 7])
def test_unknown_segment_type(seg_type):
    segment = to_text(format(seg_type, "03b") + "0" * 29)
    raises(f"{CLEAN}.{segment}", f"segment 3 has unknown segment type {seg_type}")


def test_core_type_and_repeated_segments():
    raises(f"{CLEAN}.{to_text('000' + '0' * 29)}", "segment 3 has type 0 (core)")
    raises(f"{CLEAN}.{CLEAN.split('.')[1]}", "repeats segment type 1")


def test_bitfield_shorter_than_max_vendor_id():
    short = Vendors((1, 2, 3), max_vendor_id=5000, bitfield_length=3)
    bad = encode(vendor_consents=short)
    raises(bad, "bitfield of the vendor consent section is shorter than its MaxVendorId 5000")


@pytest.mark.parametrize(
    ("spans", "fragment"),
    [(((0, 0),), "vendor ID 0"), (((9, 4),), "runs backwards"), (((1, 30),), "above MaxVendorId")],
)
def test_bad_range_entries(spans, fragment):
    vendors = Vendors(max_vendor_id=20, range_encoded=True, spans=spans)
    raises(encode(vendor_consents=vendors), "range entry 1 of 1", fragment)


def test_letters_out_of_range():
    bits = core_bits()
    at = 6 + 36 + 36 + 12 + 12 + 6  # ConsentLanguage
    raises(to_text(bits[:at] + "111110" + bits[at + 6 :]), "ConsentLanguage must be two letters")


def cuts(s: str) -> list[str]:
    return [s[:k] for k in range(1, len(s))]


@pytest.mark.parametrize(
    "full",
    [
        to_text(core_bits()),
        encode(),
        encode(
            publisher_tc=publisher_tc_bits((1,), num_custom=5),
            vendor_consents=Vendors((3, 50, 51, 52), range_encoded=True),
        ),
    ],
)
def test_truncated_strings_fail_clearly(full):
    original, decoded = decode_tc(full), 0
    for cut in cuts(full):
        if cut.endswith("."):
            raises(cut, "is empty")
            continue
        try:
            tc = decode_tc(cut)
        except ConsentError as exc:
            assert "truncated" in str(exc), str(exc)
            continue
        decoded += 1  # cut inside the zero padding, or exactly at a segment boundary
        assert tc.segments == original.segments[: len(tc.segments)]
    assert decoded <= full.count(".") + 2


def flip(s: str, bit: int) -> str:
    bits = to_bits(s)
    return to_text(bits[:bit] + ("1" if bits[bit] == "0" else "0") + bits[bit + 1 :])


@pytest.mark.parametrize("bit", range(6))
def test_flipped_version_bits(bit):
    core = CLEAN.split(".")[0]
    raises(flip(core, bit), "version")


def test_flipped_segment_type_bits():
    core, disclosed = CLEAN.split(".")
    pub = to_text(publisher_tc_bits())
    raises(f"{core}.{flip(disclosed, 0)}", "unknown segment type 5")
    raises(f"{core}.{flip(disclosed, 2)}", "type 0 (core)")
    raises(f"{core}.{pub}.{flip(disclosed, 1)}", "repeats segment type 3")


def test_flipped_max_vendor_id_bits():
    core = to_text(core_bits())
    raises(flip(core, MAX_VENDOR_BIT), "shorter than its MaxVendorId 32771")
    # 3 -> 2: vendor 3's bit becomes the start of the next MaxVendorId, far too large
    raises(flip(core, MAX_VENDOR_BIT + 15), "vendor LI section is shorter than its MaxVendorId")


def test_flipped_padding_bit_is_a_warning():
    bits = core_bits()
    assert len(bits) % 8, "needs padding bits"
    s = to_text(bits + "1") + "." + CLEAN.split(".")[1]
    assert decode_tc(s) == decode_tc(CLEAN)
    issues = validate_tc(s, now=NOW)
    assert codes(issues) == {"trailing_bits": "warning"}
    assert "core segment" in issues[0].message


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.text("01", max_size=900), st.booleans(), st.lists(st.text("01", max_size=200), max_size=3)
)
def test_property_random_bits_only_raise_consent_error(bits, v2, segments):
    text = ".".join(to_text(b) for b in [("000010" if v2 else "") + bits, *segments])
    try:
        tc = decode_tc(text)
    except ConsentError:
        tc = None
    else:
        assert tc.version == 2 and tc.segments[0] == 0
    assert all(isinstance(i, ConsentIssue) for i in validate_tc(text, now=NOW))


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(),
        st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.", max_size=300),
    )
)
def test_property_random_text_only_raises_consent_error(text):
    try:
        decode_tc(text)
    except ConsentError as exc:
        assert isinstance(exc, SeekaError) and str(exc)
    issues = validate_tc(text, now=NOW)
    assert all(i.severity in ("error", "warning") for i in issues)


# -- validation rules ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("purposes", "bad"), [((1,), True), ((3, 4, 5, 6), True), ((2, 7, 8, 9, 10, 11), False)]
)
def test_legitimate_interest_on_purposes_1_and_3_to_6(purposes, bad):
    issues = validate_tc(encode(purpose_legitimate_interests=purposes), now=NOW)
    assert codes(issues) == ({"purpose_li_forbidden": "error"} if bad else {})


@pytest.mark.parametrize(
    ("version", "bad"), [(0, True), (2, True), (3, True), (4, False), (5, False)]
)
def test_policy_version(version, bad):
    issues = validate_tc(encode(policy_version=version), now=NOW)
    assert codes(issues) == ({"policy_version": "error"} if bad else {})


def test_service_specific_cmp_id_and_vendor_list_version():
    assert codes(validate_tc(encode(is_service_specific=False), now=NOW)) == {
        "not_service_specific": "error"
    }
    for cmp_id in (0, 1):
        assert codes(validate_tc(encode(cmp_id=cmp_id), now=NOW)) == {"cmp_id": "error"}
    assert codes(validate_tc(encode(cmp_id=2), now=NOW)) == {}
    assert codes(validate_tc(encode(vendor_list_version=0), now=NOW)) == {
        "vendor_list_version": "warning"
    }


def test_future_dates_need_now():
    later = NOW + timedelta(days=2)
    s = encode(created=later, last_updated=later)
    assert codes(validate_tc(s)) == {}  # no clock in the pure core: skipped without now
    assert codes(validate_tc(s, now=NOW)) == {
        "created_in_future": "error",
        "last_updated_in_future": "error",
    }
    only_updated = encode(created=NOW - timedelta(days=1), last_updated=later)
    assert codes(validate_tc(only_updated, now=NOW)) == {"last_updated_in_future": "error"}
    skew = encode(created=NOW + timedelta(minutes=2))
    assert codes(validate_tc(skew, now=NOW)) == {}
    naive = NOW.replace(tzinfo=None)  # taken as UTC
    assert codes(validate_tc(s, now=naive)) == codes(validate_tc(s, now=NOW))


def test_updated_before_created():
    s = encode(created=DEFAULT_TIME, last_updated=DEFAULT_TIME - timedelta(days=1))
    assert codes(validate_tc(s, now=NOW)) == {"updated_before_created": "warning"}


def test_disclosed_vendors_rules():
    missing = encode(disclosed=None)
    assert codes(validate_tc(missing, now=NOW)) == {"no_disclosed_vendors": "warning"}
    strict = validate_tc(missing, now=NOW, require_disclosed_vendors=True)
    assert codes(strict) == {"no_disclosed_vendors": "error"}
    partial = encode(
        vendor_consents=Vendors((1, 2, 3, 77)),
        vendor_legitimate_interests=Vendors((5,)),
        disclosed=Vendors((1, 2, 3)),
    )
    issues = validate_tc(partial, now=NOW)
    assert codes(issues) == {"vendors_not_disclosed": "warning"}
    assert [i.message for i in issues] == [
        "1 vendor(s) with consent are missing from the disclosed vendors: 77",
        "1 vendor(s) with legitimate interest are missing from the disclosed vendors: 5",
    ]


def test_restrictions_unknown_ids_and_publisher_li():
    s = encode(
        publisher_restrictions=[(2, 3, (1,))],
        purpose_consents=(1, 20),
        special_feature_optins=(2, 5),
        publisher_tc=publisher_tc_bits(interests=(3,)),
    )
    assert codes(validate_tc(s, now=NOW)) == {
        "restriction_type": "error",
        "unknown_purpose": "warning",
        "unknown_special_feature": "warning",
        "publisher_purpose_li_forbidden": "warning",
    }


def test_errors_come_first_and_messages_are_specific():
    s = encode(policy_version=2, disclosed=None, purpose_legitimate_interests=(1, 2, 3))
    issues = validate_tc(s, now=NOW)
    assert [i.severity for i in issues] == ["error", "error", "warning"]
    forbidden = next(i for i in issues if i.code == "purpose_li_forbidden")
    assert "purpose(s) 1, 3" in forbidden.message


def test_check_tc_strings_keeps_order():
    values = [CLEAN, "", encode(policy_version=2)]
    results = check_tc_strings(values, now=NOW)
    assert [codes(r) for r in results] == [{}, {"malformed": "error"}, {"policy_version": "error"}]


def test_string_is_never_repaired():
    raises(CLEAN + " ", "whitespace")  # not stripped
    raises(CLEAN.replace("-", "+").replace("_", "/") + "=", "padding")


# -- summary and tables ---------------------------------------------------------------------------


def test_summary_uses_iab_names():
    s = encode(
        purpose_consents=(1, 3, 11),
        purpose_legitimate_interests=(2,),
        special_feature_optins=(1,),
        publisher_restrictions=[(2, 1, (4, 5))],
    )
    summary = decode_tc(s).summary()
    assert summary["purposes_consented"] == [
        "1. Store and/or access information on a device",
        "3. Create profiles for personalised advertising",
        "11. Use limited data to select content",
    ]
    assert summary["purposes_legitimate_interest"] == [f"2. {PURPOSES[2]}"]
    assert summary["special_features_opted_in"] == [f"1. {SPECIAL_FEATURES[1]}"]
    assert summary["vendors_consented"] == 3 and summary["vendors_disclosed"] == 3
    assert summary["segments"] == ["core", "disclosed vendors"]
    assert summary["publisher_restrictions"] == ["purpose 2: require consent for 2 vendor(s)"]
    assert summary["created"] == "2025-06-03T00:00:00+00:00"
    json.dumps(summary)  # plain data, ready for a widget or a report


def test_tables_have_the_v2_2_ids():
    assert sorted(PURPOSES) == list(range(1, 12))
    assert sorted(SPECIAL_FEATURES) == [1, 2]
    unknown = decode_tc(encode(purpose_consents=(13,))).summary()["purposes_consented"]
    assert unknown == ["13. (unknown purpose)"]
