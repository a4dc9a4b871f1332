"""Shared fixtures: databases on SQLite and PostgreSQL (throwaway, migrated once per run)."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING

import pytest
from db_support import DB_KINDS, create_test_database, drop_test_database, require_redis

from knowledge import shipped
from knowledge.base import KnowledgeBase
from storage.counters import RedisCounterStore
from storage.engine import Engine as AsyncEngine
from storage.engine import SessionFactory, create_engine
from storage.engine import session_factory as make_factory
from storage.migrate import upgrade
from storage.statements import is_postgresql

if TYPE_CHECKING:
    from fakes.zalo_api import FakeZaloAPI

    from bot.zalo.client import ZaloClient


@pytest.fixture(scope="session", params=DB_KINDS)
def db_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated database for the whole run, once on SQLite and once on PostgreSQL."""
    url, name = create_test_database(request.param, tmp_path_factory.mktemp("db"))
    try:
        upgrade(url)
        yield url
    finally:
        drop_test_database(name)


# Set by the migrations, not by a test: the schema's version, the one-stop tally's time zone.
KEPT_TABLES = frozenset({"alembic_version", "one_stop_tally_zone"})

# PostgreSQL: tables that hold rows, and every id sequence that moved since the last reset,
# set back to its start (what TRUNCATE ... RESTART IDENTITY did). DELETE, not TRUNCATE: a
# TRUNCATE makes new files for each table it cascades to, 0.2 s per test against a few ms.
_PG_SEQUENCES_RESET = """
SELECT setval(format('%I.%I', schemaname, sequencename), start_value, false)
FROM pg_sequences WHERE schemaname = 'public' AND last_value IS NOT NULL
"""
# Which table references which: a referencing table is emptied before the one it references.
_PG_REFERENCES = """
SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c
JOIN pg_namespace n ON n.oid = c.connamespace
WHERE c.contype = 'f' AND n.nspname = 'public'
"""


def _children_first(names: list[str], references: list[tuple[str, str]]) -> list[str]:
    """``names`` ordered so that no table comes after a table it references."""
    left, ordered = set(names), []
    while left:
        # A table still referenced by another one left waits; a cycle goes as it is.
        ready = sorted(
            n for n in left if not any(p == n and c in left and c != n for c, p in references)
        ) or sorted(left)
        ordered += ready
        left -= set(ready)
    return ordered


async def _empty_tables(engine: AsyncEngine) -> None:
    from sqlalchemy import text

    async with engine.begin() as conn:
        if is_postgresql(engine):
            rows = await conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            )
            tables = [r[0] for r in rows if r[0] not in KEPT_TABLES]
            holding = " UNION ALL ".join(
                f"SELECT '{n}' WHERE EXISTS (SELECT 1 FROM \"{n}\")" for n in tables
            )
            used = [r[0] for r in await conn.execute(text(holding))] if tables else []
            if used:
                references = [(r[0], r[1]) for r in await conn.execute(text(_PG_REFERENCES))]
                for n in _children_first(used, references):
                    await conn.execute(text(f'DELETE FROM "{n}"'))
            await conn.execute(text(_PG_SEQUENCES_RESET))
        else:
            rows = await conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'"))
            names = [
                r[0] for r in rows if r[0] not in KEPT_TABLES and not r[0].startswith("sqlite_")
            ]
            await conn.execute(text("PRAGMA defer_foreign_keys = ON"))
            for n in names:
                await conn.execute(text(f'DELETE FROM "{n}"'))


@pytest.fixture
async def session_factory(db_url: str) -> AsyncIterator[SessionFactory]:
    """Sessions on ``db_url``; every table is empty when the test starts and after it."""
    engine = create_engine(db_url)
    try:
        await _empty_tables(engine)
        yield make_factory(engine)
    finally:
        await _empty_tables(engine)
        await engine.dispose()


REDIS_URL = os.environ.get("MOTCUA_TEST_REDIS", "redis://127.0.0.1:6379/0")


@pytest.fixture
async def redis_counters() -> AsyncIterator[Callable[[], RedisCounterStore]]:
    """Makes Redis counter stores that share one fresh key prefix (as replicas do); skips
    without Redis (fails under CI); every key under the prefix is deleted afterwards."""
    prefix = f"motcua-test-{secrets.token_hex(6)}:"
    stores: list[RedisCounterStore] = []

    def make() -> RedisCounterStore:
        stores.append(RedisCounterStore.from_url(REDIS_URL, prefix=prefix))
        return stores[-1]

    client = await require_redis(REDIS_URL)
    try:
        yield make
    finally:
        keys = [k async for k in client.scan_iter(match=prefix + "*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()
        for store in stores:
            await store.aclose()


@pytest.fixture
async def zalo() -> AsyncIterator[tuple[FakeZaloAPI, ZaloClient]]:
    """The fake Zalo API and a client of it holding tokens (the Zalo senders and the help
    desk's replies both push through one)."""
    import aiohttp
    from fakes.zalo_api import FakeZaloAPI

    from bot.zalo.client import ZaloClient
    from bot.zalo.tokens import MemoryTokenStore, OAuthClient, TokenManager
    from storage.zalo_repo import StoredTokens

    async with FakeZaloAPI() as api, aiohttp.ClientSession() as http:
        oauth = OAuthClient(
            http, oauth_base=api.base_url, app_id=api.app_id, app_secret_key=api.app_secret_key
        )
        tokens = TokenManager(
            MemoryTokenStore(), oauth.refresh, initial=StoredTokens("AT-1", "RT-1", None, 0)
        )
        yield api, ZaloClient(http, tokens, api_base=api.base_url, zns_base=api.base_url)


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    """The shipped knowledge base (knowledge/data), loaded and indexed once per run."""
    return KnowledgeBase.from_files(shipped.export_paths(), shipped.popularity_path())


@pytest.fixture(scope="session", autouse=True)
def index_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The prebuilt index of every test (and of the commands tests run) in a folder of this
    run, never the user's cache."""
    import os

    folder = tmp_path_factory.getbasetemp() / "kb-cache"
    previous = os.environ.get("MOTCUA_KNOWLEDGE__CACHE_DIR")
    os.environ["MOTCUA_KNOWLEDGE__CACHE_DIR"] = str(folder)
    yield
    if previous is None:
        os.environ.pop("MOTCUA_KNOWLEDGE__CACHE_DIR", None)
    else:
        os.environ["MOTCUA_KNOWLEDGE__CACHE_DIR"] = previous
