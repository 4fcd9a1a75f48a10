"""Which text encoding an order export is in (layer 3, helper of the file readers).

Owns :func:`detect_encoding`: a byte-order mark decides first, then strict UTF-8; only a
file that is neither is *guessed*, with charset-normalizer (never a blind Latin-1 fallback),
and the guess is marked as one so that ``read_orders`` can report it in ``df.attrs``.

charset-normalizer ranks its candidates by "chaos" and letter frequencies, which on short
Western-European samples often prefers a code page whose text differs (``Córdoba`` read as
cp1250 is right, ``España`` is not).  So among its low-chaos candidates the one that is the
usual Windows/legacy code page of the detected language wins (cp1252 for Spanish, cp1250
for Polish, cp1254 for Turkish, cp932 for Japanese...), and when several code pages decode
the bytes to the very same text, the most common name is reported (cp1252 over cp1250).
Shift-JIS, GBK and friends are widened to the superset Windows and exporters really use
(cp932, gb18030), so characters such as ``①`` or ``髙`` later in the file still decode.
"""

from __future__ import annotations

import codecs
import functools
import re
import unicodedata
from dataclasses import dataclass

from charset_normalizer import from_bytes

__all__ = ["Encoding", "detect_encoding", "guess_encoding"]

_UTF8_BOM = codecs.BOM_UTF8
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)

#: The code page a language's legacy (Windows, Excel "CSV") exports are usually in.
_NATIVE: dict[str, str] = {}
for _page, _languages in {
    "cp1252": "English German French Spanish Portuguese Italian Dutch Danish Swedish "
    "Norwegian Finnish Catalan Indonesian",
    "cp1250": "Polish Czech Slovak Hungarian Croatian Slovene Romanian",
    "cp1251": "Russian Ukrainian Bulgarian Serbian Belarusian Kazakh Macedonian",
    "cp1253": "Greek",
    "cp1254": "Turkish",
    "cp1255": "Hebrew",
    "cp1256": "Arabic Farsi Persian",
    "cp1257": "Lithuanian Latvian Estonian",
    "cp1258": "Vietnamese",
    "cp932": "Japanese",
    "gb18030": "Chinese",
    "cp949": "Korean",
    "cp874": "Thai",
}.items():
    for _language in _languages.split():
        _NATIVE[_language] = _page

#: Among encodings that give the same text, the name reported (most common first).
_PREFERRED = (
    "cp1252 cp1250 cp1251 cp1253 cp1254 cp1255 cp1256 cp1257 cp1258 latin-1 iso8859-15 "
    "cp932 gb18030 cp949 big5 cp874"
).split()

#: Encodings widened to the superset that exporters really write.
_SUPERSET = {
    "shift_jis": "cp932",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "euc_kr": "cp949",
    "ascii": "utf-8",
}

_CHAOS_MARGIN = 0.1
_MISFIT_CHARS = 64 * 1024


@dataclass(frozen=True)
class Encoding:
    """A Python codec name; ``guessed`` when no BOM or strict UTF-8 decided it."""

    name: str
    guessed: bool = False
    language: str | None = None


def codec_name(name: str) -> str:
    """``latin_1`` → ``latin-1``, ``utf_8`` → ``utf-8``: the spelling users know."""
    canonical = codecs.lookup(name).name
    return {"iso8859-1": "latin-1", "utf_8": "utf-8"}.get(canonical, canonical)


def detect_encoding(sample: bytes, whole: bool) -> Encoding:
    """BOM, else strict UTF-8 (a character cut by the sample's end is fine), else a guess."""
    if sample.startswith(_UTF8_BOM):
        return Encoding("utf-8-sig")
    if sample.startswith(_UTF16_BOMS):
        return Encoding("utf-16")
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(sample, final=whole)
        return Encoding("utf-8")
    except UnicodeDecodeError:
        pass
    return guess_encoding(sample if whole else _whole_characters(sample))


def guess_encoding(data: bytes) -> Encoding:
    """The most plausible non-UTF-8 encoding of ``data`` (see the module docstring).

    Falls back to cp1252, then Latin-1 (which decodes any byte) only when
    charset-normalizer finds no candidate at all, e.g. for a few stray bytes.
    """
    results = list(from_bytes(data))
    if not results:
        return Encoding(_first_decoding(data, ("cp1252", "latin-1")), guessed=True)
    least = min(r.chaos for r in results)
    candidates: dict[str, tuple[int, int, int, float, int, str | None]] = {}
    for r in results:
        if r.chaos > least + _CHAOS_MARGIN:
            continue
        for name in dict.fromkeys([r.encoding, *r.could_be_from_charset]):
            encoding = codec_name(_SUPERSET.get(name, name))
            if encoding in candidates:
                continue
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            native = _NATIVE.get(r.language) == encoding
            candidates[encoding] = (
                _misfit(_non_ascii_lines(text)),
                0 if native else 1,
                0 if encoding in _PREFERRED else 1,  # Windows code pages over ISO/Mac ones
                -round(r.coherence, 2),
                _preference(encoding),
                r.language if r.language and r.language != "Unknown" else None,
            )
    for fallback in ("cp1252", "latin-1"):  # the usual suspects, as the last resort
        if fallback not in candidates:
            try:
                text = data.decode(fallback)
            except UnicodeDecodeError:
                continue
            candidates[fallback] = (_misfit(_non_ascii_lines(text)), 1, 0, 0.0, 0, None)
    name = min(candidates, key=lambda e: candidates[e][:5])
    text = data.decode(name)  # among encodings giving the very same text, the usual name
    name = min((e for e in candidates if data.decode(e) == text), key=_preference)
    return Encoding(name, guessed=True, language=candidates[name][5])


