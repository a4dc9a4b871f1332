"""``motcua notify run-once`` (every rule, then the dispatcher) and ``motcua notify status``."""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp

from bot.config import Settings, load_settings
from bot.senders.setup import build_service, rule_context, telegram_sender
from bot.zalo.routes import build_senders, zalo_client
from notifications.jobs import RuleJobs
from notifications.ports import Sender
from notifications.rules import fmt_date
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
    try:
        service = build_service(settings, sessions, senders, worker_id=worker_id)
        if rules_only:
            return {"enqueued": await service.jobs.run_all()}
        return await service.run_once()
    finally:
        if tg is not None:
            await tg.aclose()
        if http is not None:
            await http.close()
        await engine.dispose()


async def _status(settings: Settings, limit: int) -> dict[str, Any]:
    engine = create_engine(settings.database_url())
    factory = session_factory(engine)
    tz = ZoneInfo(settings.calendar.timezone)
    try:
        async with factory() as session:
            summary = await outbox_repo.summary(session)
            failed = await outbox_repo.failures(session, limit)
        jobs = RuleJobs(factory, rule_context(settings))
        waiting = await jobs.waiting_for_apology_details(limit)
    finally:
        await engine.dispose()
    return {
        "outbox": [{"status": s, "channel": ch, "rule": r, "count": n} for s, ch, r, n in summary],
        "failures": [
            {"id": f.id, "key": f.key, "attempts": f.attempts, "error": f.last_error}
            for f in failed
        ],
        "waiting_for_apology_details": [
            {
                "dossier_id": d.id,
                "receipt_code": d.receipt_code,
                "due": fmt_date(d.due_at, tz) if d.due_at else None,
                "apology_reason": bool(d.apology_reason),
                "new_due": fmt_date(d.new_due_at, tz) if d.new_due_at else None,
            }
            for d in waiting
        ],
    }


def _print_status(report: dict[str, Any]) -> None:
    print("Outbox (status / channel / rule: count)")
    if not report["outbox"]:
        print("  (empty)")
    for row in report["outbox"]:
        print(f"  {row['status']:<10} {row['channel']:<9} {row['rule']:<17} {row['count']}")
    print(f"\nFailed messages (newest {len(report['failures'])})")
    for f in report["failures"]:
        print(f"  #{f['id']} {f['key']} after {f['attempts']} attempt(s): {f['error']}")
    waiting = report["waiting_for_apology_details"]
    print(f"\nOverdue dossiers waiting for an apology reason / new date: {len(waiting)}")
    for d in waiting:
        reason = "reason recorded" if d["apology_reason"] else "no reason"
        new_due = f"new date {d['new_due']}" if d["new_due"] else "no new date"
        print(f"  {d['receipt_code']} due {d['due']}: {reason}, {new_due}")


def _cmd_run_once(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    result = asyncio.run(_run_once(settings, args.worker_id, args.rules_only))
    print(json.dumps(result, ensure_ascii=False, indent=None if args.json else 2))
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    report = asyncio.run(_status(settings, args.limit))
    if args.json:
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
    status = notify_sub.add_parser("status", help="outbox summary, failures, apologies waiting")
    status.add_argument("--json", action="store_true")
    status.add_argument("--limit", type=int, default=50, help="rows per list")
    status.set_defaults(func=_cmd_status)
