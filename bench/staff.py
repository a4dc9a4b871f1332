"""Staff console benchmark: the console's pages with N dossiers (1,000,000 by default) on
PostgreSQL, served by the real app over loopback HTTP, beside a bare SELECT of the same rows.

The data: three years of dossiers in 24 agencies and 40 procedures, with the clock's fields and a
status history (received, a supplement round for some, result ready, returned; withdrawn,
rejected, stuck and waiting ones), ratings, subscriptions and outbox rows for a tenth, usage
events, and 20,000 hand-off tickets with their conversations (about 150 still open).

Pages, timed end to end (request to last byte) and interleaved call by call so they share the
machine's noise:
  - the due list (GET /staff/): overdue and due within a working day, every agency and one;
  - the report for last month (GET /staff/report?month=...): the one-stop table per agency,
    the on-time share of the twelve months before it, the satisfaction table, the assistant's
    activity; every agency, one agency, and a month a year back;
  - the hand-off list (GET /staff/handoffs): the open tickets.
Baselines: the bare SELECT of the rows each page shows or reads (asyncpg, one connection).
The report's figures are kept two minutes per replica (handlers/staff/cache.py): "first" is each
page's first request after the server started (nothing kept), and the "fresh=1" rows recompute
the table on every request (months already over stay kept an hour): from the one-stop tally
(storage/one_stop_tally.py, built after the bulk load as migration 0007 builds it), plus, for
this month, what is in progress now, counted from the rows.

Target (ISSUE 15): every page under 100 ms p99 at 1,000,000 dossiers on PostgreSQL.

    .venv/bin/python bench/staff.py                     # 1,000,000 dossiers, 300 rounds
    .venv/bin/python bench/staff.py --n 50000 --rounds 100   # quick
    .venv/bin/python bench/staff.py --reuse             # the database of the last run
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import aiohttp  # noqa: E402
import asyncpg  # noqa: E402
from aiohttp import web  # noqa: E402
from lookup import copy_rows, fresh_postgres  # noqa: E402

PG_DB = "motcua_bench_staff"
DSN = f"postgresql://postgres@127.0.0.1:5432/{PG_DB}"
URL = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{PG_DB}"
VN = ZoneInfo("Asia/Ho_Chi_Minh")
SPAN_DAYS = 3 * 365
AGENCIES = [f"UBND phường {n}" for n in range(1, 25)]
PROCEDURES = [(f"1.{1000 + k:06d}", f"Thủ tục hành chính mẫu số {k}") for k in range(40)]
PASSWORD = "mật khẩu đo hiệu năng 2026"
TICKETS = 20_000
OPEN_TICKETS = 150
USAGE = 300_000  # anonymous usage events (questions, lookups): about 9,000 a month
TARGET_MS = 100.0

DOSSIER_COLUMNS = (
    "id", "receipt_code", "procedure_code", "procedure_name", "applicant_name",
    "applicant_phone", "received_at", "due_at", "base_due_at", "accepted_at",
    "clock_stopped_at", "resolved_at", "status", "status_at", "submitted_via", "agency", "note",
    "apology_reason", "new_due_at", "created_at", "updated_at",
)  # fmt: skip
EVENT_COLUMNS = ("dossier_id", "status", "at", "note", "apology_reason", "new_due_at")


def _closing(moment: datetime) -> datetime:
    """17:00 Vietnamese time on that day: a due date as the one-stop shop gives it."""
    local = moment.astimezone(VN).date()
    return datetime.combine(local, dtime(17, 0), VN).astimezone(UTC)


@dataclass
class Dataset:
    dossiers: list[tuple[Any, ...]] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)
    ratings: list[tuple[Any, ...]] = field(default_factory=list)
    subscriptions: list[tuple[Any, ...]] = field(default_factory=list)
    outbox: list[tuple[Any, ...]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def _resolution(rng: random.Random, accepted: datetime, due: datetime) -> tuple[datetime, bool]:
    """When a result was ready, and whether it was late (12 %)."""
    if rng.random() < 0.12:
        return due + timedelta(hours=rng.uniform(3, 240)), True
    return accepted + (due - accepted) * rng.uniform(0.3, 0.98), False


def generate(n: int, now: datetime) -> Dataset:  # noqa: PLR0915 - one generator, read top-down
    rng = random.Random(15)
    data = Dataset()
    counts = data.counts
    start = now - timedelta(days=SPAN_DAYS)
    step = SPAN_DAYS * 86400 / n
    seq: dict[tuple[int, date], int] = {}
    for i in range(1, n + 1):
        received = start + timedelta(seconds=i * step + rng.uniform(0, step))
        agency_no = i % len(AGENCIES)
        code, name = PROCEDURES[min(int(rng.expovariate(0.12)), len(PROCEDURES) - 1)]
        day = received.astimezone(VN).date()
        k = seq[agency_no, day] = seq.get((agency_no, day), 0) + 1
        receipt = (
            f"000.00.{20 + agency_no // 12:02d}.H{10 + agency_no % 12:02d}-{day:%y%m%d}-{k:04d}"
        )
        via = rng.choices(("online", "direct", "postal"), (40, 55, 5))[0]
        accepted = received
        due = _closing(accepted + timedelta(days=rng.choice((3, 5, 7, 10, 15, 21))))
        steps: list[tuple[str, datetime]] = [("received", accepted)]
        resolved: datetime | None = None
        stopped: datetime | None = None
        reason: str | None = None
        new_due: datetime | None = None
        late = False
        r = rng.random()
        old = due < now - timedelta(days=45)
        if r < 0.01:
            steps.append(("withdrawn", accepted + timedelta(days=rng.uniform(0.5, 3))))
        elif r < 0.07 and not old or r < 0.012:
            what = rng.choices(
                ("supplement_required", "financial_obligation", "paused"), (6, 2, 1)
            )[0]
            stopped = accepted + (min(due, now) - accepted) * rng.uniform(0.1, 0.9)
            steps.append((what, stopped))
        elif (
            old
            and r < 0.015
            or not old
            and rng.random() > min(1.0, (now - accepted) / (due - accepted)) * 0.95
        ):
            steps.append(("processing", accepted + timedelta(hours=2)))  # still running
            if due < now:
                late = True
                if rng.random() < 0.5:
                    reason, new_due = "Chờ kết quả xác minh", due + timedelta(days=7)
        else:
            at, late = _resolution(rng, accepted, due)
            if at >= now:
                steps.append(("processing", accepted + timedelta(hours=2)))
                late = due < now
            elif rng.random() < 0.04:
                steps.append(("rejected", at))
                resolved = at
            else:
                if rng.random() < 0.1:  # a supplement round before the result
                    ask = accepted + (at - accepted) * 0.3
                    steps += [("supplement_required", ask), ("processing", ask + (at - ask) / 2)]
                steps.append(("result_ready", at))
                resolved = at
                handed = at + timedelta(hours=rng.uniform(1, 120))
                if handed < now:
                    steps.append(("returned", handed))
                    if rng.random() < 0.1:
                        value = rng.choices((3, 2, 1), (60, 30, 10))[0]
                        data.ratings.append(
                            (i, "telegram", f"u{i}", value, handed + timedelta(hours=1))
                        )
            if late and rng.random() < 0.6:
                reason, new_due = "Chờ kết quả xác minh", due + timedelta(days=7)
        status, status_at = steps[-1]
        data.dossiers.append(
            (
                i, receipt, code, name, "Nguyễn Văn An", f"09{rng.randrange(10**8):08d}",
                received, due, due, accepted, stopped, resolved, status, status_at, via,
                AGENCIES[agency_no], None, reason, new_due, received, status_at,
            )
        )  # fmt: skip
        for j, (st, at) in enumerate(steps):
            last = j == len(steps) - 1
            data.events.append(
                (i, st, at, None, reason if last else None, new_due if last else None)
            )
        if rng.random() < 0.1:
            data.subscriptions.append((i, "telegram", f"{i}", received, None, None))
            for j, (st, at) in enumerate(steps[:3]):
                data.outbox.append(
                    (
                        f"{i}:status:{st}-{j}:telegram:{i}", i, "status", "telegram", f"{i}",
                        "{}", "sent", 1, at, at, at,
                    )
                )  # fmt: skip
        counts[status] = counts.get(status, 0) + 1
        if late and resolved is None and status in ("received", "processing"):
            counts["overdue"] = counts.get("overdue", 0) + 1
    return data


TICKET_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def tickets(now: datetime) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    rng = random.Random(16)
    ticket_rows: list[tuple[Any, ...]] = []
    lines: list[tuple[Any, ...]] = []
    start = now - timedelta(days=SPAN_DAYS)
    codes: set[str] = set()
    for t in range(1, TICKETS + 1):
        created = start + timedelta(days=SPAN_DAYS * t / TICKETS)
        while (code := "HT-" + "".join(rng.choices(TICKET_ALPHABET, k=6))) in codes:
            pass
        codes.add(code)
        still_open = t > TICKETS - OPEN_TICKETS
        channel = rng.choice(("web", "telegram", "zalo"))
        last = created + timedelta(minutes=5)
        closed = None if still_open else created + timedelta(days=rng.uniform(0.1, 3))
        status = ("open" if rng.random() < 0.7 else "answered") if still_open else "closed"
        ticket_rows.append(
            (
                t, code, channel, f"user-{t:010d}", status, created, closed or last, last,
                closed, None if still_open else "lan", None if still_open else "Đã hướng dẫn",
            )
        )  # fmt: skip
        for k, (author, text) in enumerate(
            (
                ("citizen", "Cho tôi gặp cán bộ"),
                ("assistant", "Ông/bà đã có phiếu hỏi cán bộ."),
                ("citizen", "Tôi nộp hồ sơ khai sinh cho con từ tuần trước mà chưa thấy gọi"),
                ("officer", "Hồ sơ của ông/bà đang được xử lý."),
                ("citizen", "Cảm ơn cán bộ"),
            )
        ):
            if author == "officer" and status == "open":
                continue
            lines.append(
                (
                    t,
                    created + timedelta(minutes=k),
                    author,
                    "lan" if author == "officer" else None,
                    text,
                )
            )
    return ticket_rows, lines


async def fill(n: int) -> dict[str, int]:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    started = time.perf_counter()
    await fresh_postgres(PG_DB)
    print(f"  generating {n:,} dossiers …", file=sys.stderr)
    data = generate(n, now)
    conn = await asyncpg.connect(DSN)
    try:
        await copy_rows(conn, "dossiers", DOSSIER_COLUMNS, iter(data.dossiers), n)
        await copy_rows(conn, "status_events", EVENT_COLUMNS, iter(data.events), len(data.events))
        await copy_rows(
            conn,
            "ratings",
            ("dossier_id", "channel", "user_id", "value", "created_at"),
            iter(data.ratings),
            len(data.ratings),
        )
        await copy_rows(
            conn,
            "subscriptions",
            ("dossier_id", "channel", "user_id", "created_at", "ended_at", "end_reason"),
            iter(data.subscriptions),
            len(data.subscriptions),
        )
        await copy_rows(
            conn,
            "outbox",
            (
                "key", "dossier_id", "rule", "channel", "recipient", "body", "status",
                "attempts", "next_attempt_at", "sent_at", "created_at",
            ),
            iter(data.outbox),
            len(data.outbox),
        )  # fmt: skip
        kinds = ("question_answered", "question_abstained", "lookup_found")
        usage = ((now - timedelta(minutes=3 * k), "web", kinds[k % 3], None) for k in range(USAGE))
        await copy_rows(
            conn, "usage_events", ("at", "channel", "kind", "procedure_code"), usage, USAGE
        )
        ticket_rows, lines = tickets(now)
        await copy_rows(
            conn,
            "handoff_tickets",
            (
                "id", "code", "channel", "user_id", "status", "created_at", "updated_at",
                "last_citizen_at", "closed_at", "closed_by", "close_note",
            ),
            iter(ticket_rows),
            len(ticket_rows),
        )  # fmt: skip
        await copy_rows(
            conn,
            "handoff_messages",
            ("ticket_id", "at", "author", "staff", "text"),
            iter(lines),
            len(lines),
        )
        for table in ("dossiers", "handoff_tickets"):
            sequence = f"pg_get_serial_sequence('{table}', 'id')"
            await conn.execute(f"SELECT setval({sequence}, (SELECT max(id) FROM {table}))")
    finally:
        await conn.close()
    loaded = time.perf_counter() - started
    # COPY bypassed the writers: the one-stop tally is built as migration 0007 builds it.
    print("  one-stop tally …", file=sys.stderr)
    tallied = await build_tally()
    conn = await asyncpg.connect(DSN)
    try:
        print("  VACUUM ANALYZE …", file=sys.stderr)
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()
    print(
        f"  PostgreSQL: {n:,} dossiers, {len(data.events):,} status events, "
        f"{len(data.ratings):,} ratings, {TICKETS:,} tickets loaded in {loaded:.0f}s; "
        f"one-stop tally built in {tallied:.0f}s"
    )
    return data.counts


async def build_tally() -> float:
    """storage.one_stop_tally.rebuild over the loaded dossiers; seconds taken."""
    from storage import one_stop_tally
    from storage.engine import create_engine

    started = time.perf_counter()
    engine = create_engine(URL)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(one_stop_tally.rebuild, "Asia/Ho_Chi_Minh")
    finally:
        await engine.dispose()
    return time.perf_counter() - started


# --- timing ------------------------------------------------------------------------------------


@dataclass
class Timed:
    name: str
    call: Callable[[], Awaitable[int]]  # returns what it measured (bytes, rows)
    timings: list[float] = field(default_factory=list)
    size: int = 0


def _ms(timings: list[float], q: float) -> float:
    ordered = sorted(timings)
    return ordered[min(len(ordered) - 1, max(0, int(len(ordered) * q) - 1))] * 1000


async def _login(base: str, username: str) -> aiohttp.ClientSession:
    client = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    async with client.post(
        base + "/staff/login",
        data={"username": username, "password": PASSWORD},
        headers={"Origin": base},
        allow_redirects=False,
    ) as response:
        assert response.status == 302, await response.text()
    return client


def _page(client: aiohttp.ClientSession, url: str, must: str) -> Callable[[], Awaitable[int]]:
    async def call() -> int:
        async with client.get(url) as response:
            body = await response.read()
        if response.status != 200 or must.encode() not in body:
            raise RuntimeError(f"{url}: {response.status}")
        return len(body)

    return call


def _select(conn: Any, sql: str, *args: Any) -> Callable[[], Awaitable[int]]:
    async def call() -> int:
        return len(await conn.fetch(sql, *args))

    return call


async def measure(rounds: int) -> None:  # noqa: PLR0915 - the whole run, read top-down
    from bot.cli.serve import make_app
    from bot.config import load_settings
    from bot.staff.report import month_bounds
    from handlers.dossiers.deadlines import due_soon_until
    from handlers.staff.accounts import Accounts
    from handlers.staff.audit import COMMAND_LINE
    from storage.counters import MemoryCounterStore
    from storage.engine import create_engine, session_factory

    os.environ["MOTCUA_DATABASE__URL"] = URL
    os.environ.setdefault("MOTCUA_SECURITY__SIGNING_KEY", "bench-staff-signing-key")
    os.environ["MOTCUA_NOTIFICATIONS__QUIET_HOURS"] = "off"
    for name in ("TOKEN", "API_BASE"):
        os.environ.pop(f"MOTCUA_TELEGRAM__{name}", None)
    settings = load_settings()
    engine = create_engine(URL)
    accounts = Accounts(session_factory(engine), MemoryCounterStore())
    agency = AGENCIES[3]
    for username, role, bound in (
        ("lan", "officer", None),
        ("an.tran", "officer", agency),
        ("xem", "viewer", None),
        ("xem.a", "viewer", agency),
    ):
        if not any(a.username == username for a in await accounts.all()):
            await accounts.add(COMMAND_LINE, username, role, PASSWORD, bound)
    await engine.dispose()
    # The app as ``motcua serve`` builds it (the knowledge base kept out of the collector).
    runner = web.AppRunner(make_app(settings), handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    clients = {u: await _login(base, u) for u in ("lan", "an.tran", "xem", "xem.a")}
    conn = await asyncpg.connect(DSN)
    now = datetime.now(UTC)
    today = now.astimezone(VN).date()
    first, last = month_bounds(today.replace(day=1) - timedelta(days=1))
    year_back = month_bounds(first.replace(year=first.year - 1))[0]
    since = datetime.combine(first, dtime.min, VN)
    until = datetime.combine(last + timedelta(days=1), dtime.min, VN)
    horizon = due_soon_until(now, settings.calendar.work_calendar())
    month = f"month={first:%Y-%m}"
    running = ["processing", "received"]
    due_rows = (
        "SELECT * FROM dossiers WHERE status = ANY($1) AND due_at < $2 "
        "ORDER BY due_at, id LIMIT 50"
    )
    soon_rows = (
        "SELECT * FROM dossiers WHERE status = ANY($1) AND due_at >= $2 AND due_at <= $3 "
        "ORDER BY due_at, id LIMIT 50"
    )
    month_rows = (
        "SELECT agency, submitted_via, accepted_at, resolved_at, due_at, apology_reason "
        "FROM dossiers WHERE accepted_at < $2 AND (resolved_at IS NULL OR resolved_at >= $1)"
    )

    async def due_baseline() -> int:
        late = await conn.fetch(due_rows, running, now)
        soon = await conn.fetch(soon_rows, running, now, horizon)
        return len(late) + len(soon)

    paths = [
        Timed(
            "GET /staff/ (overdue + due soon, all agencies)",
            _page(clients["lan"], base + "/staff/", "Quá hạn"),
        ),
        Timed("  baseline: SELECT of the listed rows", due_baseline),
        Timed(
            "GET /staff/ (an officer bound to one agency)",
            _page(clients["an.tran"], base + "/staff/", "Quá hạn"),
        ),
        Timed(
            "  baseline: SELECT of the listed rows (one agency)",
            _select(
                conn,
                due_rows.replace("AND due_at < $2", "AND due_at < $2 AND agency = $3"),
                running,
                now,
                agency,
            ),
        ),
        Timed(
            f"GET /staff/report?{month} (all agencies)",
            _page(clients["xem"], f"{base}/staff/report?{month}", "Kết quả giải quyết"),
        ),
        Timed(
            "  baseline: SELECT of the rows the month's table reads",
            _select(conn, month_rows, since, until),
        ),
        Timed(
            f"GET /staff/report?{month}&fresh=1 (recomputed each time)",
            _page(clients["xem"], f"{base}/staff/report?{month}&fresh=1", "Kết quả giải quyết"),
        ),
        Timed(
            "GET /staff/report?fresh=1 (this month, so far; recomputed each time)",
            _page(clients["xem"], f"{base}/staff/report?fresh=1", "Kết quả giải quyết"),
        ),
        Timed(
            f"GET /staff/report?{month} (one agency)",
            _page(clients["xem.a"], f"{base}/staff/report?{month}", "Kết quả giải quyết"),
        ),
        Timed(
            f"GET /staff/report?month={year_back:%Y-%m} (a year back)",
            _page(
                clients["xem"],
                f"{base}/staff/report?month={year_back:%Y-%m}",
                "Kết quả giải quyết",
            ),
        ),
        Timed(
            "GET /staff/handoffs (open tickets)",
            _page(clients["lan"], base + "/staff/handoffs", "Đang mở"),
        ),
        Timed(
            "  baseline: SELECT of the listed tickets",
            _select(
                conn,
                "SELECT * FROM handoff_tickets WHERE status = ANY($1) "
                "ORDER BY last_citizen_at, id LIMIT 200",
                ["open", "answered"],
            ),
        ),
    ]
    first: dict[str, float] = {}
    try:
        for path in paths:  # warm up: caches, prepared statements, templates
            for n in range(5):
                started = time.perf_counter()
                path.size = await path.call()
                if n == 0:
                    first[path.name] = time.perf_counter() - started
        for _ in range(rounds):
            for path in paths:
                started = time.perf_counter()
                path.size = await path.call()
                path.timings.append(time.perf_counter() - started)
    finally:
        await conn.close()
        for client in clients.values():
            await client.close()
        await runner.cleanup()
    load = os.getloadavg()[0]
    print(
        f"PostgreSQL, {rounds} rounds, pages and baselines interleaved call by call; target p99 "
        f"< {TARGET_MS:.0f} ms per page; load average {load:.1f} on {os.cpu_count()} CPUs"
    )
    for path in paths:
        p50, p99 = _ms(path.timings, 0.5), _ms(path.timings, 0.99)
        cold = "" if path.name.startswith("  ") else f"  first {first[path.name] * 1000:6.1f} ms"
        what = (
            f"{path.size:,} rows" if path.name.startswith("  ") else f"{path.size / 1024:,.0f} kB"
        )
        verdict = "" if path.name.startswith("  ") else ("  ok" if p99 < TARGET_MS else "  OVER")
        print(
            f"  {path.name:<62} p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  "
            f"mean {statistics.fmean(path.timings) * 1000:6.1f} ms{cold}  ({what}){verdict}"
        )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="dossiers")
    parser.add_argument("--rounds", type=int, default=300, help="requests per page")
    parser.add_argument("--reuse", action="store_true", help="keep the last run's database")
    args = parser.parse_args()
    if not args.reuse:
        counts = await fill(args.n)
        shown = ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items()))
        print(f"  statuses: {shown}")
    await measure(args.rounds)


if __name__ == "__main__":
    asyncio.run(main())
