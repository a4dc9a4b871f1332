"""Signed dossier tokens for deep links and receipt QR codes: compact receipt code, issue day and
an HMAC tag. Holding a valid token is proof of possession of the receipt, so it lets a chat
subscribe; it is valid for ``[security] token_days`` from the day it was issued.

Format (inside Telegram's start payload ``[A-Za-z0-9_-]{1,64}``, after ``d_``):
``<compact code>_<issue day><tag>``: the code's letters and digits, ``_``, the issue day as
days since 2020-01-01 in base 36 (lower case), and 16 characters of base64url HMAC-SHA256
over all of it: ``0000020H562106150001_1ya`` and its tag are 40 characters.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.payloads import OpenDossier

PREFIX = OpenDossier.PREFIX
# 12 bytes of HMAC-SHA256 (96 bits) is plenty against online forgery, and short enough for
# Telegram's 64-character start payload together with the receipt code.
TAG_BYTES = 12
TAG_CHARS = 16  # base64url of 12 bytes, no padding
MAX_PAYLOAD = 64
DAY_CHARS = 4  # base 36: 1,679,615 days from EPOCH
MAX_CODE_CHARS = MAX_PAYLOAD - len(PREFIX) - TAG_CHARS - 1 - DAY_CHARS
EPOCH = date(2020, 1, 1)
DEFAULT_VALID_DAYS = 180
# A token dated a little ahead of this server's day: another replica's clock, time zones.
FUTURE_SLACK_DAYS = 1
# Domain separation: the same key may one day sign other things; v1 tokens carried no date.
_CONTEXT = b"motcua:dossier-token:v2:"
_COMPACT = re.compile(rf"[A-Z0-9]{{1,{MAX_CODE_CHARS}}}")
_DAY = re.compile(rf"[0-9a-z]{{1,{DAY_CHARS}}}")
_PAYLOAD_CHARS = re.compile(r"[A-Za-z0-9_-]{1,64}")
_VN = ZoneInfo("Asia/Ho_Chi_Minh")


class TokenError(ValueError):
    """The token is malformed, or was not signed with this deployment's key."""


class TokenExpired(TokenError):
    """A genuine token, issued longer ago than its validity (or one without an issue day)."""


def today_vn() -> date:
    return datetime.now(_VN).date()


def compact_code(receipt_code: str) -> str:
    """``000.00.20.H56-210615-0001`` → ``0000020H562106150001`` (letters and digits only)."""
    compact = re.sub(r"[^A-Za-z0-9]", "", receipt_code).upper()
    if not _COMPACT.fullmatch(compact):
        raise TokenError("receipt code does not fit in a token")
    return compact


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if not n:
            return out


def _tag(body: str, key: bytes) -> str:
    if not key:
        raise TokenError("empty signing key")
    digest = hmac.new(key, _CONTEXT + body.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:TAG_BYTES]).decode("ascii").rstrip("=")


def make_token(receipt_code: str, key: bytes, issued: date | None = None) -> str:
    """The token without the ``d_`` prefix, issued ``issued`` (today in Vietnam by default)."""
    day = (issued or today_vn()) - EPOCH
    if day.days < 0:
        raise TokenError("issue day before the epoch")
    body = f"{compact_code(receipt_code)}_{_base36(day.days)}"
    return body + _tag(body, key)


def make_payload(receipt_code: str, key: bytes, issued: date | None = None) -> str:
    """The start payload ``d_<token>`` a receipt's QR code and deep link carry."""
    return OpenDossier(make_token(receipt_code, key, issued)).encode()


def verify_token(
    token: str,
    key: bytes,
    *,
    valid_days: int = DEFAULT_VALID_DAYS,
    today: date | None = None,
) -> str:
    """The compact receipt code the token was signed for; :class:`TokenExpired` when it is
    genuine but too old (or undated, from before tokens carried a day), :class:`TokenError`
    otherwise. Accepts the token with or without the ``d_`` prefix; the tag is compared in
    constant time, and before the date is looked at, so an expiry tells a forger nothing."""
    body = token.strip()
    if body.startswith(PREFIX):
        body = body[len(PREFIX) :]
    if not _PAYLOAD_CHARS.fullmatch(body) or len(body) > MAX_PAYLOAD - len(PREFIX):
        raise TokenError("malformed token")
    signed, tag = body[:-TAG_CHARS], body[-TAG_CHARS:]
    compact, sep, day = signed.partition("_")
    if not _COMPACT.fullmatch(compact):
        raise TokenError("malformed token")
    if not sep:
        if _legacy_tag_matches(compact, tag, key):
            raise TokenExpired("a token without an issue day")
        raise TokenError("malformed token")
    if not _DAY.fullmatch(day):
        raise TokenError("malformed token")
    if not hmac.compare_digest(tag.encode("ascii"), _tag(signed, key).encode("ascii")):
        raise TokenError("bad signature")
    issued = EPOCH + timedelta(days=int(day, 36))
    now = today or today_vn()
    if issued > now + timedelta(days=FUTURE_SLACK_DAYS):
        raise TokenError("issued in the future")
    if (now - issued).days > valid_days:
        raise TokenExpired("token expired")
    return compact


def _legacy_tag_matches(compact: str, tag: str, key: bytes) -> bool:
    """A v1 token (no issue day) signed by this deployment: told apart from a forgery so the
    citizen hears that the QR code is old, not that it was altered."""
    if not key:
        return False
    digest = hmac.new(
        key, b"motcua:dossier-token:v1:" + compact.encode("ascii"), hashlib.sha256
    ).digest()
    want = base64.urlsafe_b64encode(digest[:TAG_BYTES]).decode("ascii").rstrip("=")
    return hmac.compare_digest(tag.encode("ascii"), want.encode("ascii"))
