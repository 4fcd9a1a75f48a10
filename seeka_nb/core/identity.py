"""Identity value normalisers: email, phone, names, dates of birth, countries (layer 2, pure).

Each takes the text of a whole column (object array of ``str``/``None``, see
:mod:`seeka_nb.core.values`) and returns normalised values plus a mask of rows whose value
was present but invalid (reported, then left out of the event).  Work is done once per
distinct value.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import numpy as np
import pandas as pd
import phonenumbers
import pycountry

from ..schema import EMAIL_PATTERN, SEEKA_PID_PATTERN, TCF_SYNTAX_PATTERN
from .values import is_present, map_distinct

_E164 = phonenumbers.PhoneNumberFormat.E164


def _present_series(values: np.ndarray) -> tuple[np.ndarray, pd.Series]:
    present = is_present(values)
    return present, pd.Series(values[present], dtype=object)


def emails(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Trim and lower-case; syntax-check.  Returns (emails, invalid mask)."""
    out = np.full(len(values), None, dtype=object)
    bad = np.zeros(len(values), dtype=bool)
    present, s = _present_series(values)
    if not present.any():
        return out, bad
    s = s.str.strip().str.strip("<>").str.lower()
    ok = s.str.match(EMAIL_PATTERN).to_numpy(dtype=bool)
    idx = np.flatnonzero(present)
    out[idx[ok]] = s[ok].to_numpy(dtype=object)
    bad[idx[~ok]] = True
    return out, bad


def names(values: np.ndarray) -> np.ndarray:
    """Trim and collapse inner whitespace."""
    out = values.copy()
    present, s = _present_series(values)
    if present.any():
        cleaned = s.str.replace(r"\s+", " ", regex=True).str.strip()
        cleaned = cleaned.where(cleaned != "", None)
        out[present] = cleaned.to_numpy(dtype=object)
    return out


def postcodes(values: np.ndarray) -> np.ndarray:
    """Trim, drop a spreadsheet's forcing apostrophe (``'02134`` → ``02134``)."""
    out = values.copy()
    present, s = _present_series(values)
    if present.any():
        cleaned = s.str.lstrip("'").str.strip()
        out[present] = cleaned.where(cleaned != "", None).to_numpy(dtype=object)
    return out


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return re.sub(
        r"[^a-z0-9]", "", "".join(c for c in text if not unicodedata.combining(c)).lower()
    )


@functools.cache
def _country_index() -> dict[str, str]:
    """Folded country names and codes → ISO 3166-1 alpha-2."""
    index: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("alpha_2", "alpha_3", "name", "official_name", "common_name"):
            value = getattr(c, attr, None)
            if value:
                index.setdefault(_fold(value), c.alpha_2)
    extra = {
        "uk": "GB",
        "greatbritain": "GB",
        "england": "GB",
        "scotland": "GB",
        "wales": "GB",
        "northernireland": "GB",
        "eire": "IE",
        "usa": "US",
        "unitedstatesofamerica": "US",
        "america": "US",
        "russia": "RU",
        "southkorea": "KR",
        "korea": "KR",
        "northkorea": "KP",
        "vietnam": "VN",
        "iran": "IR",
        "syria": "SY",
        "laos": "LA",
        "bolivia": "BO",
        "venezuela": "VE",
        "tanzania": "TZ",
        "moldova": "MD",
        "czechrepublic": "CZ",
        "turkey": "TR",
        "brasil": "BR",
        "espana": "ES",
        "deutschland": "DE",
        "holland": "NL",
        "thenetherlands": "NL",
        "uae": "AE",
        "rsa": "ZA",
        "eireland": "IE",
        "channelislands": "JE",
        "taiwan": "TW",
        "hongkong": "HK",
        "macau": "MO",
        "palestine": "PS",
        "kosovo": "XK",
        "ivorycoast": "CI",
        "capeverde": "CV",
        "swaziland": "SZ",
        "burma": "MM",
        "macedonia": "MK",
        "vaticancity": "VA",
        "micronesia": "FM",
    }
    for k, v in extra.items():
        index.setdefault(k, v)
    return index


