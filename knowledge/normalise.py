"""Vietnamese text normalisation: Unicode forms, diacritic folding (đ→d), case, spacing."""

from __future__ import annotations

import re
import unicodedata

# Zero-width and control characters (newline and tab excepted) carry nothing a reader sees.
_INVISIBLE_CODES = [
    *range(0x00, 0x09), *range(0x0B, 0x20), 0x7F,
    *range(0x200B, 0x2010), *range(0x2028, 0x2030), *range(0x2060, 0x2070), 0xFEFF,
]
_DROP_INVISIBLE: dict[int, str | None] = dict.fromkeys(_INVISIBLE_CODES)
_INVISIBLE = re.compile("[" + "".join(re.escape(chr(c)) for c in _INVISIBLE_CODES) + "]")
# Folding: combining marks and invisible characters go away (regexes beat str.translate here).
_REMOVED_IN_FOLD = re.compile(
    "[\u0300-\u036f" + "".join(re.escape(chr(c)) for c in _INVISIBLE_CODES) + "]"
)
_NON_WORD = re.compile(r"[\W_]+")
_RUN_OF_SPACES = re.compile(r"[ \t\u00a0]{2,}")
_MOJIBAKE = re.compile("[ÃÄÆ][\u0080-\u00ff]|á»|áº")


def nfc(text: str) -> str:
    """NFC form without invisible/control characters; runs of spaces collapsed, lines kept."""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if _INVISIBLE.search(text):
        text = text.translate(_DROP_INVISIBLE)
    text = text.replace("\u00a0", " ")
    return _RUN_OF_SPACES.sub(" ", text).strip()


def fold(text: str) -> str:
    """Lowercase key: NFC/NFD agnostic, diacritics removed, đ→d, punctuation→spaces."""
    text = _REMOVED_IN_FOLD.sub("", unicodedata.normalize("NFD", text.lower()))
    text = text.replace("đ", "d").replace("ð", "d")
    return " ".join(_NON_WORD.sub(" ", text).split())


def tokens(text: str) -> list[str]:
    """Folded word tokens."""
    return fold(text).split()


def repair(text: str) -> str:
    """:func:`nfc`, after decoding again UTF-8 that was read as Latin-1/cp1252 (mojibake)."""
    if _MOJIBAKE.search(text):
        for codec in ("cp1252", "latin-1"):
            try:
                text = text.encode(codec).decode("utf-8")
                break
            except (UnicodeEncodeError, UnicodeDecodeError):
                continue
    return nfc(text)
