"""Who a web client is, for limits: its network address (session ids cost nothing to mint,
addresses do), and messages per address."""

from __future__ import annotations

import ipaddress
from collections import OrderedDict
from collections.abc import Iterable, Sequence

from aiolimiter import AsyncLimiter

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
IPV6_PREFIX = 64  # one subscriber's usual allocation: counting single IPv6 addresses is moot


def trusted_networks(items: Iterable[str]) -> tuple[Network, ...]:
    """``[web] trusted_proxies`` ("10.0.0.5", "10.1.0.0/16", "::1") as networks."""
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in items)


def client_address(
    peer: str | None, forwarded_for: str | None, trusted: Sequence[Network] = ()
) -> str:
    """The address to count. The peer, unless the peer is one of our ``trusted`` proxies: then
    X-Forwarded-For is read from the right (each proxy appends the address it saw), past the
    hops that are our proxies too; the first other hop is the client. Anything left of it is
    the client's own word, and a header from an untrusted peer is ignored whole."""
    address = _parse(peer)
    if address is None:
        return "?"
    if forwarded_for and _within(address, trusted):
        for hop in reversed(forwarded_for.split(",")):
            seen = _parse(hop.strip())
            if seen is None:
                break  # garbage where our proxy wrote: keep the last address we can trust
            address = seen
            if not _within(seen, trusted):
                break
    return _counted(address)


def _parse(text: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not text:
        return None
    try:
        address = ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _within(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address, networks: Sequence[Network]
) -> bool:
    return any(address.version == n.version and address in n for n in networks)


def _counted(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, IPV6_PREFIX), strict=False))
    return str(address)


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
