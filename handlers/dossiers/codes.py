"""Receipt codes (mã hồ sơ) such as ``000.00.20.H56-210615-0001``: parse, normalise, spot.

A code is the receiving agency's electronic id (four groups, the last one a letter and two
digits: H56 is a province, G22 a ministry), the day received as ``yymmdd`` and the day's sequence
number (4 digits). People type it in any case, with spaces or without the dots and dashes, with
en or em dashes, spaces around the separators or full-width digits (a phone keyboard's); all
forms normalise to the canonical one. Procedure codes (``1.001193``) are not receipt codes.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

# Agency groups are 3, 2 and 2 letters/digits, then letter + 2 digits; 20 characters in all.
_COMPACT = re.compile(r"^([A-Z0-9]{3})([A-Z0-9]{2})([A-Z0-9]{2})([A-Z]\d{2})(\d{6})(\d{4})$")
_AGENCY = re.compile(r"^[A-Z0-9]{7}[A-Z]\d{2}$")
_ALLOWED = re.compile(r"^[A-Z0-9.\-_/ ]+$")
_SEPARATORS = re.compile(r"[.\-_/\s]+")
COMPACT_LENGTH = 20
EXAMPLE = "000.00.20.H56-210615-0001"

# Dashes people type for "-": hyphen, non-breaking hyphen, figure/en/em dashes, minus signs.
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63"), "-")
# "H56 - 260101 - 0001", "000 . 00": a separator with spaces around it, between code characters.
_SPACED_SEPARATOR = re.compile(r"(?<=[0-9A-Za-z])[ \t]*([.\-_/])[ \t]*(?=[0-9A-Za-z])")
# "000,00,20,H56": commas for dots, between code characters.
_COMMA_SEPARATOR = re.compile(r"(?<=[0-9A-Za-z]),(?=[0-9A-Za-z])")
# Fragments of a code on their own: the agency ("000.00.20.H56"), the day and sequence.
_FRAGMENT = re.compile(r"^(?:[A-Z0-9]{3}\.[A-Z0-9]{2}\.[A-Z0-9]{2}\.[A-Z]\d{2}|\d{6}-\d{4})$")

# Free text: runs of tokens made of code characters (what a person might type as a code).
_TOKEN_STRIP = ".,;:!?()[]{}\"'“”«»"
_SEGMENT_BREAK = re.compile(r"[:;,!?()\[\]{}\"“”«»\n]+")
_CODE_TOKEN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-_/]*$")
_PROCEDURE_CODE = re.compile(r"^\d\.\d{6}(\.[A-Za-z0-9]+)?$")
_AGENCY_HINT = re.compile(r"[A-Z]\d{2}")
_DOTTED_PREFIX = re.compile(r"^[A-Z0-9]{3}[.\s][A-Z0-9]{2}[.\s][A-Z0-9]{2}")


class CodeProblem(StrEnum):
    """Why a typed code is malformed (texts for citizens live in handlers/texts_vi.py)."""

    EMPTY = "empty"
    BAD_CHARACTERS = "bad_characters"
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    BAD_AGENCY = "bad_agency"
    BAD_DATE = "bad_date"
    BAD_SEQUENCE = "bad_sequence"
    PROCEDURE_CODE = "procedure_code"


@dataclass(frozen=True, slots=True)
class ReceiptCode:
    agency: str  # canonical, with dots: 000.00.20.H56
    received_on: date
    sequence: int

    @property
    def canonical(self) -> str:
        return f"{self.agency}-{self.received_on:%y%m%d}-{self.sequence:04d}"

    def __str__(self) -> str:
        return self.canonical


@dataclass(frozen=True, slots=True)
class MalformedCode:
    reason: CodeProblem
    text: str


def _yymmdd(digits: str) -> date | None:
    try:
        return date(2000 + int(digits[:2]), int(digits[2:4]), int(digits[4:6]))
    except ValueError:
        return None


def normalise_typed(text: str) -> str:
    """The text with a typed code's variants made plain: full-width characters (NFKC), every
    dash as "-", no spaces around separators between code characters, commas as dots."""
    text = unicodedata.normalize("NFKC", text or "").translate(_DASHES)
    text = _SPACED_SEPARATOR.sub(r"\1", text)
    return _COMMA_SEPARATOR.sub(".", text)


def parse_receipt_code(text: str) -> ReceiptCode | MalformedCode:
    """Parse a code in any spelling; a MalformedCode says what is wrong with it."""
    raw = normalise_typed(text).strip()
    upper = raw.upper()
    if not upper:
        return MalformedCode(CodeProblem.EMPTY, raw)
    if _PROCEDURE_CODE.match(raw):
        return MalformedCode(CodeProblem.PROCEDURE_CODE, raw)
    if not _ALLOWED.match(upper):
        return MalformedCode(CodeProblem.BAD_CHARACTERS, raw)
    compact = _SEPARATORS.sub("", upper)
    match = _COMPACT.match(compact)
    if match is None:
        if len(compact) < COMPACT_LENGTH:
            return MalformedCode(CodeProblem.TOO_SHORT, raw)
        if len(compact) > COMPACT_LENGTH:
            return MalformedCode(CodeProblem.TOO_LONG, raw)
        if not _AGENCY.match(compact[:10]):
            return MalformedCode(CodeProblem.BAD_AGENCY, raw)
        if not compact[10:16].isdigit():
            return MalformedCode(CodeProblem.BAD_DATE, raw)
        return MalformedCode(CodeProblem.BAD_SEQUENCE, raw)
    g1, g2, g3, g4, day, seq = match.groups()
    received_on = _yymmdd(day)
    if received_on is None:
        return MalformedCode(CodeProblem.BAD_DATE, raw)
    sequence = int(seq)
    if sequence == 0:
        return MalformedCode(CodeProblem.BAD_SEQUENCE, raw)
    return ReceiptCode(f"{g1}.{g2}.{g3}.{g4}", received_on, sequence)


def canonical_code(text: str) -> str | None:
    """The canonical form of a well-formed code, else None."""
    parsed = parse_receipt_code(text)
    return parsed.canonical if isinstance(parsed, ReceiptCode) else None


def _looks_like_attempt(run: str) -> bool:
    upper = run.upper()
    compact = _SEPARATORS.sub("", upper)
    digits = sum(ch.isdigit() for ch in compact)
    if _COMPACT.match(compact) or _FRAGMENT.match(upper):
        return True
    if len(compact) < 12 or digits < 8:
        return False  # phone numbers, dates and procedure codes stay out
    return bool(_AGENCY_HINT.search(compact) or _DOTTED_PREFIX.match(upper) or digits >= 14)


def find_code(text: str) -> str | None:
    """The first stretch of ``text`` that looks like an attempt at a receipt code, well-formed
    or not ("000.00.20.h56 210615 0001", "0000020H562106150001"); None when there is none."""
    runs: list[list[str]] = []
    for segment in _SEGMENT_BREAK.split(normalise_typed(text)):
        runs.append([])
        for word in segment.split():
            token = word.strip(_TOKEN_STRIP)
            codelike = token and _CODE_TOKEN.match(token) and any(ch.isdigit() for ch in token)
            if not codelike or _PROCEDURE_CODE.match(token):
                runs.append([])
            else:
                runs[-1].append(token)
                if word.rstrip(_TOKEN_STRIP) != word:
                    runs.append([])  # punctuation after a token ends the run
    for run in runs:
        # Try the longest stretch first, then shrink from the ends (words around the code).
        for size in range(len(run), 0, -1):
            for start in range(len(run) - size + 1):
                candidate = " ".join(run[start : start + size])
                if _looks_like_attempt(candidate):
                    return candidate
    return None
