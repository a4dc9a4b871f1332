"""Looking a dossier up by a typed receipt code, rate-limited per user against enumeration."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from handlers.dossiers import codes
from handlers.dossiers.ratelimit import (
    CounterStore,
    Decision,
    MemoryCounterStore,
    RateLimiter,
    RedisCounterStore,
    Window,
)
from storage import dossiers_repo
from storage.engine import SessionFactory
from storage.models import Dossier

# An unknown code costs this many lookups: guessing codes burns the allowance fast, while a
# citizen who mistypes once or twice is not hindered.
UNKNOWN_COST = 3
MALFORMED_COST = 1
FOUND_COST = 1


@dataclass(frozen=True, slots=True)
class Found:
    dossier: Dossier


@dataclass(frozen=True, slots=True)
class Unknown:
    code: str  # canonical


@dataclass(frozen=True, slots=True)
class Malformed:
    problem: codes.CodeProblem
    raw: str


@dataclass(frozen=True, slots=True)
class Limited:
    decision: Decision


Outcome = Found | Unknown | Malformed | Limited


def lookup_windows(per_minute: int, per_day: int) -> Sequence[Window]:
    return (Window(per_minute, 60), Window(per_day, 86400))


def counter_store(redis_url: str = "") -> CounterStore:
    """Redis when a URL is configured (replicas share the counts), else this process's memory."""
    return RedisCounterStore.from_url(redis_url) if redis_url else MemoryCounterStore()


def user_key(channel: str, user_id: str) -> str:
    return f"{channel}:{user_id}"


class DossierLookup:
    """Parses the code, checks the user's allowance, reads the dossier, spends by outcome."""

    def __init__(self, sessions: SessionFactory, limiter: RateLimiter) -> None:
        self._sessions = sessions
        self._limiter = limiter

    async def allowed(self, key: str) -> Decision:
        return await self._limiter.check(key)

    async def spend_failure(self, key: str) -> None:
        """A forged token or an unknown code: counted like a guessed code."""
        await self._limiter.spend(key, UNKNOWN_COST)

    async def by_typed_code(self, key: str, raw: str) -> Outcome:
        decision = await self._limiter.check(key)
        if not decision.allowed:
            return Limited(decision)
        parsed = codes.parse_receipt_code(raw)
        if isinstance(parsed, codes.MalformedCode):
            await self._limiter.spend(key, MALFORMED_COST)
            return Malformed(parsed.reason, raw)
        outcome = await self.by_canonical(parsed.canonical)
        await self._limiter.spend(key, FOUND_COST if isinstance(outcome, Found) else UNKNOWN_COST)
        return outcome

    async def by_canonical(self, canonical: str) -> Found | Unknown:
        """No rate limit here: callers hold proof (a signed token) or checked the limit."""
        async with self._sessions() as session:
            dossier = await dossiers_repo.get_by_code(session, canonical)
        return Found(dossier) if dossier is not None else Unknown(canonical)
