"""Dialect helpers the repositories share: upsert-capable INSERTs and single-statement reads."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession


def is_postgresql(where: AsyncSession | AsyncEngine | AsyncConnection | Connection) -> bool:
    """Whether ``where`` talks to PostgreSQL (else SQLite, the embedded default)."""
    bind = where.get_bind() if isinstance(where, AsyncSession) else where
    return bind.dialect.name == "postgresql"


def upsert_insert(session: AsyncSession, table: Any) -> postgresql.Insert | sqlite.Insert:
    """An INSERT with ``on_conflict_do_*`` for the session's database."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"unsupported database {dialect}")


async def single_statement(session: AsyncSession) -> None:
    """Run the session's next statement on its own, without BEGIN/COMMIT round trips.

    Only on PostgreSQL and only when the session has not begun: each round trip counts on the
    hot path. Use it for one read, or one self-contained write (an upsert), nothing after.
    """
    if not session.in_transaction() and is_postgresql(session):
        await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
