"""Notification fan-out benchmark: the dispatcher against the fake Bot API on loopback.

100,000 pending notifications to 20,000 chats in PostgreSQL, sent through the real dispatcher and
the Telegram sender (aiogram's session) to a fake Bot API running in its own process (by default
bench/fast_bot_api.py, a minimal keep-alive responder with Telegram's wire contract, so the CPU
goes to what is measured; ``--fake aiohttp`` uses the tests' full fake, ~1 ms CPU a request):
  1. capped at 30 msg/s for a short run: achieved rate vs the cap (target >= 95 %);
  2. uncapped (global cap off, 1 msg/s per chat kept) for the rest: throughput (>= 2,000 msg/s);
  then, over every request the fake received: per-chat violations (0), duplicates (0), losses (0);
  3. the same 100,000 through a null sender: the dispatcher's own ceiling (claims, pacing,
     group-commit marks on PostgreSQL) without HTTP;
  4. the overdue scan over 1,000,000 dossiers (target <= 2 s), with its query plan; 6 % of them
     have a stopped clock (waiting for the citizen, or paused), most past their date: the scan
     must return none of them.

Each pass reports wall time and this process's CPU (dispatcher + sender) per message, and the CPU
the garbage collector took. Before each pass the start-up heap is frozen (``gc.freeze()``, as a
service does once started): otherwise full collections walk every imported module's objects and
took about a third of the pass's CPU (``--no-gc-freeze`` shows it).

    .venv/bin/python bench/fanout.py --uncapped-seconds 30   # full size, aiogram run for 30 s
    .venv/bin/python bench/fanout.py --messages 20000 --chats 4000 --capped-seconds 10 \
        --null-messages 20000 --scan-dossiers 100000       # quick
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import itertools
import json
import os
import secrets
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import asyncpg  # noqa: E402

from bot.senders.telegram import TelegramSender, create_push_bot  # noqa: E402
from handlers.messages import Reply  # noqa: E402
from notifications.dispatcher import (  # noqa: E402
    ChannelLimits,
    Dispatcher,
    DispatcherConfig,
    reply_to_body,
)
from notifications.ports import SENT, SendContext, Sender, SendResult  # noqa: E402
from notifications.rules import RUNNING_STATUSES, STOPPED_STATUSES  # noqa: E402
from storage import outbox_repo  # noqa: E402
from storage.engine import create_engine, session_factory  # noqa: E402
from storage.migrate import upgrade_async  # noqa: E402

GC_FREEZE = True
GC_CPU = [0.0, 0.0]  # CPU seconds spent in the garbage collector during a pass, start mark


def _gc_timer(phase: str, _info: dict[str, int]) -> None:
    if phase == "start":
        GC_CPU[1] = time.process_time()
    else:
        GC_CPU[0] += time.process_time() - GC_CPU[1]


gc.callbacks.append(_gc_timer)

PG_ADMIN = os.environ.get("MOTCUA_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
TOKEN = "123456:BENCH-token"


# --- the fake Bot API in its own process ---------------------------------------------------------


async def serve_fake(out_path: str) -> None:
    """Child mode (``--fake aiohttp``): run the test fake, print its port, dump what it
    received on SIGTERM."""
    from fakes.bot_api import FakeBotAPI

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    async with FakeBotAPI(token=TOKEN) as api:
        print(api.port, flush=True)
        await stop.wait()
        records = [
            (r.chat_id, str(r.params.get("text", "")), r.at, r.fault)
            for r in api.requests
            if r.method == "sendMessage"
        ]
    Path(out_path).write_text(json.dumps({"cpu_s": None, "records": records}, ensure_ascii=False))


async def start_fake(out_path: str, kind: str) -> tuple[asyncio.subprocess.Process, str]:
    """The fake in a process of its own: ``fast`` (bench/fast_bot_api.py, a minimal keep-alive
    responder, so the figure is the sender's and the dispatcher's) or ``aiohttp`` (the tests'
    full fake, ~1 ms of CPU per request)."""
    if kind == "fast":
        cmd = [sys.executable, str(ROOT / "bench" / "fast_bot_api.py"), TOKEN, out_path]
    else:
        cmd = [sys.executable, __file__, "--serve-fake", out_path]
    proc = await asyncio.create_subprocess_exec(*cmd, stdout=asyncio.subprocess.PIPE)
    assert proc.stdout is not None
    port = int((await proc.stdout.readline()).decode().strip())
    return proc, f"http://127.0.0.1:{port}"


# --- database -----------------------------------------------------------------------------------


async def create_db(name: str) -> str:
    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    host = PG_ADMIN.split("://", 1)[1].rsplit("/", 1)[0]
    url = f"postgresql+asyncpg://{host}/{name}"
    await upgrade_async(url)
    return url


async def drop_db(name: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def enqueue(url: str, messages: int, chats: int) -> None:
    engine = create_engine(url)
    factory = session_factory(engine)
    now = datetime.now(UTC)
    started = time.perf_counter()
    # Round-robin over the chats, as a rule fanning out to many subscribers does.
    rows = [
        outbox_repo.NewMessage(
            key=f"0:bench:{i}:telegram:{10_000 + i % chats}",
            dossier_id=None,
            rule="bench",
            channel="telegram",
            recipient=str(10_000 + i % chats),
            body=reply_to_body(Reply(f"Thông báo số {i}: hồ sơ của ông/bà đã có kết quả.")),
            next_attempt_at=now,
        )
        for i in range(messages)
    ]
    for start in range(0, len(rows), 10_000):
        async with factory() as session, session.begin():
            await outbox_repo.enqueue(session, rows[start : start + 10_000], now)
    await engine.dispose()
    print(
        f"enqueued {messages:,} messages to {chats:,} chats "
        f"in {time.perf_counter() - started:.1f} s"
    )


class NullSender:
    """Accepts every message at once and notes when: the dispatcher's own ceiling (DB, pacing)."""

    channel = "telegram"

    def __init__(self) -> None:
        self.records: list[tuple[int, str, float, str | None]] = []

    async def send(
        self, recipient: str, reply: Reply, context: SendContext | None = None
    ) -> SendResult:
        self.records.append((int(recipient), reply.text, time.monotonic(), None))
        return SENT


