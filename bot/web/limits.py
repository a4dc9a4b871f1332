"""Who a web client is, for limits: its network address (session ids cost nothing to mint,
addresses do), and messages per address (handlers.ratelimit over the shared counters)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from handlers.ratelimit import CounterStore, Decision, RateLimiter, Window

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
    """At most ``per_minute`` messages of one address in any 60 s (0 turns it off), counted in
    the deployment's counters: Redis when configured, so every replica counts together."""

    def __init__(self, per_minute: int, counters: CounterStore, *, name: str) -> None:
        self._limiter = RateLimiter(counters, (Window(per_minute, 60, sliding=True),), name=name)

    async def take(self, address: str) -> Decision:
        """Spends one message of ``address``; refused when it has none left (never waits)."""
        return await self._limiter.take(address)
