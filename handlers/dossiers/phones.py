"""Vietnamese phone numbers normalised to one form (0 + 9 or 10 digits) and masked for logs."""

from __future__ import annotations

import re

_NON_DIGITS = re.compile(r"[\s.\-()]+")
_VALID = re.compile(r"^0\d{9,10}$")


def normalise_phone(raw: str | None) -> str | None:
    """``+84 912 345 678``, ``84912345678``, ``0912.345.678`` -> ``0912345678``; else None."""
    if raw is None:
        return None
    text = _NON_DIGITS.sub("", str(raw).strip())
    if text.startswith("+84"):
        text = "0" + text[3:]
    elif text.startswith("84") and len(text) in (11, 12):
        text = "0" + text[2:]
    elif text.isdigit() and len(text) == 9 and not text.startswith("0"):
        text = "0" + text  # a leading zero lost by a spreadsheet
    return text if _VALID.match(text) else None


def last_digits(phone: str | None, n: int = 4) -> str | None:
    return phone[-n:] if phone and len(phone) >= n else None


def mask_phone(phone: str | None) -> str:
    """For logs and screens: 0912345678 -> 091****678."""
    if not phone:
        return ""
    return phone[:3] + "*" * max(len(phone) - 6, 0) + phone[-3:]
