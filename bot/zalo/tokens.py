"""Zalo access/refresh tokens: kept in the database, refreshed one at a time across replicas.

The refresh token is single use. A refresh therefore runs under the store's lock, re-reads the
stored pair (another replica may have refreshed already), calls OAuth, and commits the new pair
before anyone uses it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Protocol

import aiohttp

from bot.zalo.errors import ZaloApiError
from storage.zalo_repo import StoredTokens as TokenPair

log = logging.getLogger(__name__)

EARLY_REFRESH = timedelta(minutes=10)  # refresh a little before Zalo's 25 h expiry


RefreshFn = Callable[[str], Awaitable[TokenPair]]


class TokenStore(Protocol):
    """The singleton token row; ``storage.zalo_repo.SqlZaloTokenStore`` is the SQL one."""

    async def load(self) -> TokenPair | None: ...

    async def seed(self, pair: TokenPair) -> TokenPair:
        """Stores ``pair`` unless a pair is stored already; returns what is stored."""
        ...

    async def rotate(self, seen_access: str, refresh: RefreshFn) -> TokenPair:
        """Under a lock across replicas: when the stored access token is still ``seen_access``,
        call ``refresh(stored refresh token)`` and commit its pair (version + 1); return the
        stored pair either way."""
        ...


class MemoryTokenStore:
    """One process only: for tests and a single-replica deployment without a database."""

    def __init__(self) -> None:
        self._pair: TokenPair | None = None
        self._lock = asyncio.Lock()

    async def load(self) -> TokenPair | None:
        return self._pair

    async def seed(self, pair: TokenPair) -> TokenPair:
        if self._pair is None:
            self._pair = replace(pair, version=1)
        return self._pair

    async def rotate(self, seen_access: str, refresh: RefreshFn) -> TokenPair:
        async with self._lock:
            current = self._pair
            if current is None:
                raise LookupError("no Zalo token stored")
            if current.access_token != seen_access:
                return current
            fresh = await refresh(current.refresh_token)
            self._pair = replace(fresh, version=current.version + 1)
            return self._pair


class NoToken(ZaloApiError):
    """No token pair configured or stored: an admin must authorise the OA."""

    def __init__(self, message: str) -> None:
        super().__init__(0, message, endpoint="tokens")


class OAuthClient:
    """``POST {oauth_base}/v4/oa/access_token`` with ``grant_type=refresh_token``."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        oauth_base: str,
        app_id: str,
        app_secret_key: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._session = session
        self._url = oauth_base.rstrip("/") + "/v4/oa/access_token"
        self._app_id = app_id
        self._secret = app_secret_key
        self._clock = clock

    async def refresh(self, refresh_token: str) -> TokenPair:
        form = {
            "refresh_token": refresh_token,
            "app_id": self._app_id,
            "grant_type": "refresh_token",
        }
        timeout = aiohttp.ClientTimeout(total=10)
        try:
            async with self._session.post(
                self._url, data=form, headers={"secret_key": self._secret}, timeout=timeout
            ) as resp:
                try:
                    data = await resp.json(content_type=None)
                except ValueError:
                    data = None
        except (aiohttp.ClientError, TimeoutError) as exc:
            # Nothing was rotated, or we cannot know: the stored pair stays and a retry follows.
            log.warning("Zalo token refresh failed on the way (%s)", type(exc).__name__)
            raise ZaloApiError(0, type(exc).__name__, endpoint="oauth") from exc
        if (
            not isinstance(data, dict)
            or not data.get("access_token")
            or not data.get("refresh_token")
        ):
            code = data.get("error", 0) if isinstance(data, dict) else 0
            name = data.get("error_name", "") if isinstance(data, dict) else ""
            log.error(
                "Zalo refused the token refresh (error %s %s): if this persists an admin must "
                "re-authorise the OA and set MOTCUA_ZALO__REFRESH_TOKEN",
                code,
                name,
            )
            raise ZaloApiError(
                int(code) if isinstance(code, int) else 0, str(name), endpoint="oauth"
            )
        try:
            expires_in = int(data.get("expires_in", 90000))
        except (TypeError, ValueError):
            expires_in = 90000
        return TokenPair(
            access_token=str(data["access_token"]),
            refresh_token=str(data["refresh_token"]),
            expires_at=self._clock() + timedelta(seconds=expires_in),
            version=0,
        )


class TokenManager:
    """Hands out the current access token and refreshes it when Zalo says it expired."""

    def __init__(
        self,
        store: TokenStore,
        refresh: RefreshFn,
        *,
        initial: TokenPair | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._refresh = refresh
        self._initial = initial
        self._clock = clock
        self._pair: TokenPair | None = None
        self._lock = asyncio.Lock()  # one refresh per process; the store serialises replicas

    async def access_token(self) -> str:
        pair = self._pair
        if pair is None:
            async with self._lock:
                pair = self._pair = await self._load()
        if pair.expires_at is not None and pair.expires_at - EARLY_REFRESH <= self._clock():
            return await self.refresh(pair.access_token)
        return pair.access_token

    async def refresh(self, seen_access: str) -> str:
        """Refreshes unless someone (this process or another replica) already replaced
        ``seen_access``; returns the access token to use now."""
        async with self._lock:
            if self._pair is not None and self._pair.access_token != seen_access:
                return self._pair.access_token
            stored = await self._store.load()
            if stored is not None and stored.access_token != seen_access:
                self._pair = stored  # another replica refreshed
                return stored.access_token
            pair = await self._store.rotate(seen_access, self._refresh)
            if pair.access_token != seen_access:
                log.info("Zalo access token refreshed (version %d)", pair.version)
            self._pair = pair
            return pair.access_token

    async def _load(self) -> TokenPair:
        stored = await self._store.load()
        if stored is not None:
            return stored
        if self._initial is None or not self._initial.refresh_token:
            raise NoToken("no Zalo token: set MOTCUA_ZALO__ACCESS_TOKEN and REFRESH_TOKEN")
        return await self._store.seed(self._initial)
