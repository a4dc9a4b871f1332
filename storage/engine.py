"""The async engine and session factory: aiosqlite by default (WAL, foreign keys), asyncpg."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event, exc, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine
from sqlalchemy.pool import StaticPool

# Handlers and bot type their arguments with these and never import SQLAlchemy themselves.
Session = AsyncSession
SessionFactory = async_sessionmaker[AsyncSession]
Engine = AsyncEngine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    # WAL with synchronous=NORMAL is crash-safe and much faster on bulk imports.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB of page cache per connection
    cursor.close()


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """An async engine for ``sqlite+aiosqlite:///path`` or ``postgresql+asyncpg://...``."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        memory = parsed.database in (None, "", ":memory:")
        kwargs: dict[str, Any] = {}
        if memory:
            kwargs = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
        else:
            Path(str(parsed.database)).parent.mkdir(parents=True, exist_ok=True)
        engine = _create_async_engine(url, echo=echo, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # No pre-ping: it costs a round trip per checkout; recycled connections and asyncpg's own
    # error on a dead socket (the request fails once, the pool replaces it) are enough.
    # JIT off: our statements are short (a report over a million dossiers is tens of ms), and
    # compiling one costs more than it saves (60 ms measured on the one-stop table).
    return _create_async_engine(
        url,
        echo=echo,
        pool_size=10,
        max_overflow=10,
        pool_recycle=1800,
        connect_args={"server_settings": {"jit": "off"}},
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit (use cases own the transaction)."""
    return async_sessionmaker(engine, expire_on_commit=False)


async def ping(factory: async_sessionmaker[AsyncSession]) -> bool:
    """True when the database answers a trivial query (for /healthz)."""
    try:
        async with factory() as session:
            await session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        return False
    return True


def is_unavailable(error: BaseException) -> bool:
    """True when ``error`` says the database cannot be reached (down, restarting, network,
    pool exhausted): an outage to log once, not a bug to log with a traceback."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError | TimeoutError | exc.TimeoutError):
            return True
        if isinstance(current, exc.DBAPIError) and (
            current.connection_invalidated
            or isinstance(current, exc.OperationalError | exc.InterfaceError)
        ):
            return True
        if type(current).__module__.startswith("asyncpg") and "Connect" in type(current).__name__:
            return True  # CannotConnectNowError, ConnectionDoesNotExistError, ...
        current = current.__cause__ or current.__context__
    return False
