"""The ``amazon_seller`` preset: the Amazon seller "Sale Report" (layer 2, pure).

Layout: one row per line item with ``Order ID``, ``Date`` (``04-30-22``, MM-DD-YY, no time),
``Status``, ``Fulfilment``, ``Style``, ``SKU``, ``Category``, ``Size``, ``ASIN``, ``Qty``,
``currency``, ``Amount``, ``ship-city``, ``ship-state``, ``ship-postal-code``,
``ship-country``... (often re-saved by pandas: an ``index`` column, ``Unnamed: 22``,
postcodes written ``400081.0``).

Decisions:

- ``Order ID`` is the activity ID; rows of an order need not be adjacent.
- ``Date`` is month-first with no time and no zone: pass ``tz=`` (the marketplace's zone,
  e.g. ``Asia/Kolkata`` for Amazon.in); the time sent is midnight of that day.
- ``Amount`` is the **line** amount (quantity included): mapped to ``lineTotal``, so the
  order's ``totalPrice`` is the sum of its lines and each product's ``unitPrice`` is
  ``Amount / Qty``; ``currency`` → ``currencyCode``.
- ``Status`` feeds ``status`` with the default policy: ``Cancelled`` is held back
  (``cancelled``), ``Shipped - Returned to Seller`` and ``Shipped - Rejected by Buyer`` are
  held back as ``refunded`` (the goods went back), ``Pending...`` as ``pending``;
  ``Shipped`` and ``Shipped - Delivered to Buyer`` (and other ``Shipped - ...`` phrases the
  policy does not know, with a warning) are sent.
- Products: ``SKU`` → ``sku``, ``Style`` → ``productName`` (the report has no product
  name), ``Size`` → ``variantName``, ``Category`` → ``categoryName``, ``Qty`` →
  ``quantity``.
- The report has no customer identity: only the shipping city, state, postcode and country
  (a warning per order, ``no_identity``).  ``ship-postal-code`` ``400081.0`` is sent as
  ``400081``.
"""

from __future__ import annotations

from ..presets import Preset, register
from .common import signature

AMAZON_SELLER = register(
    Preset(
        name="amazon_seller",
        description="Amazon seller 'Sale Report' (one row per line item, Amount per line).",
        mapping={
            "activityId": ("Order ID",),
            "time": ("Date",),
            "status": ("Status",),
            "currencyCode": ("currency",),
            "lineTotal": ("Amount",),
            "quantity": ("Qty",),
            "sku": ("SKU",),
            "productName": ("Style",),
            "variantName": ("Size",),
            "categoryName": ("Category",),
            "locality": ("ship-city",),
            "state": ("ship-state",),
            "postcode": ("ship-postal-code",),
            "countryCode": ("ship-country",),
        },
        notes=(
            "Amount is the line amount (qty included): lineTotal; totalPrice = sum of the "
            "lines; unitPrice = Amount / Qty",
            "Date is MM-DD-YY without a time or zone: pass tz= (e.g. 'Asia/Kolkata')",
            "status = Status: Cancelled excluded; Returned to Seller / Rejected by Buyer "
            "excluded as refunded; Shipped... sent",
            "no customer identity in the report (shipping city/state/postcode only)",
        ),
        signature=signature(
            "Order ID",
            "Date",
            "Status",
            "Fulfilment",
            "Sales Channel",
            "ship-service-level",
            "Style",
            "Courier Status",
            "Amount",
            "ship-postal-code",
        ),
        auto=False,
        dayfirst=False,
    )
)
