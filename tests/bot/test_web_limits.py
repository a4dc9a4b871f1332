"""Which address the web chat counts against: X-Forwarded-For only from listed proxies, IPv6 by
/64; and the per-address message bucket."""

from __future__ import annotations

from collections.abc import Callable

from bot.web.limits import PerAddressLimit, client_address, trusted_networks
from storage.counters import MemoryCounterStore, RedisCounterStore

PROXY = trusted_networks(["10.0.0.5", "10.1.0.0/16", "::1"])


def test_without_trusted_proxies_the_peer_counts_whatever_the_headers_say() -> None:
    assert client_address("8.8.4.4", None) == "8.8.4.4"
    assert client_address("8.8.4.4", "10.0.0.1") == "8.8.4.4"
    # Loopback and private peers are not proxies unless listed: a forged header changes nothing.
    assert client_address("127.0.0.1", "198.51.100.2") == "127.0.0.1"
    assert client_address("10.9.9.9", "198.51.100.2") == "10.9.9.9"
    assert client_address("10.1.2.3", "198.51.100.2") == "10.1.2.3"
    assert client_address(None, "198.51.100.2") == "?"


def test_behind_a_listed_proxy_the_hop_it_appended_counts() -> None:
    assert client_address("10.0.0.5", "198.51.100.2", PROXY) == "198.51.100.2"
    # Only the hop our proxy appended is believed; the client's own first hop is not.
    assert client_address("10.0.0.5", "1.2.3.4, 198.51.100.9", PROXY) == "198.51.100.9"
    # A chain of our own proxies is walked past; the first other address is the client.
    assert client_address("10.0.0.5", "1.2.3.4, 203.0.113.5, 10.1.7.7", PROXY) == "203.0.113.5"
    # Garbage where our proxy wrote: the last address we can trust.
    assert client_address("10.0.0.5", "not-an-address", PROXY) == "10.0.0.5"
    assert client_address("10.0.0.5", "1.2.3.4, junk", PROXY) == "10.0.0.5"
    # A peer outside the list is not believed even with the same header.
    assert client_address("10.0.0.6", "198.51.100.2", PROXY) == "10.0.0.6"


def test_ipv6_clients_count_by_their_64_prefix() -> None:
    one = client_address("2001:db8:1:2::10", None)
    other = client_address("2001:db8:1:2:ffff:1:2:3", None)
    assert one == other == "2001:db8:1:2::/64"
    assert client_address("2001:db8:1:3::10", None) != one
    assert client_address("::ffff:198.51.100.2", None) == "198.51.100.2"
    assert client_address("::1", "2001:db8:9:9::1", PROXY) == "2001:db8:9:9::/64"


async def test_limit_per_address_and_off_switch() -> None:
    limit = PerAddressLimit(2, MemoryCounterStore(), name="t")
    assert [(await limit.take("a")).allowed for _ in range(3)] == [True, True, False]
    assert 0 < (await limit.take("a")).retry_after_s <= 120
    assert (await limit.take("b")).allowed
    off = PerAddressLimit(0, MemoryCounterStore(), name="t")
    assert all([(await off.take("a")).allowed for _ in range(50)])


async def test_replicas_count_an_address_together_in_redis(
    redis_counters: Callable[[], RedisCounterStore],
) -> None:
    replicas = [PerAddressLimit(3, redis_counters(), name="web-chat") for _ in range(2)]
    taken = [(await replicas[i % 2].take("198.51.100.2")).allowed for i in range(5)]
    assert taken == [True, True, True, False, False]
    assert (await replicas[1].take("198.51.100.3")).allowed
