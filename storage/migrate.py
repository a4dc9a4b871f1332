"""Run the alembic migrations that ship inside this package, from any working directory."""

from __future__ import annotations

import asyncio
import fcntl
import importlib
import pkgutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url

from storage.engine import create_engine
from storage.statements import is_postgresql

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
LOCK_KEY = 0x6D6F7463  # "motc": the advisory lock held while migrating PostgreSQL


def import_all_tables() -> None:
    """Import every module of this package so all tables (ours and later helpers') are known."""
    package = Path(__file__).resolve().parent
    for info in pkgutil.iter_modules([str(package)]):
        if info.name not in {"migrate", "migrations"}:
            importlib.import_module(f"storage.{info.name}")


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    # ConfigParser would read "%" as interpolation; URLs may hold escaped passwords.
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


@asynccontextmanager
async def _sqlite_file_lock(url: str) -> AsyncIterator[None]:
    """An exclusive lock file beside a SQLite database while migrating it (alembic's SQLite
    DDL is not transactional, so two processes would otherwise run the same steps)."""
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        yield
        return
    lock_path = Path(database).with_name(Path(database).name + ".migrate-lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as handle:
        await asyncio.to_thread(fcntl.flock, handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


async def _run(url: str, action: str, revision: str) -> None:
    cfg = alembic_config(url)
    async with _sqlite_file_lock(url):
        engine = create_engine(url)
        try:
            async with engine.begin() as conn:
                if is_postgresql(conn):
                    # Replicas starting together migrate one after another.
                    await conn.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY}
                    )

                def run(sync_conn: Connection) -> None:
                    cfg.attributes["connection"] = sync_conn
                    getattr(command, action)(cfg, revision)

                await conn.run_sync(run)
        finally:
            await engine.dispose()


async def upgrade_async(url: str, revision: str = "head") -> None:
    """Upgrade the database at ``url`` (call from inside a running event loop)."""
    await _run(url, "upgrade", revision)


async def downgrade_async(url: str, revision: str) -> None:
    await _run(url, "downgrade", revision)


def upgrade(url: str, revision: str = "head") -> None:
    """Upgrade the database at ``url`` to ``revision`` (from synchronous code)."""
    asyncio.run(upgrade_async(url, revision))


def downgrade(url: str, revision: str) -> None:
    asyncio.run(downgrade_async(url, revision))
