"""Identity value normalisers: email, phone, names, dates of birth, countries (layer 2, pure).

Each takes a dictionary-encoded text column (:class:`~seeka_nb.core.values.Coded`) and
returns the normalised column plus a mask of rows whose value was present but invalid
(reported, then left out of the event).  Work is done once per distinct value.
"""

from __future__ import annotations

import functools
import re
import unicodedata
import warnings

import email_validator
import numpy as np
import pandas as pd
import pycountry

from ..schema import SEEKA_PID_PATTERN
from .grouping import sorted_unique
from .phone_rules import PhoneValidator, e164_all
from .values import Coded, recode, with_none

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


#: A local part email-validator always accepts (RFC 5322 dot-atom, ASCII): only the
#: domain of such addresses needs the validator (once per distinct domain).
_PLAIN_LOCAL = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"


@functools.lru_cache(maxsize=65536)
def _checked_email(address: str) -> str | None:
    """The normalised address, or ``None`` when email-validator rejects it (no DNS)."""
    try:
        checked = email_validator.validate_email(
            address, check_deliverability=False, allow_smtputf8=True, strict=True
        )
    except email_validator.EmailNotValidError:
        return None
    return str(checked.normalized).lower()


def _email_values(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if len(u) == 0:
        return np.array([], dtype=object), np.zeros(0, dtype=bool)
    s = pd.Series(u, dtype=object).astype(str).str.strip().str.strip("<>").str.strip()
    s = s.str.lower()  # the validator normalises Unicode (NFC) and the domain (IDNA)
    parts = s.str.rpartition("@")
    local, domain = parts[0], parts[2]
    plain = (
        local.str.fullmatch(_PLAIN_LOCAL).to_numpy(dtype=bool)
        & (local.str.len() <= 64).to_numpy(dtype=bool)
        & (s.str.len() <= 254).to_numpy(dtype=bool)
    )
    out = np.full(len(s), None, dtype=object)
    # plain local part: the validator judges (and normalises) each distinct domain once
    checked = {d: _checked_email("x@" + d) for d in pd.unique(domain[plain])}
    judged = domain[plain].map(checked)
    good = judged.notna().to_numpy(dtype=bool)
    rows = np.flatnonzero(plain)[good]
    tail = judged[good].astype(object).str[2:]  # object: pandas 2.2 has no .str on empty floats
    out[rows] = (local[plain][good] + "@" + tail).to_numpy(dtype=object)
    # anything else (quoted, internationalised, odd dots...): the whole address
    for i in np.flatnonzero(~plain):
        out[i] = _checked_email(s.iat[int(i)])
    return out, out == None  # noqa: E711


def emails(text: Coded) -> tuple[Coded, np.ndarray]:
    """Trim, NFC, lower-case; validate with email-validator (syntax only, never DNS).

    Internationalised addresses (``tést@gmail.com``, ``user@münchen.de``) are valid and
    kept in Unicode; ``a..b@example.com``, a missing or dotless domain, or a reserved one
    (``.local``, ``.test``...) is invalid.  Work is per distinct value; a plain ASCII local
    part costs one check per distinct domain.  Returns (emails, invalid rows).
    """
    return text.mapped(_email_values)


def _name_values(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    s = pd.Series(u, dtype=object).str.replace(r"\s+", " ", regex=True).str.strip()
    out = s.to_numpy(dtype=object, copy=True)
    out[out == ""] = None
    return out, np.zeros(len(u), dtype=bool)


def names(text: Coded) -> Coded:
    """Trim and collapse inner whitespace."""
    return text.mapped(_name_values)[0]


def _postcode_values(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    s = pd.Series(u, dtype=object).str.lstrip("'").str.strip()
    # a spreadsheet or pandas re-save writes 400081 as "400081.0": no postcode has ".0"
    out = s.str.replace(r"^(\d+)\.0+$", r"\1", regex=True).to_numpy(dtype=object, copy=True)
    out[out == ""] = None
    return out, np.zeros(len(u), dtype=bool)


def postcodes(text: Coded) -> Coded:
    """Trim, drop a spreadsheet's forcing apostrophe (``'02134`` → ``02134``) and a float
    re-save's ``.0`` (``400081.0`` → ``400081``)."""
    return text.mapped(_postcode_values)[0]


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


def _country_values(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    index = _country_index()
    codes = np.array([index.get(_fold(str(v))) for v in u], dtype=object)
    return codes, codes == None  # noqa: E711


def country_codes(text: Coded) -> tuple[Coded, np.ndarray]:
    """Country codes or names → ISO 3166-1 alpha-2.  Returns (codes, unknown rows)."""
    return text.mapped(_country_values)


def phone_pairs(
    text: Coded, regions: Coded
) -> tuple[np.ndarray, np.ndarray, list[str], list[str | None]]:
    """The distinct (number, region) pairs of a phone column: ``(keys, inverse, numbers,
    regions)``; ``keys[inverse]`` is each row's pair key (``-1``: no number), and
    ``numbers``/``regions`` list the pairs with a number, in key order."""
    width = len(regions.uniques) + 1
    key = np.where(text.codes >= 0, text.codes * width + (regions.codes + 1), -1)
    pairs, inverse = sorted_unique(key)
    real = pairs[pairs >= 0]
    numbers = text.uniques[real // width].tolist()
    region_names = with_none(regions.uniques)[real % width - 1].tolist()
    return pairs, inverse.reshape(-1), numbers, region_names


def phones(
    text: Coded, regions: Coded, validate: PhoneValidator | None = None
) -> tuple[Coded, np.ndarray]:
    """Phone numbers → E.164, each parsed with its row's country as the default region.

    ``regions`` gives each row's ISO country code.  Returns (numbers, invalid rows);
    invalid or unparseable numbers are left out.  Work is per distinct (number, region),
    done by ``validate`` (default :func:`~seeka_nb.core.phone_rules.e164_all`; a caller
    may pass one that works in another process, with the same answers).
    """
    pairs, inverse, numbers, region_names = phone_pairs(text, regions)
    answers = (validate or e164_all)(numbers, region_names)
    if len(answers) != len(numbers):
        raise AssertionError("a phone validator must answer every pair")  # programming error
    out = np.full(len(pairs), None, dtype=object)
    out[pairs >= 0] = np.fromiter(answers, dtype=object, count=len(numbers))
    invalid = (out == None) & (pairs >= 0)  # noqa: E711
    coded = recode(inverse.astype(np.int64), out, text.bad)
    return coded, invalid[inverse]


def _dob(value: str, dayfirst: bool) -> str | None:
    """One date of birth as written (time and zone dropped: a birthday is a calendar day)."""
    try:
        stamp = (
            pd.Timestamp(value)
            if _ISO_DATE.match(value)
            else pd.to_datetime(value, dayfirst=dayfirst)
        )
    except (ValueError, TypeError, OverflowError):
        return None
    if pd.isna(stamp):
        return None
    return f"{stamp.year:04d}-{stamp.month:02d}-{stamp.day:02d}"


def dobs(text: Coded, *, dayfirst: bool) -> tuple[Coded, np.ndarray]:
    """Dates of birth → ``YYYY-MM-DD``.  Returns (dates, invalid rows).

    ISO dates (``1991-04-24``, with or without a time) are read vectorised; other
    spellings one distinct value at a time.  A time or zone is ignored: the calendar day
    written is the birthday.
    """

    def convert(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        s = pd.Series(u, dtype=object).astype(str).str.strip()
        day = s.str.extract(r"^(\d{4}-\d{2}-\d{2})(?:[T ]|$)")[0]
        parsed = pd.to_datetime(day, format="%Y-%m-%d", errors="coerce")
        ok = parsed.notna().to_numpy()
        out = np.full(len(s), None, dtype=object)
        out[ok] = parsed[ok].dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for i in np.flatnonzero(~ok):
                out[i] = _dob(s.iloc[i], dayfirst)
        return out, out == None  # noqa: E711

    return text.mapped(convert)


def pattern_mismatch(text: Coded, pattern: str) -> np.ndarray:
    """Rows with a present value that does not match ``pattern`` (a regex)."""
    if len(text.uniques) == 0:
        return np.zeros(len(text.codes), dtype=bool)
    ok = pd.Series(text.uniques, dtype=object).str.match(pattern).to_numpy(dtype=bool)
    return np.append(~ok, False)[text.codes]


def seeka_pid_shape_mismatch(text: Coded) -> np.ndarray:
    """Seeka profile IDs not shaped ``sk.<n>.<13-digit ms>.<digits>`` (warn, never reject)."""
    return pattern_mismatch(text, SEEKA_PID_PATTERN)
