"""Pseudonyms for logs: a chat or user id never appears in a log line, only a keyed digest of
it. The key is drawn per process, so a digest cannot be reversed by hashing every possible id
(Telegram chat ids are numbers); it still ties the lines of one process together."""

from __future__ import annotations

import hashlib
import hmac
import secrets

_KEY = secrets.token_bytes(32)


def pseudonym(*parts: object) -> str:
    """A short stable (within this process) stand-in for an identifier."""
    text = ":".join(str(p) for p in parts)
    return hmac.new(_KEY, text.encode(), hashlib.sha256).hexdigest()[:10]
