"""The ``shopify`` preset: Shopify admin "Export orders" CSV (layer 2, pure).

Header variants seen: 73 and 79 columns (full exports) and a 34-column spreadsheet-trimmed
one (no ``Id``, no prices, no customer fields; dates re-saved as ``31/12/2023 22:36``
without an offset, so ``tz=`` is needed and day-first order is inferred).

Decisions:

- One order = the rows sharing ``Name``; order fields sit on the first row only.
- Activity ID: the order's ``Id`` when the column exists (numeric, stable; what Seeka's
  Shopify integration and most pixels send), else ``Name`` (``#1001``).  It must equal the
  ``activityIdentifier`` your browser SDK sent: if yours used the name, pass
  ``mapping={"activityId": "Name"}``.
- ``Name`` → ``orderNumber``, ``Id`` → ``orderIdentifier``.
- Status: ``Financial Status`` + ``Cancelled at`` + ``Refunded Amount`` feed ``status``
  (the default policy): held back (``excluded``) when cancelled (``Cancelled at`` set),
  voided, fully refunded (``refunded``, or ``Refunded Amount`` equal to ``Total``) or
  pending/unpaid; ``partially_refunded`` orders are sent at their ``Total`` with a warning
  naming the refunded amount (``status_policy={'partially_refunded': 'net'}`` sends
  ``Total − Refunded Amount``).
- ``Email``; ``Phone``, ``Billing Phone``, ``Shipping Phone`` all feed ``phone`` (E.164 with
  the billing country); ``Billing Name`` is split at the first space into first/last name;
  the billing address feeds ``address``.
- ``Total`` → ``totalPrice``, ``Taxes`` → ``totalTax``, ``Shipping`` → ``totalShippingPrice``;
  line items: ``Lineitem name/sku/price/quantity``, ``Vendor`` → ``brandName``.
- A ``Tip`` line item is not a product; it is part of the order's total (Shopify's
  ``Total`` includes it).
"""

from __future__ import annotations

import pandas as pd

from ..presets import Preset, Rule, register
from .common import is_one_of, signature, split_name

_FIRST, _LAST = "seeka:billing_first", "seeka:billing_last"


def _derive(frame: pd.DataFrame) -> dict[str, pd.Series]:
    return split_name(frame, "Billing Name", "seeka:billing_")


SHOPIFY = register(
    Preset(
        name="shopify",
        description="Shopify admin 'Export orders' CSV (line items, order fields on the "
        "first row of each order).",
        mapping={
            "activityId": ("Id", "Name"),
            "time": ("Created at",),
            "email": ("Email",),
            "phone": ("Phone", "Billing Phone", "Shipping Phone"),
            "firstName": (_FIRST,),
            "lastName": (_LAST,),
            "addressLine1": ("Billing Address1",),
            "addressLine2": ("Billing Address2",),
            "locality": ("Billing City",),
            "state": ("Billing Province Name",),
            "stateCode": ("Billing Province",),
            "postcode": ("Billing Zip",),
            "countryCode": ("Billing Country",),
            "orderNumber": ("Name",),
            "orderIdentifier": ("Id",),
            "paymentMethodName": ("Payment Method",),
            "currencyCode": ("Currency",),
            "totalPrice": ("Total",),
            "totalTax": ("Taxes",),
            "totalShippingPrice": ("Shipping",),
            "sku": ("Lineitem sku",),
            "productName": ("Lineitem name",),
            "unitPrice": ("Lineitem price",),
            "quantity": ("Lineitem quantity",),
            "brandName": ("Vendor",),
            "status": ("Financial Status", "Cancelled at", "Refunded Amount"),
        },
        discount=("Discount Amount",),
        group_by=("Name",),
        not_products=(
            Rule(
                "tip_line",
                "a tip line, not a product (the order's Total includes it)",
                lambda f: is_one_of(f, "Lineitem name", ["tip"]),
                ("Lineitem name",),
                role="in_total",
            ),
        ),
        notes=(
            "activityId = Id when present, else Name; override with "
            "mapping={'activityId': 'Name'} if your browser SDK sent the name",
            "rows are grouped by Name (Id is on the first row only)",
            "status = Financial Status + Cancelled at + Refunded Amount: cancelled, voided, "
            "fully refunded and pending orders are excluded; partially refunded ones are sent "
            "at their Total with a warning (status_policy= changes this)",
            "Billing Name split at the first space into firstName/lastName",
            "a 'Tip' line item is not a product (it counts in the total)",
        ),
        signature=signature(
            "Name",
            "Financial Status",
            "Fulfillment Status",
            "Lineitem quantity",
            "Lineitem name",
            "Created at",
            "Cancelled at",
            "Accepts Marketing",
        ),
        derive=_derive,
        auto=False,
    )
)