async def dispatch(
    url: str,
    api_base: str,
    *,
    cap: float,
    seconds: float | None,
    concurrency: int,
    sender: Sender | None = None,
) -> tuple[int, float, float]:
    """One dispatcher pass (stopped after ``seconds`` when given): (sent, elapsed seconds,
    CPU seconds of this process: dispatcher + sender)."""
    engine = create_engine(url)
    tg = TelegramSender(create_push_bot(TOKEN, api_base, timeout=30)) if sender is None else None
    dispatcher = Dispatcher(
        session_factory(engine),
        {"telegram": sender or tg},  # type: ignore[dict-item]
        {"telegram": ChannelLimits(per_second=cap, per_chat_interval_s=1.0)},
        DispatcherConfig(
            worker_id=f"bench-{secrets.token_hex(2)}",
            concurrency=concurrency,
            lease=timedelta(seconds=120),
            batch_size=1000,
            window=8000,
        ),
    )
    stop = asyncio.Event()
    timer = asyncio.get_running_loop().call_later(seconds, stop.set) if seconds else None
    if GC_FREEZE:
        # As a long-running service does after start-up: the heap built so far (imports, the
        # enqueued rows) leaves the collector's view, so full collections stay cheap.
        gc.collect()
        gc.freeze()
    GC_CPU[0] = 0.0
    started, cpu = time.perf_counter(), time.process_time()
    try:
        stats = await dispatcher.run_once(stop)
    finally:
        if timer is not None:
            timer.cancel()
        if tg is not None:
            await tg.aclose()
        await engine.dispose()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"  dispatcher stats: {stats.as_dict()}; CPU {cpu:.1f} s of which GC {GC_CPU[0]:.1f} s")
    return stats.sent, elapsed, cpu


