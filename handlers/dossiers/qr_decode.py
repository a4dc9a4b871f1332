"""Reads the QR code in a photo of a receipt (zxing-cpp) and finds the dossier token in its text.

A receipt QR holds a Telegram deep link (``...?start=d_<token>``), a web link (``...?d=<token>``)
or the bare payload ``d_<token>``; all three lead to the same token.

Memory stays bounded whatever is sent: the size comes from the file's header before anything
is decoded; a JPEG is decoded already scaled down (Pillow's ``draft``); other formats are
decoded only when their full size fits ``MAX_DECODED_BYTES`` and are then shrunk by ``reduce``
(``thumbnail``'s reducing gap) before any copy is made.
"""

from __future__ import annotations

import io
import logging
import warnings
from urllib.parse import parse_qs, urlsplit

import zxingcpp
from PIL import Image, ImageOps, UnidentifiedImageError

from handlers.payloads import CORE, OpenDossier, OpenProcedure

log = logging.getLogger(__name__)

# Phone photos are large; zxing-cpp finds a receipt QR well below this size and much faster.
MAX_SIDE = 1600
MAX_BYTES = 20 * 1024 * 1024
# The largest image decoded at full size (a 48-megapixel phone JPEG is decoded at 1/4 by
# ``draft`` and never comes near it; a 21-megapixel RGB PNG does).
MAX_DECODED_BYTES = 64 * 1024 * 1024
FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP")
# Pillow warns from 89 megapixels on; the size check below refuses such images anyway.
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)


class ImageTooLarge(ValueError):
    """The image would take more memory to decode than a receipt photo ever needs."""


def decode_qr(image: bytes) -> list[str]:
    """Texts of the QR codes found in the image, best first; empty when none or not an image.

    Raises :class:`ImageTooLarge` when the header announces more pixels than we decode.
    """
    if not image:
        return []
    if len(image) > MAX_BYTES:
        raise ImageTooLarge(f"{len(image)} bytes")
    try:
        with Image.open(io.BytesIO(image), formats=FORMATS) as opened:
            picture = _small_gray(opened)
    except ImageTooLarge:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        log.info("photo is not a readable image: %s", type(exc).__name__)
        return []
    formats = zxingcpp.BarcodeFormats(
        [zxingcpp.BarcodeFormat.QRCode, zxingcpp.BarcodeFormat.MicroQRCode]
    )
    found = zxingcpp.read_barcodes(picture, formats=formats)
    return [b.text for b in found if b.valid and b.text]


def _small_gray(opened: Image.Image) -> Image.Image:
    """The image at most MAX_SIDE on a side, upright, in grey, never decoded whole if large."""
    opened.draft("L", (MAX_SIDE, MAX_SIDE))  # JPEG: decode at 1/2, 1/4 or 1/8 scale
    width, height = opened.size
    if width * height * len(opened.getbands()) > MAX_DECODED_BYTES:
        raise ImageTooLarge(f"{width}x{height} {opened.mode}")
    opened.thumbnail((MAX_SIDE, MAX_SIDE), reducing_gap=2.0)
    return ImageOps.exif_transpose(opened).convert("L")


def _dossier(raw: str) -> str | None:
    found = CORE.parse(raw)
    return found.encode() if isinstance(found, OpenDossier) else None


def token_from_text(text: str) -> str | None:
    """The ``d_`` payload (prefix included) a receipt QR text carries, or None."""
    text = text.strip()
    if text.startswith(OpenDossier.PREFIX):
        return _dossier(text)
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https", "tg"):
        return None
    query = parse_qs(parts.query)
    for value in query.get("start", []) + query.get("startapp", []):
        if _dossier(value):
            return value
    for value in query.get("d", []):
        token = OpenDossier.parse(value)
        if token is not None:
            return token.encode()
    return None


def _procedure(raw: str) -> str | None:
    found = CORE.parse(raw)
    return found.encode() if isinstance(found, OpenProcedure) else None


def procedure_from_text(text: str) -> str | None:
    """The ``p_`` payload of a procedure-board QR (link or bare), or None."""
    text = text.strip()
    if found := _procedure(text):
        return found
    try:
        query = parse_qs(urlsplit(text).query)
    except ValueError:
        return None
    for value in query.get("start", []):
        if found := _procedure(value):
            return found
    for value in query.get("p", []):
        code = OpenProcedure.parse(value)
        if code is not None:
            return code.encode()
    return None
