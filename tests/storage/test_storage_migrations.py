"""Migrations: each revision upgrades and downgrades cleanly, and the models match head."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from db_support import DB_KINDS, create_test_database, drop_test_database
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from storage.engine import create_engine
from storage.migrate import alembic_config, downgrade_async, import_all_tables, upgrade_async


@pytest.fixture(params=DB_KINDS)
def blank_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    url, name = create_test_database(request.param, tmp_path)
    try:
        yield url
    finally:
        drop_test_database(name)


def _revisions(url: str) -> list[str]:
    script = ScriptDirectory.from_config(alembic_config(url))
    return [s.revision for s in reversed(list(script.walk_revisions()))]


def test_revision_ids_are_sequential() -> None:
    revisions = _revisions("sqlite+aiosqlite://")
    assert revisions == [f"{i:04d}" for i in range(1, len(revisions) + 1)]


async def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


async def test_stairway_up_down_up_each_revision(blank_db_url: str) -> None:
    previous = "base"
    for revision in _revisions(blank_db_url):
        await upgrade_async(blank_db_url, revision)
        after_up = await _tables(blank_db_url)
        await downgrade_async(blank_db_url, previous)
        after_down = await _tables(blank_db_url)
        assert after_down < after_up or previous != "base"
        await upgrade_async(blank_db_url, revision)
        assert await _tables(blank_db_url) == after_up
        previous = revision
    assert "dossiers" in await _tables(blank_db_url)


async def test_models_match_migrations(blank_db_url: str) -> None:
    import_all_tables()
    await upgrade_async(blank_db_url)
    engine = create_engine(blank_db_url)

    def diff(conn: Connection) -> list[object]:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, SQLModel.metadata))

    try:
        async with engine.connect() as conn:
            differences = await conn.run_sync(diff)
    finally:
        await engine.dispose()
    assert differences == []


async def test_concurrent_upgrades_do_not_collide(blank_db_url: str) -> None:
    # Two replicas starting at once (SQLite serialises writers; PostgreSQL takes a lock).
    await asyncio.gather(upgrade_async(blank_db_url), upgrade_async(blank_db_url))
    assert "dossiers" in await _tables(blank_db_url)
