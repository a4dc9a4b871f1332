"""``motcua notify run-once`` (every rule, then the dispatcher) and ``motcua notify status``."""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import aiohttp

from bot import texts_vi as T
from bot.cli.dossiers import collect_deadlines, deadlines_as_dict, format_deadlines
from bot.config import Settings, load_settings
from bot.senders.setup import build_service, send_gate, telegram_sender
from bot.zalo.routes import build_senders, zalo_client
from notifications.ports import Sender
from storage import outbox_repo
from storage.conversations_repo import SqlConversationStore
from storage.engine import create_engine, session_factory


async def _run_once(settings: Settings, worker_id: str | None, rules_only: bool) -> dict[str, Any]:
    engine = create_engine(settings.database_url())
    sessions = session_factory(engine)
    senders: dict[str, Sender] = {}
    tg = telegram_sender(settings)
    if tg is not None:
        senders[tg.channel] = tg
    http = aiohttp.ClientSession() if settings.zalo.enabled else None
    if http is not None:
        client = zalo_client(settings, sessions, http)
        senders.update(build_senders(settings, sessions, client, SqlConversationStore(sessions)))
    gate = send_gate(settings)  # beside running workers, the same limits in Redis
    try:
        service = build_service(settings, sessions, senders, worker_id=worker_id, gate=gate)
        if rules_only:
            return await service.enqueue_all()
        return await service.run_once()
    finally:
        if tg is not None:
            await tg.aclose()
        if http is not None:
            await http.close()
        if gate is not None:
            await gate.aclose()
        await engine.dispose()


async def _status(settings: Settings, limit: int, agency: str | None) -> dict[str, Any]:
    engine = create_engine(settings.database_url())
    factory = session_factory(engine)
    try:
        async with factory() as session:
            summary = await outbox_repo.summary(session)
            failed = await outbox_repo.failures(session, limit)
    finally:
        await engine.dispose()
    now = datetime.now(UTC)
    found = await collect_deadlines(settings, now, agency=agency, limit=limit)
    calendar = settings.calendar.work_calendar()
    return {
        "outbox": [{"status": s, "channel": ch, "rule": r, "count": n} for s, ch, r, n in summary],
        "failures": [
            {
                "id": f.id,
                "key": f.key,
                "dossier_id": f.dossier_id,
                "rule": f.rule,
                "channel": f.channel,
                "attempts": f.attempts,
                "error": f.last_error,
            }
            for f in failed
        ],
        **deadlines_as_dict(found, calendar),
        "_text_deadlines": format_deadlines(found, calendar, now),
    }


def _print_status(report: dict[str, Any]) -> None:
    """The report in Vietnamese, for staff (no chat ids: a failure names the dossier)."""
    print(T.OUTBOX_TITLE)
    if not report["outbox"]:
        print(T.OUTBOX_EMPTY)
    for row in report["outbox"]:
        print(
            T.OUTBOX_ROW.format(
                status=T.OUTBOX_STATUSES.get(row["status"], row["status"]),
                channel=T.REPORT_CHANNELS.get(row["channel"], row["channel"]),
                rule=T.REPORT_RULES.get(row["rule"], row["rule"]),
                count=row["count"],
            )
        )
    print()
    print(T.FAILURES_TITLE.format(count=len(report["failures"])))
    if not report["failures"]:
        print(T.LIST_NONE)
    for f in report["failures"]:
        print(
            T.FAILURE_ROW.format(
                id=f["id"],
                dossier=f["dossier_id"] or "—",
                rule=T.REPORT_RULES.get(f["rule"], f["rule"]),
                channel=T.REPORT_CHANNELS.get(f["channel"], f["channel"]),
                attempts=f["attempts"],
                error=f["error"],
            )
        )
    print()
    print(report["_text_deadlines"])


def _cmd_run_once(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    result = asyncio.run(_run_once(settings, args.worker_id, args.rules_only))
    print(json.dumps(result, ensure_ascii=False, indent=None if args.json else 2))
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    report = asyncio.run(_status(settings, args.limit, args.agency))
    if args.json:
        report.pop("_text_deadlines")
        print(json.dumps(report, ensure_ascii=False))
    else:
        _print_status(report)
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("notify", help="notifications: rules, outbox, dispatcher")
    notify_sub = parser.add_subparsers(dest="notify_command", required=True)
    once = notify_sub.add_parser("run-once", help="run every rule and the dispatcher once")
    once.add_argument("--json", action="store_true", help="one-line JSON output")
    once.add_argument("--worker-id", default=None, help="name this dispatcher in the outbox")
    once.add_argument("--rules-only", action="store_true", help="enqueue only, send nothing")
    once.set_defaults(func=_cmd_run_once)
    status = notify_sub.add_parser(
        "status",
        help="hàng đợi thông báo, tin gửi lỗi, hồ sơ sắp đến hạn và quá hạn chưa có phiếu hẹn lại",
    )
    status.add_argument("--json", action="store_true")
    status.add_argument("--limit", type=int, default=50, help="số dòng tối đa mỗi danh sách")
    status.add_argument("--agency", default=None, help="chỉ hồ sơ của cơ quan này")
    status.set_defaults(func=_cmd_status)
