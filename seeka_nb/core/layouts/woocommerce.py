"""The ``woocommerce`` preset: orders exported from the WooCommerce REST API (layer 2).

Layout: one row per line item with ``Order ID``, ``Date Created``, ``Date Paid``,
``Status``, ``Customer ID``, ``Name``, ``Email``, ``Product ID``, ``Product Name``,
``Category``, ``Total Amount``, ``Total Discount``, ``Payment Method``,
``Payment Method Title``.

Decisions:

- ``Total Amount`` is the *order* total repeated on every line: taken once per order,
  never summed.  Lines carry no price, so products are sent without ``unitPrice``.
- ``Date Created`` has no zone (WooCommerce writes the shop's local time): pass ``tz=``.
- The export has no currency column: pass ``currency=`` (the shop's currency).
- Held back (``excluded``): ``failed``, ``cancelled``, ``pending`` (unpaid), ``trash``,
  ``draft``/``checkout-draft``.  ``processing``, ``completed``, ``on-hold`` and
  ``refunded`` are purchases and are sent.
- ``Customer ID`` ``0`` means a guest checkout: no ``customerIdentifier`` is sent for it.
- ``Name`` is split at the first space into first/last name.
"""

from __future__ import annotations

import pandas as pd

from ..presets import Preset, Rule, register
from .common import is_one_of, signature, split_name, text

_NOT_PURCHASES = ["failed", "cancelled", "pending", "trash", "draft", "checkout-draft"]


def _derive(frame: pd.DataFrame) -> dict[str, pd.Series]:
    out = split_name(frame, "Name", "seeka:")
    if "Customer ID" in frame.columns:
        ids = text(frame, "Customer ID")
        out["seeka:customer"] = ids.where(~ids.isin(["", "0"]))
    return out


WOOCOMMERCE = register(
    Preset(
        name="woocommerce",
        description="WooCommerce REST API order export (line items; the order total "
        "repeated on every line).",
        mapping={
            "activityId": ("Order ID",),
            "time": ("Date Created",),
            "email": ("Email",),
            "firstName": ("seeka:first",),
            "lastName": ("seeka:last",),
            "customerIdentifier": ("seeka:customer",),
            "paymentMethodName": ("Payment Method Title", "Payment Method"),
            "totalPrice": ("Total Amount",),
            "productIdentifier": ("Product ID",),
            "productName": ("Product Name",),
            "categoryName": ("Category",),
        },
        exclusions=(
            Rule(
                "not_a_purchase",
                "order status is failed, cancelled, pending (unpaid), trash or draft",
                lambda f: is_one_of(f, "Status", _NOT_PURCHASES),
                ("Status",),
            ),
        ),
        notes=(
            "Total Amount is the order total repeated per line: taken once, not summed",
            "excluded: status failed, cancelled, pending, trash, draft",
            "Customer ID 0 (guest) is not sent as customerIdentifier",
            "no currency column: pass currency=",
        ),
        signature=signature(
            "Order ID",
            "Date Created",
            "Date Paid",
            "Status",
            "Customer ID",
            "Product ID",
            "Product Name",
            "Total Amount",
            "Total Discount",
            "Payment Method Title",
        ),
        derive=_derive,
        auto=False,
    )
)
