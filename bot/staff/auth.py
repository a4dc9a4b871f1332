"""The console's session cookie (a random token, signed so forged cookies cost no database
read), the CSRF check and the same-origin check on every form."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

from aiohttp import web

COOKIE = "motcua_staff"
SECURE_COOKIE = "__Host-motcua_staff"  # the browser keeps it to this host, https only
_SIG_CHARS = 32


class CookieSigner:
    def __init__(self, key: bytes, *, https: bool) -> None:
        self._key = hmac.new(key, b"staff-session-cookie", hashlib.sha256).digest()
        self._https = https

    def _sig(self, token: str) -> str:
        return hmac.new(self._key, token.encode(), hashlib.sha256).hexdigest()[:_SIG_CHARS]

    def secure(self, request: web.Request) -> bool:
        return self._https or request.secure

    def token(self, request: web.Request) -> str | None:
        """The token of a cookie this server signed, else None."""
        raw = request.cookies.get(SECURE_COOKIE) or request.cookies.get(COOKIE) or ""
        token, _, sig = raw.rpartition(".")
        if not token or len(token) > 128 or not hmac.compare_digest(sig, self._sig(token)):
            return None
        return token

    def set(self, request: web.Request, response: web.StreamResponse, token: str) -> None:
        secure = self.secure(request)
        response.set_cookie(
            SECURE_COOKIE if secure else COOKIE,
            f"{token}.{self._sig(token)}",
            path="/" if secure else "/staff",
            httponly=True,
            secure=secure,
            samesite="Strict",
        )

    def clear(self, request: web.Request, response: web.StreamResponse) -> None:
        secure = self.secure(request)
        response.del_cookie(
            SECURE_COOKIE if secure else COOKIE,
            path="/" if secure else "/staff",
            secure=secure,
            httponly=True,
            samesite="Strict",
        )


def same_origin(request: web.Request) -> bool:
    """A browser's form post names where it came from; another site's page is refused (tools
    that send no Origin are judged by the session and the CSRF token alone)."""
    origin = request.headers.get("Origin")
    if origin is None or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.host


def csrf_ok(expected: str, given: object) -> bool:
    return isinstance(given, str) and bool(given) and hmac.compare_digest(given, expected)
