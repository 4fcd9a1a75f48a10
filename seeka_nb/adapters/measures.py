"""Which columns of a text-first order export are numbers (layer 3, helper of the readers).

Owns :func:`convert_measures`: a column becomes numeric only when every value is a plain
decimal and its name is not identifier-like (ids, numbers, zips, phones, dates...).  The
rule is spelled out in :func:`seeka_nb.adapters.readers.read_orders`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Hashable
from typing import Any

import numpy as np
import pandas as pd

from ..core.pdcompat import is_text_column

__all__ = ["convert_measures"]

_PROBE_ROWS = 1000

# Numeric measures: a plain decimal, at most 15 integer digits (exact as float64), no
# leading zeros, no sign but "-", no exponent, no thousands separator, no spaces.
_PLAIN_NUMBER = r"-?(?:0|[1-9][0-9]{0,14})(?:\.[0-9]+)?"

# Column names whose values stay text (identifiers, phones, addresses, dates).
_TEXT_WORDS = frozenset(
    "id ids identifier identificador uuid guid key token hash handle number numbers num nr "
    "nbr no numero nummer ref reference referencia code codes codigo sku skus barcode ean "
    "upc gtin isbn mpn asin serial imei zip zipcode postal postcode postalcode plz cep cp "
    "phone phones telephone tel telefono mobile cell celular fax whatsapp invoice receipt "
    "dni cuit cuil cpf cnpj rut nif vat ssn iban account tracking voucher coupon address "
    "street piso floor apartment apt suite building date dates time times datetime "
    "timestamp at created updated modified fecha hora datum".split()
)
_TEXT_SUBSTRINGS = ("phone", "postal", "postcode", "zipcode", "barcode", "invoice", "telefon")
_ENTITY_WORDS = frozenset(
    "order orders customer client cliente user invoice transaction payment receipt product "
    "variant item cart checkout session shipment pedido orden factura kunde bestellung "
    "rechnung employee device location store shop".split()
)
_ENTITY_SUFFIXES = ("ids", "id", "no", "nr", "num", "number", "nummer", "code", "ref")
_MEASURE_WORDS = frozenset(
    "total totals subtotal amount amounts price prices cost costs value values qty quantity "
    "quantities count sum tax taxes discount discounts fee fees shipping weight balance "
    "refund refunded revenue sales margin profit net gross monto importe precio cantidad "
    "costo descuento impuesto betrag preis menge".split()
)


def convert_measures(df: pd.DataFrame, kwargs: dict[str, Any]) -> None:
    """Turn clearly numeric measure columns into numbers, in place (see read_orders)."""
    dtype = kwargs.get("dtype")
    if dtype is not None and not isinstance(dtype, dict):
        return
    typed = _column_names(df, [*(dtype or {}), *(kwargs.get("converters") or {})])
    for position, name in enumerate(df.columns):
        column = df.iloc[:, position]
        if name in typed or not is_text_column(column) or _keeps_text(name):
            continue
        head = column.iloc[:_PROBE_ROWS].dropna()
        if not head.str.fullmatch(_PLAIN_NUMBER).all():  # most text columns stop here
            continue
        codes, uniques = pd.factorize(column)  # work on distinct values; -1 = empty cell
        if len(uniques) == 0:
            continue
        distinct = pd.Series(uniques, dtype="str")
        if not distinct.str.fullmatch(_PLAIN_NUMBER).all():
            continue
        numbers = pd.to_numeric(distinct).to_numpy()
        if (codes < 0).any():
            numbers = np.append(numbers.astype(np.float64), np.nan)
        df.isetitem(position, pd.Series(numbers[codes], index=df.index))  # type: ignore[arg-type]


def _column_names(df: pd.DataFrame, keys: list[Hashable]) -> set[Hashable]:
    """Caller keys (names or positions) as column names."""
    names = set(keys)
    names.update(df.columns[k] for k in keys if isinstance(k, int) and 0 <= k < len(df.columns))
    return names


def _name_tokens(name: object) -> list[str]:
    """``"CustomerID"`` → ``["customer", "id"]``, ``"Teléfono"`` → ``["telefono"]``."""
    text = unicodedata.normalize("NFKD", str(name))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", text)
    return re.findall(r"[a-z]+|[0-9]+", text.lower())


def _keeps_text(name: object) -> bool:
    """Whether a column name says identifier, phone, address or date (values stay text)."""
    tokens = _name_tokens(name)
    for token in tokens:
        if token in _TEXT_WORDS or any(s in token for s in _TEXT_SUBSTRINGS):
            return True
        for suffix in _ENTITY_SUFFIXES:
            if token.endswith(suffix) and token[: -len(suffix)] in _ENTITY_WORDS:
                return True
    return any(t in _ENTITY_WORDS for t in tokens) and not any(t in _MEASURE_WORDS for t in tokens)
