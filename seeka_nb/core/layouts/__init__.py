"""Export presets (layer 2, pure): importing this package registers them.

``shopify``, ``woocommerce``, ``online_retail`` (UCI Online Retail, and the Online Retail
II header), ``tiendanube``, ``etsy`` (Sold Orders) and ``amazon_seller`` (Sale Report);
each module's docstring lists the decisions it takes.
"""

from __future__ import annotations

from . import amazon_seller, etsy, online_retail, shopify, tiendanube, woocommerce

__all__ = ["amazon_seller", "etsy", "online_retail", "shopify", "tiendanube", "woocommerce"]