def _country_codes(uniques: pd.Index) -> tuple[np.ndarray, np.ndarray]:
    index = _country_index()
    codes = [index.get(_fold(str(v))) for v in uniques]
    return np.array(codes, dtype=object), np.array([c is None for c in codes])


def country_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Country codes or names → ISO 3166-1 alpha-2.  Returns (codes, unknown mask)."""
    return map_distinct(pd.Series(values, dtype=object), _country_codes)


@functools.cache
def _region_ok(region: str) -> bool:
    return region in phonenumbers.SUPPORTED_REGIONS


def _phone_pairs(uniques: pd.Index) -> tuple[np.ndarray, np.ndarray]:
    out = np.full(len(uniques), None, dtype=object)
    bad = np.zeros(len(uniques), dtype=bool)
    for i, key in enumerate(uniques):
        number, _, region = str(key).partition("\x1f")
        number = number.strip().lstrip("'").strip()
        if number.startswith("00"):
            number = "+" + number[2:]
        reg = region if region and _region_ok(region) else None
        try:
            parsed = phonenumbers.parse(number, reg)
        except phonenumbers.NumberParseException:
            bad[i] = True
            continue
        if phonenumbers.is_valid_number(parsed):
            out[i] = phonenumbers.format_number(parsed, _E164)
        else:
            bad[i] = True
    return out, bad


def phones(values: np.ndarray, regions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Phone numbers → E.164, each parsed with its row's country as the default region.

    Returns (numbers, invalid mask).  Invalid or unparseable numbers are left out.
    """
    present = is_present(values)
    keys = np.full(len(values), None, dtype=object)
    if present.any():
        reg = pd.Series(regions[present], dtype=object).fillna("")
        keys[present] = (pd.Series(values[present], dtype=object) + "\x1f" + reg).to_numpy(
            dtype=object
        )
    return map_distinct(pd.Series(keys, dtype=object), _phone_pairs)


def dobs(values: np.ndarray, *, dayfirst: bool) -> tuple[np.ndarray, np.ndarray]:
    """Dates of birth → ``YYYY-MM-DD``.  Returns (dates, invalid mask)."""

    def convert(uniques: pd.Index) -> tuple[np.ndarray, np.ndarray]:
        s = pd.Series(np.asarray(uniques, dtype=object), dtype=object).astype(str)
        parsed = pd.to_datetime(s, format="ISO8601", errors="coerce")
        todo = parsed.isna().to_numpy()
        if todo.any():
            parsed[todo] = pd.to_datetime(
                s[todo], format="mixed", dayfirst=dayfirst, errors="coerce"
            )
        ok = parsed.notna().to_numpy()
        text = np.full(len(s), None, dtype=object)
        text[ok] = parsed[ok].dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
        return text, ~ok

    return map_distinct(pd.Series(values, dtype=object), convert)


def pattern_mismatch(values: np.ndarray, pattern: str) -> np.ndarray:
    """Rows with a present value that does not match ``pattern`` (a regex)."""
    present, s = _present_series(values)
    bad = np.zeros(len(values), dtype=bool)
    if present.any():
        bad[np.flatnonzero(present)] = ~s.str.match(pattern).to_numpy(dtype=bool)
    return bad


def seeka_pid_shape_mismatch(values: np.ndarray) -> np.ndarray:
    """Seeka profile IDs not shaped ``sk.<n>.<13-digit ms>.<digits>`` (warn, never reject)."""
    return pattern_mismatch(values, SEEKA_PID_PATTERN)


def tcf_syntax_invalid(values: np.ndarray) -> np.ndarray:
    """TCF strings that are not dot-separated base64url segments."""
    return pattern_mismatch(values, TCF_SYNTAX_PATTERN)
