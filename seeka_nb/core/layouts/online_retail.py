"""The ``online_retail`` preset: the UCI Online Retail data set (layer 2, pure).

Columns ``InvoiceNo, StockCode, Description, Quantity, InvoiceDate, UnitPrice,
CustomerID, Country`` (some copies add a per-line ``TotalPrice``, which is ignored: it is
a line total, not the invoice total), or the *Online Retail II* header of the same rows:
``Invoice, StockCode, Description, Quantity, InvoiceDate, Price, Customer ID, Country``
(both are recognised by ``read_orders``).

Decisions:

- ``InvoiceNo`` (``Invoice``) is the activity ID; an invoice's rows need not be adjacent;
  ``CustomerID`` (``Customer ID``) → ``customerIdentifier`` (its only
  customer identity); ``Country`` (``United Kingdom``, ``EIRE``...) → country/countryCode.
- Invoices starting with ``C`` are cancellations: held back (``excluded``), never sent as
  negative purchases.
- Rows without ``CustomerID`` are orders without identity: a warning, still sent.
- Stock codes that are not products: ``POST``, ``DOT`` (postage) and ``C2`` (carriage)
  become the order's ``totalShippingPrice`` and count in its total; ``D`` (discount),
  ``M`` (manual), ``BANK CHARGES``, ``AMAZONFEE``, ``CRUK``, ``B`` (bad debt), ``S``
  (samples) are left out of products and totals, with a warning per line.
- ``InvoiceDate`` is month-first (``12/1/10 8:26``) without a zone: pass ``tz=`` (the data
  is a UK retailer's: ``tz="Europe/London"``).  Prices are in pounds sterling (``GBP``).
"""

from __future__ import annotations

import pandas as pd

from ..presets import Preset, Rule, register
from .common import is_one_of, signature, text

SHIPPING_CODES = ("POST", "DOT", "C2")
OTHER_CODES = ("D", "M", "BANK CHARGES", "AMAZONFEE", "CRUK", "B", "S")


def _cancelled(frame: pd.DataFrame) -> pd.Series:
    col = "InvoiceNo" if "InvoiceNo" in frame.columns else "Invoice"
    return text(frame, col).str.upper().str.startswith("C")


ONLINE_RETAIL = register(
    Preset(
        name="online_retail",
        description="UCI Online Retail (UK gift retailer, 2010-2011): one row per line item.",
        mapping={
            "activityId": ("InvoiceNo", "Invoice"),
            "time": ("InvoiceDate",),
            "customerIdentifier": ("CustomerID", "Customer ID"),
            "country": ("Country",),
            "sku": ("StockCode",),
            "productName": ("Description",),
            "unitPrice": ("UnitPrice", "Price"),
            "quantity": ("Quantity",),
        },
        exclusions=(
            Rule(
                "cancellation",
                "cancellation invoice (InvoiceNo starts with 'C')",
                _cancelled,
                (),
            ),
        ),
        not_products=(
            Rule(
                "postage_line",
                "postage/carriage line: sent as the order's shipping",
                lambda f: is_one_of(f, "StockCode", SHIPPING_CODES),
                ("StockCode",),
                role="shipping",
            ),
            Rule(
                "not_a_product",
                "discount, manual, fee or sample line: not a product, left out of totals",
                lambda f: is_one_of(f, "StockCode", OTHER_CODES),
                ("StockCode",),
            ),
        ),
        notes=(
            "InvoiceNo (or Invoice, Online Retail II) starting with 'C' = cancellation: excluded",
            "UnitPrice (or Price) × Quantity summed per invoice = totalPrice (no status column)",
            "POST/DOT/C2 lines = shipping; D/M/BANK CHARGES/AMAZONFEE/CRUK/B/S lines are "
            "not products",
            "InvoiceDate is month-first without a zone: pass tz='Europe/London'",
            "currency GBP",
        ),
        signature=signature(
            "InvoiceNo",
            "StockCode",
            "Description",
            "Quantity",
            "InvoiceDate",
            "UnitPrice",
            "CustomerID",
            "Country",
        ),
        variants=(
            signature(
                "Invoice",
                "StockCode",
                "Description",
                "Quantity",
                "InvoiceDate",
                "Price",
                "Customer ID",
                "Country",
            ),
        ),
        auto=False,
        dayfirst=False,
        currency="GBP",
    )
)
