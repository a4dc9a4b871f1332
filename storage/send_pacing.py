"""Send pacing counted in Redis (storage owns the client): a GCRA per bucket and one per chat.

A Lua script run atomically by Redis on Redis's own clock books the next slot that keeps both a
bucket's overall rate and a chat's spacing, and returns how long until that slot; another holds a
whole bucket (a platform's 429). bot.senders.gate maps channels to buckets and paces.
"""

from __future__ import annotations

import hashlib

from redis.asyncio import Redis

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


class RedisPacer:
    """The slots of every process of a deployment, in Redis; close with :meth:`aclose`."""

    def __init__(self, redis: Redis, *, prefix: str = "motcua:send") -> None:
        self._redis = redis
        self._prefix = prefix
        self._reserve = redis.register_script(_RESERVE)
        self._pause = redis.register_script(_PAUSE)

    @classmethod
    def from_url(
        cls, url: str, *, prefix: str = "motcua:send", timeout_s: float = 2.0
    ) -> RedisPacer:
        client = Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s)
        return cls(client, prefix=prefix)

    def _bucket_key(self, bucket: str) -> str:
        # The hash tag keeps a bucket's keys in one slot (a script touches both).
        return f"{self._prefix}:{{{bucket}}}:all"

    def _chat_key(self, bucket: str, recipient: str) -> str:
        digest = hashlib.blake2b(recipient.encode(), digest_size=8).hexdigest()
        return f"{self._prefix}:{{{bucket}}}:chat:{digest}"

    async def reserve(
        self, bucket: str, recipient: str, every_s: float, spacing_s: float
    ) -> tuple[bool, float]:
        """(booked, seconds until the booked slot) or (False, seconds until the chat is free)."""
        keys = [self._bucket_key(bucket), self._chat_key(bucket, recipient)]
        booked, wait = await self._reserve(keys=keys, args=[every_s, spacing_s])
        return bool(booked), max(float(wait), 0.0)

    async def pause(self, bucket: str, seconds: float) -> None:
        await self._pause(keys=[self._bucket_key(bucket)], args=[seconds])

    async def aclose(self) -> None:
        await self._redis.aclose()
