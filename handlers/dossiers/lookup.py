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
    check_all,
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
    subscribed: bool = False  # the asking user already follows this dossier


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


def channel_failure_windows(per_minute: int) -> Sequence[Window]:
    return (Window(per_minute, 60),)


def counter_store(redis_url: str = "") -> CounterStore:
    """Redis when a URL is configured (replicas share the counts), else this process's memory."""
    return RedisCounterStore.from_url(redis_url) if redis_url else MemoryCounterStore()


def user_key(channel: str, user_id: str) -> str:
    return f"{channel}:{user_id}"


class DossierLookup:
    """Parses the code, checks the user's allowance, reads the dossier, spends by outcome.

    Besides each user's allowance, failures (unknown codes, forged tokens) are counted per
    channel: a guesser who makes up new user ids (the web chat has no accounts) still meets
    a ceiling, after which typed-code lookups on that channel pause for the rest of the minute.
    """

    def __init__(
        self,
        sessions: SessionFactory,
        limiter: RateLimiter,
        channel_failures: RateLimiter | None = None,
    ) -> None:
        self._sessions = sessions
        self._limiter = limiter
        self._channel_failures = channel_failures

    async def allowed(self, channel: str, user_id: str) -> Decision:
        checks = [(self._limiter, user_key(channel, user_id))]
        if self._channel_failures is not None:
            checks.append((self._channel_failures, channel))
        return await check_all(*checks)

    async def spend(self, channel: str, user_id: str, cost: int) -> None:
        await self._limiter.spend(user_key(channel, user_id), cost)

    async def spend_failure(self, channel: str, user_id: str) -> None:
        """A forged token or an unknown code: counted like a guessed code."""
        await self.spend(channel, user_id, UNKNOWN_COST)
        if self._channel_failures is not None:
            await self._channel_failures.spend(channel)

    async def by_typed_code(self, channel: str, user_id: str, raw: str) -> Outcome:
        decision = await self.allowed(channel, user_id)
        if not decision.allowed:
            return Limited(decision)
        parsed = codes.parse_receipt_code(raw)
        if isinstance(parsed, codes.MalformedCode):
            await self.spend(channel, user_id, MALFORMED_COST)
            return Malformed(parsed.reason, raw)
        outcome = await self.by_canonical(parsed.canonical, follower=(channel, user_id))
        if isinstance(outcome, Found):
            await self.spend(channel, user_id, FOUND_COST)
        else:
            await self.spend_failure(channel, user_id)
        return outcome

    async def by_canonical(
        self, canonical: str, *, follower: tuple[str, str] | None = None
    ) -> Found | Unknown:
        """No rate limit here: callers hold proof (a signed token) or checked the limit.

        With a follower (channel, user id), one read also tells whether that user follows it.
        """
        channel, user_id = follower if follower is not None else ("", "")
        async with self._sessions() as session:
            row = await dossiers_repo.get_for_user(session, canonical, channel, user_id)
        if row is None:
            return Unknown(canonical)
        dossier, subscribed = row
        return Found(dossier, subscribed and follower is not None)
