"""Signed dossier tokens for deep links and receipt QR codes: compact receipt code + HMAC tag.

Holding a valid token is proof of possession of the receipt, so it lets a chat subscribe.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

PREFIX = "d_"
# 12 bytes of HMAC-SHA256 (96 bits) is plenty against online forgery, and short enough for
# Telegram's 64-character start payload together with the receipt code.
TAG_BYTES = 12
TAG_CHARS = 16  # base64url of 12 bytes, no padding
MAX_PAYLOAD = 64
MAX_CODE_CHARS = MAX_PAYLOAD - len(PREFIX) - TAG_CHARS
# Domain separation: the same key may one day sign other things.
_CONTEXT = b"motcua:dossier-token:v1:"
_COMPACT = re.compile(rf"[A-Z0-9]{{1,{MAX_CODE_CHARS}}}")
_PAYLOAD_CHARS = re.compile(r"[A-Za-z0-9_-]{1,64}")


class TokenError(ValueError):
    """The token is malformed, or was not signed with this deployment's key."""


def compact_code(receipt_code: str) -> str:
    """``000.00.20.H56-210615-0001`` → ``0000020H562106150001`` (letters and digits only)."""
    compact = re.sub(r"[^A-Za-z0-9]", "", receipt_code).upper()
    if not _COMPACT.fullmatch(compact):
        raise TokenError("receipt code does not fit in a token")
    return compact


def _tag(compact: str, key: bytes) -> str:
    if not key:
        raise TokenError("empty signing key")
    digest = hmac.new(key, _CONTEXT + compact.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:TAG_BYTES]).decode("ascii").rstrip("=")


def make_token(receipt_code: str, key: bytes) -> str:
    """The token without the ``d_`` prefix: compact code then a 16-character tag."""
    compact = compact_code(receipt_code)
    return compact + _tag(compact, key)


def make_payload(receipt_code: str, key: bytes) -> str:
    """The start payload ``d_<token>`` a receipt's QR code and deep link carry."""
    return PREFIX + make_token(receipt_code, key)


def verify_token(token: str, key: bytes) -> str:
    """The compact receipt code the token was signed for; :class:`TokenError` otherwise.

    Accepts the token with or without the ``d_`` prefix. The tag is compared in constant time.
    """
    body = token.strip()
    if body.startswith(PREFIX):
        body = body[len(PREFIX) :]
    if not _PAYLOAD_CHARS.fullmatch(body) or len(body) > MAX_PAYLOAD - len(PREFIX):
        raise TokenError("malformed token")
    compact, tag = body[:-TAG_CHARS], body[-TAG_CHARS:]
    if not _COMPACT.fullmatch(compact):
        raise TokenError("malformed token")
    if not hmac.compare_digest(tag.encode("ascii"), _tag(compact, key).encode("ascii")):
        raise TokenError("bad signature")
    return compact
