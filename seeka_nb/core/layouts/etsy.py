"""The ``etsy`` preset: Etsy's "Sold Orders" CSV (layer 2, pure).

One row per order, no line items.  The file is tab-separated despite its ``.csv`` name
(``read_orders`` detects the delimiter).

Decisions:

- ``Order ID`` is the activity ID and ``orderNumber``; ``Buyer User ID`` →
  ``customerIdentifier``.
- ``Sale Date`` is month-first ``M/D/YYYY`` with **no time and no zone**: pass ``tz=`` (the
  shop's zone); each order's time is midnight of its sale day in that zone.
- ``Order Total`` → ``totalPrice`` (what the buyer paid, including the tax Etsy collected,
  which ``Sales Tax`` omits), ``Sales Tax`` → ``totalTax``, ``Shipping`` →
  ``totalShippingPrice``, ``Currency`` → ``currencyCode``.  ``Order Value``, ``Order Net``
  and the ``Adjusted ...`` columns (fees and later adjustments, not documented) are not
  used.
- No products are sent: the export has no line items (``Number of Items`` is a count).
- ``Status`` feeds ``status`` with the default policy (it is empty in sold-order exports:
  every order is a sale).
- Identity: ``First Name``, ``Last Name`` and the shipping address (``Street 1/2``,
  ``Ship City``, ``Ship State``, ``Ship Zipcode``, ``Ship Country``).  United States zips
  that lost their leading zero in a spreadsheet (``6084``) are padded back to five digits
  (``06084``): a US ZIP code always has five.
"""

from __future__ import annotations

import pandas as pd

from ..presets import Preset, register
from .common import signature, text

_ZIP = "seeka:zip"


def _derive(frame: pd.DataFrame) -> dict[str, pd.Series]:
    if "Ship Zipcode" not in frame.columns:
        return {}
    zips = text(frame, "Ship Zipcode")
    us = (
        text(frame, "Ship Country").str.lower().isin(["united states", "us", "usa"])
        if "Ship Country" in frame.columns
        else pd.Series(False, index=frame.index)
    )
    short = us & zips.str.fullmatch(r"\d{3,4}(?:-\d{4})?")
    head = zips.str.split("-", n=1).str[0].str.zfill(5)
    tail = zips.str.extract(r"(-\d{4})$", expand=False).fillna("")
    padded = zips.where(~short, head + tail)
    return {_ZIP: padded.where(padded != "")}


ETSY = register(
    Preset(
        name="etsy",
        description="Etsy 'Sold Orders' CSV (one row per order, tab-separated).",
        mapping={
            "activityId": ("Order ID",),
            "orderNumber": ("Order ID",),
            "time": ("Sale Date",),
            "customerIdentifier": ("Buyer User ID",),
            "firstName": ("First Name",),
            "lastName": ("Last Name",),
            "addressLine1": ("Street 1",),
            "addressLine2": ("Street 2",),
            "locality": ("Ship City",),
            "state": ("Ship State",),
            "postcode": (_ZIP,),
            "country": ("Ship Country",),
            "currencyCode": ("Currency",),
            "totalPrice": ("Order Total",),
            "totalTax": ("Sales Tax",),
            "totalShippingPrice": ("Shipping",),
            "paymentMethodName": ("Payment Method",),
            "status": ("Status",),
        },
        notes=(
            "Sale Date is M/D/YYYY without a time or zone: pass tz= (the shop's zone); the "
            "time sent is midnight of the sale day",
            "totalPrice = Order Total (includes tax Etsy collected); Order Net and Adjusted "
            "columns are not used",
            "no line items: no products are sent",
            "status = Status (empty in sold-order exports), default status policy",
            "US zips that lost their leading zero (6084) are padded to 5 digits",
        ),
        signature=signature(
            "Sale Date",
            "Order ID",
            "Buyer User ID",
            "Number of Items",
            "Ship Zipcode",
            "Order Value",
            "Order Total",
            "Order Net",
            "Adjusted Order Total",
        ),
        derive=_derive,
        auto=False,
        dayfirst=False,
    )
)
