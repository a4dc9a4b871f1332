"""Shared fixtures: databases on SQLite and PostgreSQL (throwaway, migrated once per run)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from db_support import DB_KINDS, create_test_database, drop_test_database

from knowledge import shipped
from knowledge.base import KnowledgeBase
from storage.engine import Engine as AsyncEngine
from storage.engine import SessionFactory, create_engine
from storage.engine import session_factory as make_factory
from storage.migrate import upgrade


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


async def _empty_tables(engine: AsyncEngine) -> None:
    from sqlalchemy import text

    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            rows = await conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            )
            names = [r[0] for r in rows if r[0] not in KEPT_TABLES]
            if names:
                quoted = ", ".join(f'"{n}"' for n in names)
                await conn.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
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
