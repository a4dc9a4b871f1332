"""Verifies Zalo's ``X-ZEvent-Signature``: sha256(app_id + raw body + timestamp + OA secret key).

Pure functions, no I/O: the webhook hands in the raw bytes exactly as received and the clock.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from enum import StrEnum

HEADER = "X-ZEvent-Signature"
PREFIX = "mac="


class Verdict(StrEnum):
    OK = "ok"
    UNSIGNED = "unsigned"  # no header at all: the console's test POST, or a probe
    FORGED = "forged"  # a header whose value does not match
    MALFORMED = "malformed"  # not JSON, or no usable timestamp
    STALE = "stale"  # signed correctly but outside the replay window


@dataclass(frozen=True, slots=True)
class Checked:
    verdict: Verdict
    timestamp_ms: int | None = None

    @property
    def ok(self) -> bool:
        return self.verdict is Verdict.OK


def expected_mac(app_id: str, raw_body: bytes, timestamp: str, oa_secret_key: str) -> str:
    """The hex digest Zalo puts after ``mac=`` (plain SHA-256 of the concatenation, not HMAC)."""
    digest = hashlib.sha256()
    digest.update(app_id.encode())
    digest.update(raw_body)
    digest.update(timestamp.encode())
    digest.update(oa_secret_key.encode())
    return digest.hexdigest()


def sign(app_id: str, raw_body: bytes, oa_secret_key: str) -> str:
    """The header value Zalo would send for ``raw_body`` (for tests, fakes and the bench)."""
    timestamp = body_timestamp(raw_body) or ""
    return PREFIX + expected_mac(app_id, raw_body, timestamp, oa_secret_key)


def body_timestamp(raw_body: bytes) -> str | None:
    """The body's ``timestamp`` field as the string that was signed (milliseconds)."""
    try:
        data = json.loads(raw_body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    value = data.get("timestamp")
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value).strip()
    return text if text.isdigit() else None


def verify(
    header: str | None,
    raw_body: bytes,
    *,
    app_id: str,
    oa_secret_key: str,
    now_ms: int,
    window_s: float = 300,
) -> Checked:
    """Checks one delivery; the signature first, then the replay window (both ways: clock skew)."""
    if header is None or not header.strip():
        return Checked(Verdict.UNSIGNED)
    if not oa_secret_key:
        return Checked(Verdict.FORGED)  # no key configured: nothing can be trusted
    timestamp = body_timestamp(raw_body)
    if timestamp is None:
        return Checked(Verdict.MALFORMED)
    given = header.strip()
    if given[: len(PREFIX)].lower() == PREFIX:
        given = given[len(PREFIX) :]
    want = expected_mac(app_id, raw_body, timestamp, oa_secret_key)
    if not hmac.compare_digest(given.strip().lower().encode(), want.encode()):
        return Checked(Verdict.FORGED)
    ts = int(timestamp)
    if abs(now_ms - ts) > window_s * 1000:
        return Checked(Verdict.STALE, ts)
    return Checked(Verdict.OK, ts)
