"""Staff accounts and console sessions: add, disable, reset a password; sign in (throttled per
account and per client address), resume a session by its token, sign out. Every change is
audited in the same transaction."""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from handlers.ratelimit import CounterStore, Decision, RateLimiter, Window, check_all
from handlers.staff import audit
from handlers.staff.audit import ROLES, Actor, NotFound, Refused
from handlers.staff.passwords import (
    hash_password_async,
    password_problem,
    verify_password_async,
)
from storage import staff_repo
from storage.engine import SessionFactory
from storage.staff_models import StaffAccount, StaffSession

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,31}")
THROTTLE_WINDOW_S = 15 * 60
TOUCH_EVERY = timedelta(seconds=60)  # a session's last use is written at most this often
Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def actor_of(account: StaffAccount) -> Actor:
    return Actor(account.id, account.username, account.role, account.agency)


def _public(account: StaffAccount) -> dict[str, object]:
    """What the audit keeps of an account (never the hash)."""
    return {"role": account.role, "agency": account.agency, "active": account.active}


@dataclass(frozen=True, slots=True)
class SignedIn:
    token: str  # goes into the cookie; only its hash is stored
    csrf: str
    actor: Actor


@dataclass(frozen=True, slots=True)
class Throttled:
    retry_after_s: int


@dataclass(frozen=True, slots=True)
class WrongCredentials:
    pass


LoginOutcome = SignedIn | Throttled | WrongCredentials


@dataclass(frozen=True, slots=True)
class LiveSession:
    id: int
    csrf: str
    actor: Actor


class Accounts:
    """The account and session use cases; each method owns its transaction."""

    def __init__(
        self,
        sessions: SessionFactory,
        counters: CounterStore,
        *,
        failures_per_account: int = 5,
        failures_per_address: int = 20,
        idle_timeout: timedelta = timedelta(minutes=30),
        max_age: timedelta = timedelta(hours=12),
        clock: Clock = _utcnow,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._idle = idle_timeout
        self._max_age = max_age
        self._per_account = RateLimiter(
            counters,
            (Window(failures_per_account, THROTTLE_WINDOW_S),),
            name="staff-login-account",
            clock=wall,
        )
        self._per_address = RateLimiter(
            counters,
            (
                Window(failures_per_address, THROTTLE_WINDOW_S),
                Window(failures_per_address * 5, 86400),
            ),
            name="staff-login-address",
            clock=wall,
        )

    # --- accounts ---------------------------------------------------------------------------

    async def add(
        self,
        actor: Actor,
        username: str,
        role: str,
        password: str,
        agency: str | None = None,
    ) -> StaffAccount:
        username = username.strip().lower()
        if not USERNAME.fullmatch(username):
            raise Refused("bad_username")
        if role not in ROLES:
            raise Refused("bad_role")
        problem = password_problem(password, username)
        if problem:
            raise Refused(problem)
        agency = (agency or "").strip() or None
        hashed = await hash_password_async(password)
        now = self._clock()
        async with self._sessions() as session, session.begin():
            if await staff_repo.get_account(session, username) is not None:
                raise Refused("username_taken")
            account = await staff_repo.add_account(
                session,
                StaffAccount(
                    username=username,
                    password_hash=hashed,
                    role=role,
                    agency=agency,
                    created_at=now,
                    updated_at=now,
                    password_changed_at=now,
                ),
            )
            await audit.record(
                session,
                actor,
                "account_added",
                "account",
                username,
                at=now,
                after=_public(account),
            )
        return account

    async def all(self) -> list[StaffAccount]:
        async with self._sessions() as session:
            return await staff_repo.list_accounts(session)

    async def set_active(self, actor: Actor, username: str, active: bool) -> StaffAccount:
        """Disable (ends its sessions) or enable an account."""
        now = self._clock()
        async with self._sessions() as session, session.begin():
            account = await staff_repo.get_account(session, username.strip().lower())
            if account is None or account.id is None:
                raise NotFound(username)
            if not active and actor.id is not None and actor.id == account.id:
                raise Refused("cannot_disable_self")
            before = _public(account)
            if account.active == active:
                return account
            account.active = active
            account.updated_at = now
            if not active:
                await staff_repo.end_sessions_of(session, account.id, now)
            action = "account_enabled" if active else "account_disabled"
            await audit.record(
                session,
                actor,
                action,
                "account",
                account.username,
                at=now,
                before=before,
                after=_public(account),
            )
        return account

    async def reset_password(self, actor: Actor, username: str, password: str) -> None:
        """A new password; every session of the account ends."""
        username = username.strip().lower()
        problem = password_problem(password, username)
        if problem:
            raise Refused(problem)
        hashed = await hash_password_async(password)
        now = self._clock()
        async with self._sessions() as session, session.begin():
            account = await staff_repo.get_account(session, username)
            if account is None or account.id is None:
                raise NotFound(username)
            account.password_hash = hashed
            account.password_changed_at = now
            account.updated_at = now
            ended = await staff_repo.end_sessions_of(session, account.id, now)
            await audit.record(
                session,
                actor,
                "password_reset",
                "account",
                username,
                at=now,
                after={"sessions_ended": ended},
            )

    # --- sessions ---------------------------------------------------------------------------

    async def login(self, username: str, password: str, address: str) -> LoginOutcome:
        """Checks the throttle, then the password; only failures are counted."""
        name = username.strip().lower()[:64]
        decision: Decision = await check_all(
            (self._per_account, name or "?"), (self._per_address, address)
        )
        if not decision.allowed:
            return Throttled(decision.retry_after_s)
        async with self._sessions() as session:
            account = await staff_repo.get_account(session, name) if name else None
        usable = account is not None and account.active
        stored = account.password_hash if account is not None and usable else None
        if not await verify_password_async(stored, password) or account is None:
            await self._per_account.charge(name or "?")
            await self._per_address.charge(address)
            if account is not None:  # an unknown name may be a password typed in the wrong box
                now = self._clock()
                async with self._sessions() as session, session.begin():
                    await audit.record(
                        session, actor_of(account), "login_failed", "account", name, at=now
                    )
            return WrongCredentials()
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = self._clock()
        async with self._sessions() as session, session.begin():
            assert account.id is not None
            await staff_repo.add_session(
                session,
                StaffSession(
                    token_hash=token_hash(token),
                    account_id=account.id,
                    csrf=csrf,
                    created_at=now,
                    last_seen_at=now,
                ),
            )
            await audit.record(session, actor_of(account), "login", "account", name, at=now)
        return SignedIn(token, csrf, actor_of(account))

    async def resume(self, token: str) -> LiveSession | None:
        """The session a cookie names, while it is neither idle too long nor too old."""
        now = self._clock()
        async with self._sessions() as session, session.begin():
            found = await staff_repo.live_session(session, token_hash(token))
            if found is None:
                return None
            row, account = found
            assert row.id is not None
            if now - row.last_seen_at > self._idle or now - row.created_at > self._max_age:
                await staff_repo.end_session(session, row.id, now)
                return None
            if now - row.last_seen_at > TOUCH_EVERY:
                await staff_repo.touch_session(session, row.id, now)
            return LiveSession(row.id, row.csrf, actor_of(account))

    async def logout(self, live: LiveSession) -> None:
        now = self._clock()
        async with self._sessions() as session, session.begin():
            await staff_repo.end_session(session, live.id, now)
            await audit.record(
                session, live.actor, "logout", "account", live.actor.username, at=now
            )
