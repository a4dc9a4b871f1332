"""Reads the QR code in a photo of a receipt (zxing-cpp) and finds the dossier token in its text.

A receipt QR holds a Telegram deep link (``...?start=d_<token>``), a web link (``...?d=<token>``)
or the bare payload ``d_<token>``; all three lead to the same token.
"""

from __future__ import annotations

import io
import logging
import re
from urllib.parse import parse_qs, urlsplit

import zxingcpp
from PIL import Image, ImageOps, UnidentifiedImageError

log = logging.getLogger(__name__)

# Phone photos are large; zxing-cpp finds a receipt QR well below this size and much faster.
MAX_SIDE = 1600
MAX_BYTES = 20 * 1024 * 1024
_PAYLOAD = re.compile(r"d_([A-Za-z0-9_-]{1,62})")


def decode_qr(image: bytes) -> list[str]:
    """Texts of the QR codes found in the image, best first; empty when none or not an image."""
    if not image or len(image) > MAX_BYTES:
        return []
    try:
        with Image.open(io.BytesIO(image)) as opened:
            picture = ImageOps.exif_transpose(opened).convert("L")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        log.info("photo is not a readable image: %s", type(exc).__name__)
        return []
    picture.thumbnail((MAX_SIDE, MAX_SIDE))
    formats = zxingcpp.BarcodeFormats(
        [zxingcpp.BarcodeFormat.QRCode, zxingcpp.BarcodeFormat.MicroQRCode]
    )
    found = zxingcpp.read_barcodes(picture, formats=formats)
    return [b.text for b in found if b.valid and b.text]


def token_from_text(text: str) -> str | None:
    """The ``d_`` payload (prefix included) a receipt QR text carries, or None."""
    text = text.strip()
    if text.startswith("d_"):
        match = _PAYLOAD.fullmatch(text)
        return text if match else None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https", "tg"):
        return None
    query = parse_qs(parts.query)
    for value in query.get("start", []) + query.get("startapp", []):
        if _PAYLOAD.fullmatch(value):
            return value
    for value in query.get("d", []):
        candidate = "d_" + value
        if _PAYLOAD.fullmatch(candidate):
            return candidate
    return None


_PROCEDURE = re.compile(r"p_([A-Za-z0-9-]{1,62})")


def procedure_from_text(text: str) -> str | None:
    """The ``p_`` payload of a procedure-board QR (link or bare), or None."""
    text = text.strip()
    if _PROCEDURE.fullmatch(text):
        return text
    try:
        query = parse_qs(urlsplit(text).query)
    except ValueError:
        return None
    for value in query.get("start", []):
        if _PROCEDURE.fullmatch(value):
            return value
    for value in query.get("p", []):
        if _PROCEDURE.fullmatch("p_" + value):
            return "p_" + value
    return None
