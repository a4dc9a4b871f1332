"""Send pacing counted in Redis, so that every worker of a deployment keeps one set of limits.

A GCRA (generic cell rate algorithm) per channel and one per chat, in a Lua script run atomically
by Redis on Redis's own clock: each call books the next slot that keeps both the channel's overall
rate (Telegram 30/s, Zalo's quota per minute) and the chat's spacing (Telegram 1/s), and returns
how long until that slot. Booking a slot, not asking "may I now?", means waiting workers form a
queue instead of polling. Channels that share a platform quota (Zalo's OA API and ZNS) share a
bucket. Chat ids are hashed into the keys.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from redis.asyncio import Redis

from notifications.dispatcher import ChannelLimits
from notifications.ports import Slot

# KEYS: the bucket's key, the chat's key. ARGV: seconds between sends overall (0: no cap),
# seconds between sends to one chat (0: none). Returns {1, seconds until the booked slot}, or
# {0, seconds until the chat is free} without booking: a chat busy elsewhere must not push the
# bucket's schedule ahead and leave its slots unused meanwhile.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local every = tonumber(ARGV[1])
local spacing = tonumber(ARGV[2])
local at = now
local tat = 0
if every > 0 then
  tat = tonumber(redis.call('GET', KEYS[1]) or '0')
  if tat > at then at = tat end
end
if spacing > 0 then
  local chat = tonumber(redis.call('GET', KEYS[2]) or '0')
  if chat > at then return {0, string.format('%.6f', chat - now)} end
  redis.call('SET', KEYS[2], string.format('%.6f', at + spacing),
             'PX', math.ceil((at + spacing - now) * 1000) + 1000)
end
if every > 0 then
  local nxt = at + every
  redis.call('SET', KEYS[1], string.format('%.6f', nxt),
             'PX', math.ceil((nxt - now) * 1000) + 1000)
end
return {1, string.format('%.6f', at - now)}
"""

# KEYS: the bucket's key. ARGV: seconds to hold every send of the bucket.
_PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local until_ = now + tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if until_ > tat then
  redis.call('SET', KEYS[1], string.format('%.6f', until_),
             'PX', math.ceil(tonumber(ARGV[1]) * 1000) + 1000)
end
return 1
"""


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

    def __init__(
        self, redis: Redis, paces: Mapping[str, Pace], prefix: str = "motcua:send"
    ) -> None:
        self._redis = redis
        self._paces = dict(paces)
        self._prefix = prefix
        self._reserve = redis.register_script(_RESERVE)
        self._pause = redis.register_script(_PAUSE)

    @classmethod
    def from_url(cls, url: str, paces: Mapping[str, Pace]) -> RedisSendGate:
        return cls(Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0), paces)

    def _bucket_key(self, bucket: str) -> str:
        # The hash tag keeps a bucket's keys in one slot (a script touches both).
        return f"{self._prefix}:{{{bucket}}}:all"

    def _chat_key(self, bucket: str, recipient: str) -> str:
        digest = hashlib.blake2b(recipient.encode(), digest_size=8).hexdigest()
        return f"{self._prefix}:{{{bucket}}}:chat:{digest}"

    async def reserve(self, channel: str, recipient: str) -> Slot:
        pace = self._paces.get(channel)
        if pace is None or (pace.every_s <= 0 and pace.spacing_s <= 0):
            return Slot(True, 0.0)
        keys = [self._bucket_key(pace.bucket), self._chat_key(pace.bucket, recipient)]
        booked, wait = await self._reserve(keys=keys, args=[pace.every_s, pace.spacing_s])
        return Slot(bool(booked), max(float(wait), 0.0))

    async def pause(self, channel: str, seconds: float) -> None:
        pace = self._paces.get(channel)
        if pace is None or seconds <= 0:
            return
        await self._pause(keys=[self._bucket_key(pace.bucket)], args=[seconds])

    async def aclose(self) -> None:
        await self._redis.aclose()