def _non_ascii_lines(text: str) -> str:
    """The lines holding non-ASCII characters (up to 64 Ki characters): the evidence."""
    return "\n".join(_NON_ASCII_LINE.findall(text))[:_MISFIT_CHARS]


_NON_ASCII_LINE = re.compile(r"[^\n]*[^\x00-\x7f][^\n]*")


def _first_decoding(data: bytes, encodings: tuple[str, ...]) -> str:
    for encoding in encodings[:-1]:
        try:
            data.decode(encoding)
            return encoding
        except UnicodeDecodeError:
            pass
    return encodings[-1]


def _misfit(text: str) -> int:
    """How badly ``text`` fits one language: a wrong Latin code page shows itself.

    Counts the distinct accented Latin letters the best-fitting alphabet lacks
    (``Lefčvre``: French has no ``č``), the distinct letters of another script glued to
    ASCII letters (``Wiکniewski``), and the distinct symbols inside words
    (``Ma³gorzata``).  Correct Cyrillic, Greek or CJK text scores 0.
    """
    chars = {c for c in set(text) if ord(c) > 127}
    letters = {c for c in chars if c.isalpha() and "MODIFIER" not in _char_name(c)}
    latin = {c for c in letters if "LATIN" in _char_name(c)}
    foreign = min(len(latin - alphabet) for alphabet in _alphabets()) if latin else 0
    marks = {c for c in chars if unicodedata.category(c) == "Mn" and not 0x300 <= ord(c) < 0x370}
    others = (letters - latin) | marks
    mixed = {c for pair in _TOUCHING_ASCII.findall(text) for c in pair if c in others}
    odd = "".join(c for c in chars if unicodedata.category(c) in _ODD_CATEGORIES)
    inside = set(re.findall(_INSIDE_WORD.format(re.escape(odd)), text)) if odd else set()
    return foreign + len(mixed) + len(inside)


_ODD_CATEGORIES = frozenset({"No", "Sc", "Sk", "So", "Sm", "Co", "Cc", "Cf"})
_TOUCHING_ASCII = re.compile(r"[A-Za-z]([^\x00-\x7f])|([^\x00-\x7f])[A-Za-z]")
_INSIDE_WORD = r"(?<=[^\W\d_])([{}])(?=[^\W\d_])"


def _char_name(c: str) -> str:
    return unicodedata.name(c, "")


@functools.cache
def _alphabets() -> tuple[frozenset[str], ...]:
    return tuple(frozenset(a + a.upper() + extra) for a, extra in _LATIN_ALPHABETS)


#: Accented letters of languages written in Latin script (lower case; upper case added).
_LATIN_ALPHABETS: tuple[tuple[str, str], ...] = (
    ("àâæçéèêëîïôœùûüÿ", ""),  # French
    ("áéíñóúü", ""),  # Spanish
    ("äöüß", "ẞ"),  # German
    ("áâãàçéêíóôõú", ""),  # Portuguese
    ("àèéìíîòóùú", ""),  # Italian
    ("àçèéíïòóúü", ""),  # Catalan
    ("áäéëèïíóöúü", ""),  # Dutch
    ("æøåéóô", ""),  # Danish, Norwegian
    ("åäöé", ""),  # Swedish
    ("äöåšž", ""),  # Finnish
    ("áðéíóúýþæö", ""),  # Icelandic
    ("ąćęłńóśźż", ""),  # Polish
    ("áčďéěíňóřšťúůýž", ""),  # Czech
    ("áäčďéíĺľňóôŕšťúýž", ""),  # Slovak
    ("áéíóöőúüű", ""),  # Hungarian
    ("ăâîșşțţ", ""),  # Romanian
    ("čćđšž", ""),  # Croatian, Slovene, Serbian, Bosnian
    ("çğıöşüâîû", "İ"),  # Turkish
    ("äõöüšž", ""),  # Estonian
    ("āčēģīķļņšūž", ""),  # Latvian
    ("ąčęėįšųūž", ""),  # Lithuanian
    ("ëç", ""),  # Albanian
)


def _preference(encoding: str) -> int:
    return _PREFERRED.index(encoding) if encoding in _PREFERRED else len(_PREFERRED)


def _whole_characters(sample: bytes) -> bytes:
    """The sample up to its last line break: a multi-byte character is never cut."""
    cut = sample.rfind(b"\n")
    return sample[: cut + 1] if cut > 0 else sample
