"""One phone number → E.164, the single rule every conversion path applies (layer 2, pure).

``e164(number, region)`` parses a number with libphonenumber, using ``region`` (the order's
ISO country) as the default region, and returns it in E.164 when libphonenumber says it is
valid, else ``None``.  ``e164_all`` applies it to aligned lists of distinct pairs; it is
the default *phone validator* of :func:`seeka_nb.core.identity.phones`.

A phone validator is any callable ``(numbers, regions) -> results`` giving exactly
``e164_all``'s answers (one per pair, in order); it may also have a
``prefetch(numbers, regions)`` method, called early with the likely pairs so that the work
can start before the answers are needed, and a ``pending()`` method saying whether that
work is still going on (the conversion then does other work before asking).
:class:`seeka_nb.adapters.phone_pool.PhonePool` is one that runs ``e164_all`` in a helper
process.  This module imports nothing from ``seeka_nb``: the helper process loads it by
file path, without pandas.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import phonenumbers

_E164 = phonenumbers.PhoneNumberFormat.E164

#: ``(numbers, regions) -> E.164 or None per pair`` (see the module docstring).
PhoneValidator = Callable[[Sequence[str], Sequence["str | None"]], Sequence["str | None"]]


@functools.cache
def _region_ok(region: str) -> bool:
    return region in phonenumbers.SUPPORTED_REGIONS


def e164(number: str, region: str | None) -> str | None:
    """``number`` in E.164 if libphonenumber finds it valid (``region``: default region)."""
    reg = region if region is not None and _region_ok(region) else None
    number = number.strip().lstrip("'").strip()
    if number.startswith("00"):
        number = "+" + number[2:]
    try:
        parsed = phonenumbers.parse(number, reg)
    except phonenumbers.NumberParseException:
        return None
    # Valid for the row's own region implies valid: one metadata check instead of one per
    # region sharing the country code (+61 is AU, CC and CX); otherwise the full check.
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(parsed.country_code or 0, ())
    valid = (reg in regions and phonenumbers.is_valid_number_for_region(parsed, reg)) or (
        phonenumbers.is_valid_number(parsed)
    )
    return phonenumbers.format_number(parsed, _E164) if valid else None


def e164_all(numbers: Sequence[str], regions: Sequence[str | None]) -> list[str | None]:
    """:func:`e164` of each ``(numbers[i], regions[i])`` pair (the serial validator)."""
    return [e164(n, r) for n, r in zip(numbers, regions, strict=True)]
