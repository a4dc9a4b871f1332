"""Who may see a dossier by its code alone, and how often: limits on what a client cannot mint.

A lookup is counted against the *requester*: the client's network address when the channel
cannot vouch for its users (the web chat, whose session ids are free to mint), else the
platform's user, on the channels bootstrap names as vouching for theirs. Per requester:

- dossiers revealed by code alone: at most ``per_minute`` in any 60 s and ``per_day`` a day;
  past that the citizen is asked for proof (the phone's last four digits, or the QR code)
  instead of being refused, so a crowded address (a carrier's NAT) still gets its answers;
- unknown codes and forged tokens: past ``failures_per_hour`` the requester is refused.

Across requesters, a *storm* (more than ``storm_per_minute`` failures in the last minute or
two) is answered on the requesters that failed: they must give proof; those that never
failed are served as usual. Nobody is refused for what others did.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Collection
from dataclasses import dataclass

from handlers.dossiers.ports import DossierRecord, DossierStore, Follower
from handlers.messages import Incoming
from handlers.ratelimit import CounterStore, Decision, RateLimiter, Window

STORM_KEY = "all"


@dataclass(frozen=True, slots=True)
class LookupLimits:
    per_minute: int = 10
    per_day: int = 60
    failures_per_hour: int = 12
    storm_per_minute: int = 120


class Gate(enum.Enum):
    OPEN = "open"  # a code-only lookup may show the dossier
    STEP_UP = "step_up"  # only with proof of possession (too many reveals, or a storm)
    STORM = "storm"  # STEP_UP because this requester failed during a storm


def requester(msg: Incoming, vouched: Collection[str] | None = None) -> str:
    """The key lookups are counted by: never a session id the client chose.

    ``vouched``: the channels whose platform vouches for a user id (None: every channel).
    """
    if msg.client is not None:
        return f"ip:{msg.client}"
    if vouched is not None and msg.channel not in vouched:
        return "ip:?"  # an adapter that forgot the address: all such clients share one key
    return f"user:{msg.channel}:{msg.user_id}"


class LookupGuard:
    def __init__(
        self,
        store: CounterStore,
        limits: LookupLimits,
        *,
        clock: Callable[[], float],
    ) -> None:
        self._reveals = RateLimiter(
            store,
            (Window(limits.per_minute, 60, sliding=True), Window(limits.per_day, 86400)),
            name="reveal",
            clock=clock,
        )
        failures = Window(limits.failures_per_hour, 3600, sliding=True)
        self._failures = RateLimiter(store, (failures,), name="fail", clock=clock)
        storm = Window(limits.storm_per_minute, 60, sliding=True)
        self._storm = RateLimiter(store, (storm,), name="storm", clock=clock)

    async def refused(self, key: str) -> Decision:
        """Refused when the requester has failed too often (reads only)."""
        return await self._failures.check(key)

    async def admit(self, key: str) -> Decision | Gate:
        """Before a code-only lookup: a refusal, or whether it may show the dossier (in which
        case one reveal is already taken; give it back with ``not_revealed``)."""
        decision, failures = await self._failures.status(key)
        if not decision.allowed:
            return decision
        if failures and not (await self._storm.check(STORM_KEY)).allowed:
            return Gate.STORM
        taken = await self._reveals.take(key)
        return Gate.OPEN if taken.allowed else Gate.STEP_UP

    async def not_revealed(self, key: str) -> None:
        await self._reveals.charge(key, -1)

    async def failed(self, key: str) -> None:
        """An unknown code or a forged token."""
        await self._failures.charge(key)
        await self._storm.charge(STORM_KEY)


async def read_dossier(
    store: DossierStore, canonical: str, follower: Follower | None = None
) -> tuple[DossierRecord, bool] | None:
    """The dossier and whether ``follower`` (channel, user id) follows it; None if unknown.
    No limit here: callers checked one or hold proof."""
    async with store.reading() as unit:
        row = await unit.dossier_for(canonical, follower if follower is not None else ("", ""))
    if row is None:
        return None
    dossier, subscribed = row
    return dossier, subscribed and follower is not None
