"""Throwaway databases for the tests: SQLite files and PostgreSQL databases made per run, and
the test Redis (required under CI)."""

from __future__ import annotations

import asyncio
import os
import secrets
from pathlib import Path

import pytest
from redis.asyncio import Redis

PG_ADMIN_DSN = os.environ.get("MOTCUA_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
DB_KINDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def create_test_database(kind: str, tmp_dir: Path) -> tuple[str, str | None]:
    """A fresh empty database: (SQLAlchemy URL, PostgreSQL name to drop later or None)."""
    if kind == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_dir / f'motcua_{secrets.token_hex(4)}.db'}", None
    name = f"motcua_test_{secrets.token_hex(6)}"
    try:
        asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any connection problem
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL at {PG_ADMIN_DSN} is required under CI: {exc}")
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    host = PG_ADMIN_DSN.split("://", 1)[1].rsplit("/", 1)[0]
    return f"postgresql+asyncpg://{host}/{name}", name


def drop_test_database(name: str | None) -> None:
    if name is not None:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def require_redis(url: str) -> Redis:
    """A client of the test Redis at ``url``, answering; skips the test without one (fails it
    under CI, where Redis must run)."""
    client = Redis.from_url(url)
    try:
        await client.ping()
    except Exception as exc:  # noqa: BLE001 - any connection problem
        await client.aclose()
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis at {url} is required under CI: {exc}")
        pytest.skip(f"Redis not reachable: {exc}")
    return client
