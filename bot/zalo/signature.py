"""Verifies Zalo's ``X-ZEvent-Signature``: sha256(app_id + raw body + timestamp + OA secret key).

Pure functions, no I/O: the webhook hands in the raw bytes exactly as received and the clock.
Nothing is parsed before the MAC matches: the signed timestamp is found by a bounded scan of
the raw bytes (a forged body of megabytes costs one hash, not a JSON parse), and the webhook
checks afterwards that the parsed body's ``timestamp`` is the one that was signed.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from enum import StrEnum

HEADER = "X-ZEvent-Signature"
PREFIX = "mac="
# "timestamp": "1700000000000" (or a bare number). Inside a JSON string the quotes would be
# escaped, so an unescaped match is a key; a nested key of that name is tried as well.
_TIMESTAMP = re.compile(rb'"timestamp"\s*:\s*"?(\d{1,20})"?')
MAX_CANDIDATES = 4


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
    timestamp: str | None = None  # the signed string, as found in the body

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
    found = timestamps(raw_body)
    return PREFIX + expected_mac(app_id, raw_body, found[0] if found else "", oa_secret_key)


def timestamps(raw_body: bytes) -> list[str]:
    """The values of ``"timestamp"`` keys in the raw body, first ones first (a few at most)."""
    found: list[str] = []
    for match in _TIMESTAMP.finditer(raw_body):
        found.append(match.group(1).decode("ascii"))
        if len(found) == MAX_CANDIDATES:
            break
    return found


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
    candidates = timestamps(raw_body)
    if not candidates:
        return Checked(Verdict.MALFORMED)
    given = header.strip()
    if given[: len(PREFIX)].lower() == PREFIX:
        given = given[len(PREFIX) :]
    given_bytes = given.strip().lower().encode()
    body = hashlib.sha256()  # the body is hashed once, whatever the number of candidates
    body.update(app_id.encode())
    body.update(raw_body)
    signed = None
    for candidate in candidates:
        digest = body.copy()
        digest.update(candidate.encode())
        digest.update(oa_secret_key.encode())
        if hmac.compare_digest(given_bytes, digest.hexdigest().encode()):
            signed = candidate
            break
    if signed is None:
        return Checked(Verdict.FORGED)
    ts = int(signed)
    if abs(now_ms - ts) > window_s * 1000:
        return Checked(Verdict.STALE, ts, signed)
    return Checked(Verdict.OK, ts, signed)
