"""``motcua report --from --to [--json] [--agency A] [--xlsx F.xlsx]``: what the assistant did
in a period, and the one-stop results table (``one_stop``) staff send up each month."""

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
from handlers.dossiers.statuses import label_vi

# The queries live with the tables (storage/report_repo.py):
#   async def period_report(session, start: datetime, end: datetime) -> dict[str, Any]
# with counts of questions answered/abstained, lookups, dossiers by status, notifications by
# rule and channel, and ratings between ``start`` (inclusive) and ``end`` (exclusive).
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
    parser.add_argument(
        "--agency", default=None, help="bảng kết quả một cửa của riêng cơ quan này"
    )
    parser.add_argument(
        "--xlsx", type=Path, default=None, help="ghi bảng kết quả một cửa ra tệp .xlsx"
    )
    parser.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="bot.toml")
    parser.set_defaults(func=run)


def period(start: date, end: date, tz: str) -> tuple[datetime, datetime]:
    """Local days ``start``..``end`` (both included) as an aware [from, to) interval."""
    zone = ZoneInfo(tz)
    return (
        datetime.combine(start, time.min, zone),
        datetime.combine(end + timedelta(days=1), time.min, zone),
    )


def format_text(report: Mapping[str, Any]) -> str:
    """The report for staff, in Vietnamese: a title, then one labelled line per figure."""
    start = date.fromisoformat(str(report["from"])).strftime("%d/%m/%Y")
    end = date.fromisoformat(str(report["to"])).strftime("%d/%m/%Y")
    lines = [texts_vi.REPORT_TITLE.format(start=start, end=end)]
    if report.get("agency"):
        lines.append(texts_vi.REPORT_AGENCY.format(agency=report["agency"]))
    body = {k: v for k, v in report.items() if k not in ("from", "to", "agency")}
    _format_section(body, (), lines)
    return "\n".join(lines)


def _format_section(section: Mapping[str, Any], path: tuple[str, ...], out: list[str]) -> None:
    indent = "  " * len(path)
    for key, value in section.items():
        title = label(str(key), path)
        if isinstance(value, Mapping) and value:
            if not path:
                out.append("")
            out.append(f"{indent}{title}:")
            _format_section(value, (*path, str(key)), out)
        elif isinstance(value, Mapping):
            out.append(f"{indent}{title}: {texts_vi.REPORT_NONE}")
        else:
            shown = texts_vi.REPORT_NONE if value is None else value
            if isinstance(value, float):
                shown = f"{value:.2f}".replace(".", ",")  # Vietnamese decimal comma
            out.append(f"{indent}{title}: {shown}")


def label(key: str, path: tuple[str, ...]) -> str:
    """The Vietnamese label of a report key (the command line and the staff console share it).
    ``path``: the keys above this one, e.g. ("notifications", "by_rule", "status")."""
    parent = path[-1] if path else ""
    if parent == "by_status":
        return label_vi(key)
    if parent == "by_value":
        return _rating_labels().get(key, texts_vi.REPORT_RATING_VALUE.format(value=key))
    if parent == "by_rule":
        return texts_vi.REPORT_RULES.get(key, key)
    if len(path) >= 2 and path[-2] == "by_rule":
        return texts_vi.REPORT_CHANNELS.get(key, key)
    return texts_vi.REPORT_LABELS.get(key, key)


def _rating_labels() -> dict[str, str]:
    """ "3" -> "Rất hài lòng", from the values the satisfaction buttons carry."""
    try:
        from notifications.rules import RATING_VALUES
        from notifications.texts_vi import RATING_LABELS
    except ImportError:  # pragma: no cover - the labels are a nicety, the numbers stay
        return {}
    return {str(v): RATING_LABELS.get(name, name) for name, v in RATING_VALUES.items()}


async def _collect(
    args: argparse.Namespace,
) -> tuple[dict[str, Any], dict[str | None, dict[str, Any]]]:
    from storage import one_stop_repo
    from storage.engine import create_engine, session_factory
    from storage.migrate import upgrade_async

    settings = load_settings(args.config)
    start, end = period(args.start, args.end, settings.calendar.timezone)
    queries = importlib.import_module(REPORT_MODULE)
    url = settings.database_url()
    await upgrade_async(url)  # a database "motcua serve" never touched still gets a report
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            counts = await queries.period_report(session, start, end)
            one_stop, by_agency = await one_stop_repo.one_stop_by_agency(
                session, start, end, agency=args.agency
            )
    finally:
        await engine.dispose()
    report = {
        "from": args.start.isoformat(),
        "to": args.end.isoformat(),
        **dict(counts),
        "one_stop": one_stop,
    }
    if args.agency is not None:
        report["agency"] = args.agency
    return report, by_agency


def run(args: argparse.Namespace) -> int:
    if args.end < args.start:
        print(texts_vi.REPORT_BAD_PERIOD, file=sys.stderr)
        return 2
    if importlib.util.find_spec(REPORT_MODULE) is None:
        print(texts_vi.REPORT_UNAVAILABLE, file=sys.stderr)
        return 1
    report, by_agency = asyncio.run(_collect(args))
    if args.xlsx is not None:
        from bot.report_xlsx import write_one_stop_xlsx

        path = write_one_stop_xlsx(
            args.xlsx,
            start=args.start,
            end=args.end,
            total=report["one_stop"],
            by_agency=by_agency,
            title_agency=args.agency,
        )
        print(texts_vi.REPORT_XLSX_WRITTEN.format(path=path), file=sys.stderr)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, default=str))
    else:
        print(format_text(report))
    return 0
