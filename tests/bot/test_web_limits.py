"""Which address the web chat counts messages against, and the per-address bucket."""

from __future__ import annotations

from bot.web.limits import PerAddressLimit, client_address


def test_direct_clients_are_counted_by_their_own_address() -> None:
    assert client_address("8.8.4.4", None) == "8.8.4.4"
    # A public peer's X-Forwarded-For is its own claim: ignored.
    assert client_address("8.8.4.4", "10.0.0.1") == "8.8.4.4"


def test_behind_a_local_proxy_the_last_hop_counts() -> None:
    assert client_address("127.0.0.1", "198.51.100.2") == "198.51.100.2"
    # Only the hop our proxy appended is trusted; the forged first one is not.
    assert client_address("10.1.2.3", "1.2.3.4, 198.51.100.9") == "198.51.100.9"
    assert client_address("127.0.0.1", "not-an-address") == "127.0.0.1"
    assert client_address(None, "198.51.100.2") == "?"


async def test_bucket_per_address_and_off_switch() -> None:
    limit = PerAddressLimit(2)
    assert [await limit.allow("a") for _ in range(3)] == [True, True, False]
    assert await limit.allow("b")
    off = PerAddressLimit(0)
    assert all([await off.allow("a") for _ in range(50)])