def steady_rate(
    records: list[tuple[int, str, float, str | None]], start: float, end: float
) -> float:
    """Messages/s between the first and last request the server saw in [start, end]."""
    times = sorted(at for _, _, at, fault in records if fault is None and start <= at <= end)
    return (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0


def check_delivery(
    records: list[tuple[int, str, float, str | None]], messages: int
) -> dict[str, Any]:
    ok = [(chat, text, at) for chat, text, at, fault in records if fault is None]
    counts = Counter(text for _, text, _ in ok)
    expected = {f"Thông báo số {i}: hồ sơ của ông/bà đã có kết quả." for i in range(messages)}
    by_chat: dict[int, list[float]] = defaultdict(list)
    for chat, _, at in ok:
        by_chat[chat].append(at)
    violations = 0
    min_gap = float("inf")
    for times in by_chat.values():
        times.sort()
        for a, b in itertools.pairwise(times):
            min_gap = min(min_gap, b - a)
            violations += (b - a) < 1.0
    return {
        "received": len(ok),
        "duplicates": sum(c - 1 for c in counts.values() if c > 1),
        "losses": len(expected - set(counts)),
        "per_chat_violations": violations,
        "min_gap_same_chat_s": round(min_gap, 3),
    }


# --- the overdue scan -------------------------------------------------------------------------


async def seed_dossiers(url: str, n: int) -> None:
    """n dossiers: ~2 % processing (most overdue), 2 % received and not yet due, 6 % with a
    stopped clock (supplement, fee, paused; most past their date), the rest closed; 10 %
    followed."""
    dsn = url.replace("postgresql+asyncpg", "postgresql")
    conn = await asyncpg.connect(dsn)
    started = time.perf_counter()
    try:
        await conn.execute(
            """
            INSERT INTO dossiers (receipt_code, procedure_name, received_at, due_at, status,
                                  status_at, created_at, updated_at)
            SELECT 'B-' || g, 'Thủ tục ' || (g % 500),
                   now() - ((g % 90) || ' days')::interval,
                   now() + (((g::bigint * 7919) % 1200 - 1000) || ' hours')::interval,
                   CASE WHEN g % 50 = 0 THEN 'processing'
                        WHEN g % 50 = 1 THEN 'supplement_required'
                        WHEN g % 50 = 2 THEN 'financial_obligation'
                        WHEN g % 50 = 3 THEN 'paused'
                        WHEN g % 50 < 10 THEN 'returned'
                        WHEN g % 50 < 14 THEN 'result_ready'
                        WHEN g % 50 < 15 THEN 'rejected'
                        ELSE 'returned' END,
                   now() - ((g % 60) || ' days')::interval, now(), now()
            FROM generate_series(1, $1) AS g
            """,
            n,
        )
        # Open dossiers not overdue: a share of them with due dates ahead.
        await conn.execute(
            "UPDATE dossiers SET status = 'received', due_at = now() + interval '5 days' "
            "WHERE id % 50 = 25"
        )
        # Stopped clocks, most of them already past the date they had when they stopped.
        await conn.execute(
            "UPDATE dossiers SET clock_stopped_at = status_at, accepted_at = received_at "
            "WHERE status = ANY($1::text[])",
            list(STOPPED_STATUSES),
        )
        await conn.execute(
            """
            INSERT INTO subscriptions (dossier_id, channel, user_id, created_at)
            SELECT id, 'telegram', (100000 + id)::text, now() FROM dossiers WHERE id % 10 = 0
            """
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    print(f"seeded {n:,} dossiers in {time.perf_counter() - started:.1f} s")


async def time_scan(url: str, runs: int = 5) -> dict[str, Any]:
    engine = create_engine(url)
    factory = session_factory(engine)
    times: list[float] = []
    found = 0
    try:
        async with factory() as session:  # warm-up: connection, statement cache
            await outbox_repo.overdue(session, RUNNING_STATUSES, datetime.now(UTC))
        for _ in range(runs):
            now = datetime.now(UTC)
            started = time.perf_counter()
            async with factory() as session:
                rows = await outbox_repo.overdue(session, RUNNING_STATUSES, now)
            times.append(time.perf_counter() - started)
            found = len(rows)
        started = time.perf_counter()
        async with factory() as session:
            everyone = await outbox_repo.overdue(
                session, RUNNING_STATUSES, datetime.now(UTC), audience=None
            )
        all_time = time.perf_counter() - started
        stopped_returned = sum(d.status in STOPPED_STATUSES for d in [*rows, *everyone])
        dsn = url.replace("postgresql+asyncpg", "postgresql")
        conn = await asyncpg.connect(dsn)
        try:
            plan = await conn.fetch(
                "EXPLAIN (ANALYZE) SELECT d.* FROM dossiers d WHERE d.status = ANY($1::text[]) "
                "AND d.due_at < now() AND EXISTS (SELECT 1 FROM subscriptions s "
                "WHERE s.dossier_id = d.id AND s.ended_at IS NULL) ORDER BY d.due_at",
                list(RUNNING_STATUSES),
            )
            total = await conn.fetchval("SELECT count(*) FROM dossiers")
            stopped_past = await conn.fetchval(
                "SELECT count(*) FROM dossiers WHERE status = ANY($1::text[]) AND due_at < now()",
                list(STOPPED_STATUSES),
            )
        finally:
            await conn.close()
    finally:
        await engine.dispose()
    return {
        "dossiers": total,
        "overdue_followed": found,
        "scan_s_median": round(statistics.median(times), 3),
        "scan_s_max": round(max(times), 3),
        "overdue_all": len(everyone),
        "scan_all_s": round(all_time, 3),
        "stopped_clocks_past_their_date": stopped_past,
        "stopped_clocks_returned": stopped_returned,
        "plan": [r[0] for r in plan],
    }


async def null_run(args: argparse.Namespace) -> None:
    """The dispatcher's ceiling without HTTP: claim, pace, group-commit marks on PostgreSQL."""
    name = f"motcua_bench_null_{secrets.token_hex(3)}"
    url = await create_db(name)
    try:
        print(
            f"\n== dispatcher alone (null sender): {args.null_messages:,} notifications to "
            f"{args.chats:,} chats, per-chat 1 msg/s kept"
        )
        await enqueue(url, args.null_messages, args.chats)
        null = NullSender()
        sent, elapsed, cpu = await dispatch(
            url, "", cap=0, seconds=None, concurrency=args.concurrency, sender=null
        )
        check = check_delivery(null.records, args.null_messages)
        print(
            f"null sender: {sent:,} sent in {elapsed:.1f} s = {sent / elapsed:,.0f} msg/s "
            f"(bench process CPU {1e6 * cpu / max(sent, 1):.0f} us/msg); {check}"
        )
    finally:
        with contextlib.suppress(Exception):
            await drop_db(name)


async def fanout(url: str, out: Path, args: argparse.Namespace) -> None:
    print(
        f"== fan-out: {args.messages:,} notifications to {args.chats:,} chats "
        f"(PostgreSQL, {args.fake} fake Bot API on loopback in its own process)"
    )
    await enqueue(url, args.messages, args.chats)
    fake, api_base = await start_fake(str(out), args.fake)
    try:
        print(f"-- capped run: {args.cap:g} msg/s for {args.capped_seconds:g} s")
        t0 = time.monotonic()
        sent_c, el_c, _ = await dispatch(
            url, api_base, cap=args.cap, seconds=args.capped_seconds, concurrency=4
        )
        t1 = time.monotonic()
        await asyncio.sleep(1.1)  # the per-chat spacing is per process: let it lapse
        print(f"-- uncapped run (per-chat 1 msg/s kept), concurrency {args.concurrency}")
        t2 = time.monotonic()
        sent_u, el_u, cpu_u = await dispatch(
            url, api_base, cap=0, seconds=args.uncapped_seconds, concurrency=args.concurrency
        )
        t3 = time.monotonic()
    finally:
        fake.send_signal(signal.SIGTERM)
        await fake.wait()
    dumped = json.loads(out.read_text())
    records = [tuple(r) for r in dumped["records"]]
    fake_cpu = dumped["cpu_s"]
    rest = 0
    if args.uncapped_seconds:  # the rest through a null sender, so every row is checked
        null = NullSender()
        await asyncio.sleep(1.1)
        rest, _, _ = await dispatch(
            url, api_base, cap=0, seconds=None, concurrency=args.concurrency, sender=null
        )
        records += null.records
    check = check_delivery(records, args.messages)  # type: ignore[arg-type]
    capped_rate = steady_rate(records, t0, t1)  # type: ignore[arg-type]
    uncapped_rate = steady_rate(records, t2, t3)  # type: ignore[arg-type]
    print()
    print(
        f"capped:   {sent_c:,} sent; {capped_rate:.2f} msg/s at the server "
        f"({sent_c / el_c:.2f}/s over the whole {el_c:.1f} s pass incl. start-up) "
        f"= {100 * capped_rate / args.cap:.1f} % of the {args.cap:g}/s cap (target >= 95 %)"
    )
    print(
        f"uncapped: {sent_u:,} sent in {el_u:.1f} s = {sent_u / el_u:,.0f} msg/s over the "
        f"pass, {uncapped_rate:,.0f} msg/s at the server, aiogram sender "
        f"(target >= 2,000 msg/s)"
    )
    served = max(len(dumped["records"]), 1)
    fake_note = (
        f"; fake server (whole run) {1e6 * fake_cpu / served:.0f} us/msg"
        if fake_cpu is not None
        else ""
    )
    print(
        f"          CPU: dispatcher + sender process {1e6 * cpu_u / max(sent_u, 1):.0f} us/msg "
        f"({cpu_u:.1f} s CPU over {el_u:.1f} s wall){fake_note}"
    )
    if rest:
        print(f"          ({rest:,} remaining rows finished through a null sender)")
    print(f"delivery: {check} (targets: violations 0, duplicates 0, losses 0)")


# --- main ---------------------------------------------------------------------------------------


async def main(args: argparse.Namespace) -> int:
    name = f"motcua_bench_fanout_{secrets.token_hex(3)}"
    url = await create_db(name)
    out = Path(tempfile.mkdtemp()) / "fake_requests.json"
    try:
        if args.messages:
            await fanout(url, out, args)
        if args.null_messages:
            await null_run(args)
        if args.scan_dossiers:
            print(f"\n== overdue scan over {args.scan_dossiers:,} dossiers (PostgreSQL)")
            await seed_dossiers(url, args.scan_dossiers)
            scan = await time_scan(url)
            plan = scan.pop("plan")
            print(f"scan: {scan} (target <= 2 s; stopped clocks returned: target 0)")
            print("plan:\n  " + "\n  ".join(plan))
    finally:
        with contextlib.suppress(Exception):
            await drop_db(name)
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--serve-fake":
        asyncio.run(serve_fake(sys.argv[2]))
        raise SystemExit(0)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--chats", type=int, default=20_000)
    parser.add_argument("--cap", type=float, default=30.0)
    parser.add_argument("--capped-seconds", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument(
        "--uncapped-seconds",
        type=float,
        default=0,
        help="stop the aiogram run after this long (0: send everything)",
    )
    parser.add_argument(
        "--null-messages",
        type=int,
        default=100_000,
        help="also run the dispatcher with a null sender (0: skip)",
    )
    parser.add_argument("--scan-dossiers", type=int, default=1_000_000)
    parser.add_argument(
        "--no-gc-freeze",
        action="store_true",
        help="leave the start-up heap to the garbage collector",
    )
    parser.add_argument(
        "--fake",
        choices=("fast", "aiohttp"),
        default="fast",
        help="fast: bench/fast_bot_api.py; aiohttp: tests/fakes/bot_api.py",
    )
    parsed = parser.parse_args()
    GC_FREEZE = not parsed.no_gc_freeze
    raise SystemExit(asyncio.run(main(parsed)))
