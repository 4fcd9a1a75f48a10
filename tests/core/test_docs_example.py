"""The documentation's example order, rebuilt from a DataFrame, equals the documented body."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

import seeka_nb  # noqa: F401


def documented_order(reference_dir: Path) -> dict:
    """The documentation page's example order (test data written here), placeholders
    filled with the page's own example values and a public IAB TC string."""
    doc = json.loads((reference_dir / "seeka-documented-order.json").read_text("utf-8"))
    tcf = json.loads((reference_dir / "tcf-vectors.json").read_text())["vectors"][1]["tc_string"]
    raw = json.dumps(doc["body"])
    for placeholder, value in {**doc["examples"], "<TCF consent>": tcf}.items():
        raw = raw.replace(placeholder, value)
    return json.loads(raw)


def test_documented_order_is_rebuilt_field_by_field(reference_dir: Path) -> None:
    expected = documented_order(reference_dir)
    ev = expected["data"][0]["ev"]
    ident, payload = ev["id"], ev["payload"]
    commerce = payload["commerce"]
    product = commerce["products"][0]
    address = ident["address"][0]
    df = pd.DataFrame(
        {
            "Order": [payload["activityId"]],
            "Placed": [payload["time"]],
            "Profile": [ident["seekaPId"]],
            "Email": ident["email"],
            "Mobile": ident["phone"],
            "First name": ident["firstName"],
            "Last name": ident["lastName"],
            "Address 1": [address["addressLine1"]],
            "Address 2": [address["addressLine2"]],
            "Suburb": [address["locality"]],
            "State": [address["state"]],
            "State code": [address["stateCode"]],
            "Postcode": [address["postcode"]],
            "Country": [address["country"]],
            "Country code": [address["countryCode"]],
            "DOB": ident["dob"],
            "Consent": [ident["privacy"]["tcfConsentString"]],
            "Product ID": [product["productIdentifier"]],
            "Variant ID": [product["variantIdentifier"]],
            "SKU": [product["sku"]],
            "Product": [product["productName"]],
            "Variant": [product["variantName"]],
            "Category": [product["categoryName"]],
            "Brand": [product["brandName"]],
            "Unit price": [product["unitPrice"]],
            "Qty": [product["quantity"]],
            "Checkout": [commerce["checkoutIdentifier"]],
            "Cart": [commerce["cartIdentifier"]],
            "Order GUID": [commerce["orderIdentifier"]],
            "Order number": [commerce["orderNumber"]],
            "Customer": [commerce["customerIdentifier"]],
            "Payment": [commerce["paymentMethodName"]],
            "Currency": [commerce["currencyCode"]],
            "Total": [commerce["totalPrice"]],
        }
    )
    mapping = {
        "activityId": "Order",
        "time": "Placed",
        "seekaPId": "Profile",
        "email": "Email",
        "phone": "Mobile",
        "firstName": "First name",
        "lastName": "Last name",
        "addressLine1": "Address 1",
        "addressLine2": "Address 2",
        "locality": "Suburb",
        "state": "State",
        "stateCode": "State code",
        "postcode": "Postcode",
        "country": "Country",
        "countryCode": "Country code",
        "dob": "DOB",
        "tcfConsentString": "Consent",
        "productIdentifier": "Product ID",
        "variantIdentifier": "Variant ID",
        "sku": "SKU",
        "productName": "Product",
        "variantName": "Variant",
        "categoryName": "Category",
        "brandName": "Brand",
        "unitPrice": "Unit price",
        "quantity": "Qty",
        "checkoutIdentifier": "Checkout",
        "cartIdentifier": "Cart",
        "orderIdentifier": "Order GUID",
        "orderNumber": "Order number",
        "customerIdentifier": "Customer",
        "paymentMethodName": "Payment",
        "currencyCode": "Currency",
        "totalPrice": "Total",
    }
    events = df.seeka.to_events(mapping)
    # the only remark: the public test vector's vendor list version is 0
    assert set(events.issues["code"]) <= {"consent_vendor_list_version"}, events.issues
    got = next(events.batches())
    got_ev = got["data"][0]["ev"]
    assert len(got["data"]) == 1
    for key, value in ident.items():
        assert got_ev["id"][key] == value, key
    assert got_ev["id"].keys() == ident.keys()
    for key in ("activityName", "activityId", "time"):
        assert got_ev["payload"][key] == payload[key], key
    for key, value in commerce.items():
        if key != "products":
            assert got_ev["payload"]["commerce"][key] == value, key
    assert got_ev["payload"]["commerce"].keys() == commerce.keys()
    got_product = got_ev["payload"]["commerce"]["products"][0]
    for key, value in product.items():
        assert got_product[key] == value, key
        assert type(got_product[key]) is type(value) or {type(value), type(got_product[key])} == {
            int,
            float,
        }, key
    assert got == expected  # and as a whole (JSON numbers: 84 == 84.0)
