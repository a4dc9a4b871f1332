"""Accounts and sessions on SQLite and PostgreSQL: argon2 hashes, the login throttle per account
and per address, the idle timeout, disabling and new passwords ending sessions, the audit
trail that refuses edits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from argon2 import extract_parameters, profiles
from sqlalchemy import text
from staff_support import PASSWORD

from handlers.staff import passwords
from handlers.staff.accounts import Accounts, SignedIn, Throttled, WrongCredentials
from handlers.staff.audit import COMMAND_LINE, Refused
from storage import staff_repo
from storage.counters import MemoryCounterStore
from storage.engine import SessionFactory

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
# The hasher the console uses, taken before conftest makes every other test's hashes cheap.
PRODUCTION_HASHER = passwords._hasher


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def wall(self) -> float:
        return self.now.timestamp()


def _accounts(sessions: SessionFactory, clock: Clock, **kwargs: int) -> Accounts:
    return Accounts(
        sessions,
        MemoryCounterStore(clock=clock.wall),
        clock=clock,
        wall=clock.wall,
        failures_per_account=kwargs.get("per_account", 5),
        failures_per_address=kwargs.get("per_address", 20),
        idle_timeout=timedelta(minutes=30),
    )


def test_production_hashes_keep_the_library_defaults() -> None:
    stored = PRODUCTION_HASHER().hash(PASSWORD)
    assert extract_parameters(stored) == profiles.RFC_9106_LOW_MEMORY
    assert PRODUCTION_HASHER().verify(stored, PASSWORD)


async def test_password_is_hashed_and_login_opens_a_session(
    session_factory: SessionFactory,
) -> None:
    clock = Clock()
    accounts = _accounts(session_factory, clock)
    await accounts.add(COMMAND_LINE, "Lan.Tran", "officer", PASSWORD, "UBND xã Tân Phú")
    async with session_factory() as session:
        stored = await staff_repo.get_account(session, "lan.tran")
    assert stored is not None and stored.password_hash.startswith("$argon2id$")
    assert PASSWORD not in stored.password_hash

    assert isinstance(
        await accounts.login("lan.tran", "sai mật khẩu", "10.0.0.9"), WrongCredentials
    )
    assert isinstance(await accounts.login("nobody", PASSWORD, "10.0.0.9"), WrongCredentials)
    signed = await accounts.login(" LAN.TRAN ", PASSWORD, "10.0.0.9")
    assert isinstance(signed, SignedIn)
    assert signed.actor.role == "officer" and signed.actor.agency == "UBND xã Tân Phú"
    live = await accounts.resume(signed.token)
    assert live is not None and live.csrf == signed.csrf
    assert await accounts.resume(signed.token + "x") is None

    await accounts.logout(live)
    assert await accounts.resume(signed.token) is None
    async with session_factory() as session:
        actions = [e.action for e in await staff_repo.list_audit(session)]
    assert actions == ["logout", "login", "login_failed", "account_added"]


async def test_throttle_per_account_then_per_address(session_factory: SessionFactory) -> None:
    clock = Clock()
    accounts = _accounts(session_factory, clock, per_account=3, per_address=5)
    await accounts.add(COMMAND_LINE, "minh", "viewer", PASSWORD)
    for _ in range(3):
        assert isinstance(
            await accounts.login("minh", "đoán bừa 123", "203.0.113.5"), WrongCredentials
        )
    # The right password no longer helps until the window ends: a guesser learns nothing.
    refused = await accounts.login("minh", PASSWORD, "198.51.100.7")
    assert isinstance(refused, Throttled) and 0 < refused.retry_after_s <= 15 * 60
    # Other names from the same address: the address runs out too (5 failures).
    for name in ("a1", "a2"):
        assert isinstance(await accounts.login(name, "x", "203.0.113.5"), WrongCredentials)
    assert isinstance(await accounts.login("someone", "x", "203.0.113.5"), Throttled)
    # Another address still logs another account in; and after the window, "minh" too.
    await accounts.add(COMMAND_LINE, "hoa", "viewer", PASSWORD)
    assert isinstance(await accounts.login("hoa", PASSWORD, "198.51.100.7"), SignedIn)
    clock.now += timedelta(minutes=16)
    assert isinstance(await accounts.login("minh", PASSWORD, "198.51.100.7"), SignedIn)


async def test_idle_timeout_and_maximum_age(session_factory: SessionFactory) -> None:
    clock = Clock()
    accounts = _accounts(session_factory, clock)
    await accounts.add(COMMAND_LINE, "idle", "officer", PASSWORD)
    signed = await accounts.login("idle", PASSWORD, "127.0.0.1")
    assert isinstance(signed, SignedIn)
    for _ in range(5):  # used every 20 minutes: stays open
        clock.now += timedelta(minutes=20)
        assert await accounts.resume(signed.token) is not None
    clock.now += timedelta(minutes=31)
    assert await accounts.resume(signed.token) is None
    clock.now -= timedelta(minutes=31)  # ended for good, even if the clock went back
    assert await accounts.resume(signed.token) is None

    again = await accounts.login("idle", PASSWORD, "127.0.0.1")
    assert isinstance(again, SignedIn)
    for _ in range(37):  # 12 hours 20 minutes of constant use
        clock.now += timedelta(minutes=20)
        live = await accounts.resume(again.token)
    assert live is None


async def test_disable_and_new_password_end_sessions(session_factory: SessionFactory) -> None:
    clock = Clock()
    accounts = _accounts(session_factory, clock)
    await accounts.add(COMMAND_LINE, "boss", "admin", PASSWORD)
    await accounts.add(COMMAND_LINE, "lan", "officer", PASSWORD)
    first = await accounts.login("lan", PASSWORD, "127.0.0.1")
    assert isinstance(first, SignedIn)
    await accounts.reset_password(COMMAND_LINE, "lan", "một mật khẩu mới hẳn")
    assert await accounts.resume(first.token) is None
    assert isinstance(await accounts.login("lan", PASSWORD, "127.0.0.1"), WrongCredentials)
    second = await accounts.login("lan", "một mật khẩu mới hẳn", "127.0.0.1")
    assert isinstance(second, SignedIn)

    boss = await accounts.login("boss", PASSWORD, "127.0.0.1")
    assert isinstance(boss, SignedIn)
    with pytest.raises(Refused) as refused:
        await accounts.set_active(boss.actor, "boss", False)
    assert refused.value.reason == "cannot_disable_self"
    await accounts.set_active(boss.actor, "lan", False)
    assert await accounts.resume(second.token) is None
    assert isinstance(
        await accounts.login("lan", "một mật khẩu mới hẳn", "127.0.0.1"), WrongCredentials
    )
    await accounts.set_active(boss.actor, "lan", True)
    assert isinstance(await accounts.login("lan", "một mật khẩu mới hẳn", "127.0.0.1"), SignedIn)


@pytest.mark.parametrize(
    ("username", "role", "password", "reason"),
    [
        ("a", "officer", PASSWORD, "bad_username"),
        ("có dấu", "officer", PASSWORD, "bad_username"),
        ("lan", "boss", PASSWORD, "bad_role"),
        ("lan", "officer", "ngắn", "password_short"),
        ("lan", "officer", "lan", "password_short"),
        ("longname12", "officer", "LONGNAME12", "password_is_username"),
    ],
)
async def test_account_rules(
    session_factory: SessionFactory, username: str, role: str, password: str, reason: str
) -> None:
    with pytest.raises(Refused) as refused:
        await _accounts(session_factory, Clock()).add(COMMAND_LINE, username, role, password)
    assert refused.value.reason == reason


async def test_a_username_is_taken_once(session_factory: SessionFactory) -> None:
    accounts = _accounts(session_factory, Clock())
    await accounts.add(COMMAND_LINE, "lan", "officer", PASSWORD)
    with pytest.raises(Refused) as refused:
        await accounts.add(COMMAND_LINE, "LAN", "admin", PASSWORD)
    assert refused.value.reason == "username_taken"


async def test_audit_rows_are_never_edited(session_factory: SessionFactory) -> None:
    await _accounts(session_factory, Clock()).add(COMMAND_LINE, "lan", "officer", PASSWORD)
    with pytest.raises(Exception, match="never changed"):
        async with session_factory() as session, session.begin():
            await session.execute(text("UPDATE staff_audit SET actor = 'someone else'"))
    async with session_factory() as session:
        entries = await staff_repo.list_audit(session)
    assert [(e.actor, e.action) for e in entries] == [("cli", "account_added")]
