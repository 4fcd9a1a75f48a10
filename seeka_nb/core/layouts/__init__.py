"""Export presets (layer 2, pure): importing this package registers them.

``shopify``, ``woocommerce``, ``online_retail`` (UCI Online Retail) and ``tiendanube``;
each module's docstring lists the decisions it takes.
"""

from __future__ import annotations

from . import online_retail, shopify, tiendanube, woocommerce

__all__ = ["online_retail", "shopify", "tiendanube", "woocommerce"]
