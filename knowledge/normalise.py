"""Vietnamese text normalisation: Unicode forms, diacritic folding (đ→d), case, spacing."""

from __future__ import annotations

import contextlib
import re
import unicodedata

# Zero-width and control characters (newline and tab excepted) carry nothing a reader sees.
_INVISIBLE_CODES = [
    *range(0x00, 0x09),
    *range(0x0B, 0x20),
    0x7F,
    *range(0x200B, 0x2010),
    *range(0x2028, 0x2030),
    *range(0x2060, 0x2070),
    0xFEFF,
]
_DROP_INVISIBLE: dict[int, str | None] = dict.fromkeys(_INVISIBLE_CODES)
_INVISIBLE = re.compile("[" + "".join(re.escape(chr(c)) for c in _INVISIBLE_CODES) + "]")
# Folding works on ASCII bytes: after NFD, Vietnamese letters are ASCII plus combining marks,
# which ``encode("ascii", "ignore")`` drops; bytes.translate then maps punctuation to spaces.
_ASCII_WORD_TABLE = bytes(c if (48 <= c <= 57 or 97 <= c <= 122) else 32 for c in range(256))
_RUN_OF_SPACES = re.compile(r"[ \t\u00a0]{2,}")
_MOJIBAKE = re.compile("[ÃÄÆ][\u0080-\u00ff]|á»|áº")


def nfc(text: str) -> str:
    """NFC form without invisible/control characters; runs of spaces collapsed, lines kept."""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if not text.isascii():
        if _INVISIBLE.search(text):
            text = text.translate(_DROP_INVISIBLE)
        text = text.replace("\u00a0", " ")
    elif text.isprintable():
        return text.strip() if "  " not in text else _RUN_OF_SPACES.sub(" ", text).strip()
    elif _INVISIBLE.search(text):
        text = text.translate(_DROP_INVISIBLE)
    if "  " in text or "\t" in text:
        text = _RUN_OF_SPACES.sub(" ", text)
    return text.strip()


def fold(text: str) -> str:
    """Lowercase ASCII key: NFC/NFD agnostic, diacritics removed, đ→d, punctuation→spaces.

    Letters outside Latin script have no ASCII form and are dropped.
    """
    text = unicodedata.normalize("NFD", text.lower().replace("đ", "d").replace("ð", "d"))
    data = text.encode("ascii", "ignore").translate(_ASCII_WORD_TABLE)
    return " ".join(data.decode("ascii").split())


def marks_key(word: str) -> str:
    """A word's letters and its marks wherever they sit: "hoá" and "hóa" (two spelling
    conventions) are one key, "buồn" and "buôn" are two."""
    nfd = unicodedata.normalize("NFD", word.lower())
    marks = sorted(c for c in nfd if unicodedata.combining(c))
    if "đ" in nfd:
        marks.append("đ")
    return fold(word) + "|" + "".join(marks)


def tokens(text: str) -> list[str]:
    """Folded word tokens."""
    return fold(text).split()


def _mojibake_bytes(text: str) -> bytes | None:
    """The bytes that were wrongly decoded as cp1252 / Latin-1, when every character fits."""
    out = bytearray()
    for char in text:
        code = ord(char)
        if code < 256:
            out.append(code)
            continue
        try:
            out += char.encode("cp1252")
        except UnicodeEncodeError:
            return None
    return bytes(out)


def repair(text: str) -> str:
    """:func:`nfc`, after decoding again UTF-8 that was read as Latin-1/cp1252 (mojibake)."""
    if not text.isascii() and _MOJIBAKE.search(text):
        raw = _mojibake_bytes(text)
        if raw is not None:
            with contextlib.suppress(UnicodeDecodeError):
                text = raw.decode("utf-8")
    return nfc(text)
