"""Send pacing counted in Redis, so that every worker of a deployment keeps one set of limits.

A GCRA (generic cell rate algorithm) per channel and one per chat, in a Lua script run atomically
by Redis on Redis's own clock: each call books the next slot that keeps both the channel's overall
rate (Telegram 30/s, Zalo's quota per minute) and the chat's spacing (Telegram 1/s), and returns
how long until that slot. Booking a slot, not asking "may I now?", means waiting workers form a
queue instead of polling. Channels that share a platform quota (Zalo's OA API and ZNS) share a
bucket. Chat ids are hashed into the keys. The scripts and the client live in
storage.send_pacing (storage owns redis); this module maps channels to paces and buckets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from notifications.dispatcher import ChannelLimits
from notifications.ports import Slot
from storage.send_pacing import RedisPacer


@dataclass(frozen=True, slots=True)
class Pace:
    """One channel's limits as the gate applies them; ``bucket`` names the shared quota."""

    every_s: float  # seconds between two sends of the bucket (0: no overall cap)
    spacing_s: float  # seconds between two sends to one chat (0: none)
    bucket: str


def paces(limits: Mapping[str, ChannelLimits], buckets: Mapping[str, str]) -> dict[str, Pace]:
    """The dispatcher's per-channel limits as gate paces; ``buckets`` maps a channel to the
    quota it shares (e.g. ZNS → zalo)."""
    return {
        name: Pace(
            1.0 / lim.per_second if lim.per_second > 0 else 0.0,
            lim.per_chat_interval_s,
            buckets.get(name, name),
        )
        for name, lim in limits.items()
    }


class RedisSendGate:
    """``notifications.ports.SendGate`` in Redis; close with :meth:`aclose`."""

    def __init__(self, pacer: RedisPacer, paces: Mapping[str, Pace]) -> None:
        self._pacer = pacer
        self._paces = dict(paces)

    @classmethod
    def from_url(cls, url: str, paces: Mapping[str, Pace]) -> RedisSendGate:
        return cls(RedisPacer.from_url(url), paces)

    async def reserve(self, channel: str, recipient: str) -> Slot:
        pace = self._paces.get(channel)
        if pace is None or (pace.every_s <= 0 and pace.spacing_s <= 0):
            return Slot(True, 0.0)
        booked, wait = await self._pacer.reserve(
            pace.bucket, recipient, pace.every_s, pace.spacing_s
        )
        return Slot(booked, wait)

    async def pause(self, channel: str, seconds: float) -> None:
        pace = self._paces.get(channel)
        if pace is None or seconds <= 0:
            return
        await self._pacer.pause(pace.bucket, seconds)

    async def aclose(self) -> None:
        await self._pacer.aclose()
