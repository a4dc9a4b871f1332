"""``motcua db upgrade``: apply the alembic migrations to the configured database;
``motcua db tally``: count every dossier into the one-stop tally again (after a bulk load that
bypassed the import, or in another time zone)."""

from __future__ import annotations

import argparse
import sys

from bot.config import load_settings
from storage.migrate import upgrade, upgrade_async


def _where(url: str) -> str:
    # Never print the credentials of a PostgreSQL URL.
    return url.rsplit("@", maxsplit=1)[-1]


def _upgrade(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    url = settings.database_url()
    try:
        upgrade(url, args.revision)
    except Exception as exc:  # noqa: BLE001 - any failure is reported, not a traceback
        print(f"Cannot upgrade the database at {_where(url)}: {exc}", file=sys.stderr)
        return 1
    print(f"Database upgraded to {args.revision}: {_where(url)}")
    return 0


def _tally(args: argparse.Namespace) -> int:
    import asyncio

    from storage import one_stop_tally
    from storage.engine import create_engine

    settings = load_settings(args.config)
    url = settings.database_url()
    timezone = settings.calendar.timezone

    async def run() -> int:
        await upgrade_async(url)
        engine = create_engine(url)
        try:
            async with engine.begin() as conn:
                return int(await conn.run_sync(one_stop_tally.rebuild, timezone))
        finally:
            await engine.dispose()

    try:
        counted = asyncio.run(run())
    except Exception as exc:  # noqa: BLE001 - any failure is reported, not a traceback
        print(f"Cannot rebuild the one-stop tally at {_where(url)}: {exc}", file=sys.stderr)
        return 1
    print(f"One-stop tally rebuilt ({counted} dossiers, days in {timezone}): {_where(url)}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("db", help="database schema")
    db_sub = parser.add_subparsers(dest="db_command", required=True)
    up = db_sub.add_parser("upgrade", help="apply migrations up to the newest")
    up.add_argument("revision", nargs="?", default="head", help="target revision (default head)")
    up.set_defaults(func=_upgrade)
    tally = db_sub.add_parser(
        "tally", help="count every dossier into the report's tally again ([calendar] timezone)"
    )
    tally.set_defaults(func=_tally)
