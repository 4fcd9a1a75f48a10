"""The ``tiendanube`` preset: Tiendanube "Ventas" CSV export, Spanish headers (layer 2).

The file is Latin-1 with ``;`` delimiters (``read_orders`` detects both).  One row per
line item; order fields (date, status, totals, customer, address) on the first row only.

Decisions:

- One order = the rows sharing ``Número de orden``; the activity ID is the order's
  ``Identificador de la orden`` (Tiendanube's internal ID, on the first row) when the
  column exists, else ``Número de orden``; ``Número de orden`` → ``orderNumber``.  Use
  ``mapping={"activityId": "Número de orden"}`` if your browser SDK sent the number.
- ``Fecha`` is day-first (``30/09/2025 23:51:28``) without a zone: pass ``tz=`` (the shop's
  zone, e.g. ``America/Argentina/Buenos_Aires``).
- ``Estado de la orden`` + ``Estado del pago`` + ``Fecha y hora de cancelación`` feed
  ``status`` (the default policy): held back (``excluded``) when cancelled (``Cancelada``
  or a cancellation date), unpaid (``Pendiente``: code ``pending``), rejected
  (``Rechazado``: ``declined``) or abandoned (``Abandonado``: ``abandoned``); ``Abierta``
  with ``Recibido`` (paid) is sent.
- ``Teléfono`` and ``Teléfono para el envío`` feed ``phone``; ``Nombre del comprador`` is split
  into first/last name; the address is ``Dirección`` + ``Número`` (line 1), ``Piso``
  (line 2), ``Ciudad``, ``Provincia o estado``, ``Código postal``, ``País``.
  ``DNI / CUIT`` (a national ID) is never sent.
- ``Total`` → ``totalPrice``, ``Costo de envío`` → ``totalShippingPrice``.
"""

from __future__ import annotations

import pandas as pd

from ..presets import Preset, register
from .common import signature, split_name, text


def _derive(frame: pd.DataFrame) -> dict[str, pd.Series]:
    out = split_name(frame, "Nombre del comprador", "seeka:")
    if "Dirección" in frame.columns:
        street = text(frame, "Dirección")
        number = text(frame, "Número") if "Número" in frame.columns else ""
        line1 = (street + " " + number).str.strip()
        out["seeka:line1"] = line1.where(line1 != "")
    return out


TIENDANUBE = register(
    Preset(
        name="tiendanube",
        description="Tiendanube 'Ventas' export (Spanish headers, Latin-1, ';').",
        mapping={
            "activityId": ("Identificador de la orden", "Número de orden"),
            "orderNumber": ("Número de orden",),
            "time": ("Fecha",),
            "email": ("Email",),
            "phone": ("Teléfono", "Teléfono para el envío"),
            "firstName": ("seeka:first",),
            "lastName": ("seeka:last",),
            "addressLine1": ("seeka:line1",),
            "addressLine2": ("Piso",),
            "locality": ("Ciudad",),
            "state": ("Provincia o estado",),
            "postcode": ("Código postal",),
            "country": ("País",),
            "currencyCode": ("Moneda",),
            "totalPrice": ("Total",),
            "totalShippingPrice": ("Costo de envío",),
            "paymentMethodName": ("Medio de pago",),
            "productName": ("Nombre del producto",),
            "unitPrice": ("Precio del producto",),
            "quantity": ("Cantidad del producto",),
            "sku": ("SKU",),
            "status": ("Estado de la orden", "Estado del pago", "Fecha y hora de cancelación"),
        },
        discount=("Descuento",),
        group_by=("Número de orden",),
        notes=(
            "rows grouped by Número de orden; activityId = Identificador de la orden",
            "Fecha is day-first without a zone: pass tz=",
            "status = Estado de la orden + Estado del pago + Fecha y hora de cancelación: "
            "cancelled, unpaid (Pendiente), rejected and abandoned orders are excluded",
            "DNI / CUIT is never sent",
        ),
        signature=signature(
            "Número de orden",
            "Estado de la orden",
            "Estado del pago",
            "Moneda",
            "Nombre del comprador",
            "Nombre del producto",
            "Precio del producto",
            "Cantidad del producto",
        ),
        derive=_derive,
        auto=False,
        dayfirst=True,
    )
)
