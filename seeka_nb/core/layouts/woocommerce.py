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
- ``Status`` feeds ``status`` (the default policy): held back (``excluded``) when
  ``failed``, ``cancelled`` or ``trash`` (code ``failed``/``cancelled``), ``refunded``
  (fully), ``pending``, ``on-hold`` or ``draft``/``checkout-draft`` (code ``pending``);
  ``processing`` and ``completed`` are sent.
- ``Customer ID`` ``0`` means a guest checkout: no ``customerIdentifier`` is sent for it.
- ``Name`` is split at the first space into first/last name.
"""

from __future__ import annotations

import pandas as pd

from ..presets import Preset, register
from .common import signature, split_name, text


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
            "status": ("Status",),
        },
        notes=(
            "Total Amount is the order total repeated per line: taken once, not summed",
            "status = Status: failed, cancelled, trash, refunded, pending, on-hold and draft "
            "orders are excluded; processing and completed are sent",
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
