"""Messages per client address: web session ids cost nothing to mint, addresses do."""

from __future__ import annotations

import ipaddress
from collections import OrderedDict

from aiolimiter import AsyncLimiter


def client_address(peer: str | None, forwarded_for: str | None) -> str:
    """The address to count: the peer, or when the peer is a proxy on a private network (or
    this host), the last hop that proxy appended to X-Forwarded-For (earlier hops are the
    client's own word and can be forged)."""
    if not peer:
        return "?"
    try:
        via_proxy = ipaddress.ip_address(peer).is_private
    except ValueError:
        return peer
    if via_proxy and forwarded_for:
        last = forwarded_for.split(",")[-1].strip()
        try:
            return str(ipaddress.ip_address(last))
        except ValueError:
            return peer
    return peer


class PerAddressLimit:
    """A leaky bucket per address (``per_minute`` messages, bursts of the same size)."""

    def __init__(self, per_minute: int, capacity: int = 10_000) -> None:
        self._per_minute = per_minute
        self._capacity = capacity
        self._buckets: OrderedDict[str, AsyncLimiter] = OrderedDict()

    async def allow(self, address: str) -> bool:
        """Spends one message of ``address``; False when it has none left (never waits)."""
        if self._per_minute <= 0:
            return True
        bucket = self._buckets.get(address)
        if bucket is None:
            bucket = self._buckets[address] = AsyncLimiter(self._per_minute, 60)
            while len(self._buckets) > self._capacity:
                self._buckets.popitem(last=False)
        self._buckets.move_to_end(address)
        if not bucket.has_capacity():
            return False
        await bucket.acquire()
        return True
