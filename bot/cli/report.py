"""``motcua report --from --to [--json]``: what the assistant did in a period (database counts)."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import importlib.util
import json
import sys
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot import texts_vi
from bot.config import load_settings

# The queries live with the tables (storage/report_repo.py, storage helper):
#   async def period_report(session, start: datetime, end: datetime) -> Mapping[str, Any]
# with counts of questions answered/abstained, lookups, dossiers by status, notifications by
# status and ratings (count, average) between ``start`` (inclusive) and ``end`` (exclusive).
REPORT_MODULE = "storage.report_repo"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("report", help="thống kê hoạt động trong một khoảng thời gian")
    parser.add_argument(
        "--from", dest="start", type=date.fromisoformat, required=True, help="ngày đầu, YYYY-MM-DD"
    )
    parser.add_argument(
        "--to",
        dest="end",
        type=date.fromisoformat,
        required=True,
        help="ngày cuối (tính cả ngày này), YYYY-MM-DD",
    )
    parser.add_argument("--json", action="store_true", help="in một đối tượng JSON")
    parser.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="bot.toml")
    parser.set_defaults(func=run)


def period(start: date, end: date, tz: str) -> tuple[datetime, datetime]:
    """Local days ``start``..``end`` (both included) as an aware [from, to) interval."""
    zone = ZoneInfo(tz)
    return (
        datetime.combine(start, time.min, zone),
        datetime.combine(end + timedelta(days=1), time.min, zone),
    )


def format_text(report: Mapping[str, Any], indent: str = "") -> str:
    lines: list[str] = []
    for key, value in report.items():
        if isinstance(value, Mapping):
            lines.append(f"{indent}{key}:")
            lines.append(format_text(value, indent + "  "))
        else:
            lines.append(f"{indent}{key}: {value}")
    return "\n".join(lines)


async def _collect(args: argparse.Namespace) -> dict[str, Any]:
    from storage.engine import create_engine, session_factory

    settings = load_settings(args.config)
    start, end = period(args.start, args.end, settings.calendar.timezone)
    queries = importlib.import_module(REPORT_MODULE)
    engine = create_engine(settings.database_url())
    try:
        async with session_factory(engine)() as session:
            counts = await queries.period_report(session, start, end)
    finally:
        await engine.dispose()
    return {"from": args.start.isoformat(), "to": args.end.isoformat(), **dict(counts)}


def run(args: argparse.Namespace) -> int:
    if args.end < args.start:
        print(texts_vi.REPORT_BAD_PERIOD, file=sys.stderr)
        return 2
    if importlib.util.find_spec(REPORT_MODULE) is None:
        print(texts_vi.REPORT_UNAVAILABLE, file=sys.stderr)
        return 1
    report = asyncio.run(_collect(args))
    if args.json:
        print(json.dumps(report, ensure_ascii=False, default=str))
    else:
        print(format_text(report))
    return 0
