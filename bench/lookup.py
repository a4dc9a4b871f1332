"""Dossier lookup and import benchmark: N dossiers in PostgreSQL and SQLite.

Measures, per database, over the same typed receipt codes (10% unknown), call by call
interleaved so every path shares the machine's noise: lookups/s and p50/p99 latency of
  - the baseline: the bare SELECT by canonical receipt code (get_by_code in one session);
  - parse + repository + view (the answer text);
  - DossierDialog.on_receipt_code (rate-limit bookkeeping, subscription check, view);
  - the core, Assistant.handle, with the conversation state in memory (the embedded setup's
    write-behind store) and in SQL (read and written per message, as deployed with PostgreSQL);
and the import speed of a CSV (rows/s, with a progress bar).

Targets (ISSUE 3): p99 lookup <= 5 ms at 1,000,000 dossiers on PostgreSQL; CSV import
>= 5,000 rows/s on SQLite.

    .venv/bin/python bench/lookup.py                 # full size: 1,000,000 and a 100,000-row CSV
    .venv/bin/python bench/lookup.py --n 20000 --csv-rows 5000 --lookups 2000   # quick
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import gc
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
from tqdm import tqdm  # noqa: E402

from bot.bootstrap import load_kb  # noqa: E402
from bot.cli.dossiers import import_file, print_report  # noqa: E402
from bot.config import load_settings  # noqa: E402
from handlers.conversation import ConversationState  # noqa: E402
from handlers.dossiers.calendar import WorkCalendar  # noqa: E402
from handlers.dossiers.codes import canonical_code  # noqa: E402
from handlers.messages import Incoming  # noqa: E402
from storage import dossiers_repo  # noqa: E402
from storage.engine import create_engine, session_factory  # noqa: E402
from storage.migrate import upgrade_async  # noqa: E402

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DB = "motcua_bench"
AGENCIES = [
    f"000.{a:02d}.{b:02d}.H{p:02d}" for a in (0, 20) for b in (11, 20, 21) for p in (1, 29, 56, 79)
]
PER_DAY = 400  # dossiers per agency per day
COLUMNS = (
    "receipt_code", "procedure_code", "procedure_name", "applicant_name", "applicant_phone",
    "received_at", "due_at", "status", "status_at", "submitted_via", "agency", "note",
    "apology_reason", "new_due_at", "created_at", "updated_at",
)  # fmt: skip
STATUSES = ["received", "processing", "supplement_required", "result_ready", "returned"]
BASE = datetime(2025, 1, 2, 2, 0, tzinfo=UTC)


def code_of(i: int) -> str:
    agency = AGENCIES[i % len(AGENCIES)]
    j = i // len(AGENCIES)
    day = (BASE + timedelta(days=j // PER_DAY)).date()
    return f"{agency}-{day:%y%m%d}-{j % PER_DAY + 1:04d}"


def records(n: int, now: datetime) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(1)
    for i in range(n):
        received = BASE + timedelta(days=(i // len(AGENCIES)) // PER_DAY, minutes=i % 480)
        due = received + timedelta(days=7)
        status = STATUSES[i % len(STATUSES)]
        yield (
            code_of(i), "1.004194", "Đăng ký tạm trú", "Nguyễn Văn An",
            f"09{rng.randrange(10**8):08d}", received, due, status, received, "direct",
            "Công an phường", None, None, None, now, now,
        )  # fmt: skip


# --- filling the databases -----------------------------------------------------------------
async def fresh_postgres(name: str) -> str:
    """An empty database ``name`` (dropped first if there), migrated to head; its URL."""
    admin = await asyncpg.connect(PG_ADMIN)
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    await upgrade_async(url)
    return url


async def copy_rows(
    conn: Any,
    table: str,
    columns: tuple[str, ...],
    rows: Iterator[tuple[Any, ...]],
    total: int,
    *,
    chunk: int = 50_000,
) -> None:
    """COPY ``rows`` into ``table`` in chunks, with a progress bar on stderr."""
    with tqdm(total=total, unit="dòng", desc=f"PostgreSQL COPY {table}", file=sys.stderr) as bar:
        batch: list[tuple[Any, ...]] = []
        for rec in rows:
            batch.append(rec)
            if len(batch) == chunk:
                await conn.copy_records_to_table(table, records=batch, columns=columns)
                bar.update(len(batch))
                batch = []
        if batch:
            await conn.copy_records_to_table(table, records=batch, columns=columns)
            bar.update(len(batch))


async def fill_postgres(n: int) -> str:
    url = await fresh_postgres(PG_DB)
    conn = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:5432/{PG_DB}")
    started = time.perf_counter()
    await copy_rows(conn, "dossiers", COLUMNS, records(n, datetime.now(UTC)), n)
    await conn.execute("ANALYZE dossiers")
    await conn.close()
    print(f"  PostgreSQL: {n:,} dossiers loaded in {time.perf_counter() - started:.1f}s")
    return url


def _sqlite_time(moment: datetime | None) -> str | None:
    # The text form SQLAlchemy's SQLite DateTime writes (naive UTC, see storage/types.py).
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") if moment else None


async def fill_sqlite(n: int, path: Path) -> str:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    url = f"sqlite+aiosqlite:///{path}"
    await upgrade_async(url)
    started = time.perf_counter()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    placeholders = ", ".join("?" * len(COLUMNS))
    sql = f"INSERT INTO dossiers ({', '.join(COLUMNS)}) VALUES ({placeholders})"
    now = datetime.now(UTC)
    time_cols = {5, 6, 8, 13, 14, 15}
    with tqdm(total=n, unit="hồ sơ", desc="SQLite executemany", file=sys.stderr) as bar:
        batch: list[tuple[Any, ...]] = []
        for rec in records(n, now):
            batch.append(
                tuple(_sqlite_time(v) if k in time_cols else v for k, v in enumerate(rec))
            )
            if len(batch) == 50_000:
                conn.executemany(sql, batch)
                bar.update(len(batch))
                batch = []
        if batch:
            conn.executemany(sql, batch)
            bar.update(len(batch))
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()
    print(f"  SQLite: {n:,} dossiers loaded in {time.perf_counter() - started:.1f}s")
    return url


# --- lookups -----------------------------------------------------------------------------
def typed_forms(n: int, lookups: int) -> list[str]:
    """Codes as people type them: lower case, spaces, no dots; 10% unknown."""
    rng = random.Random(2)
    forms = []
    for _ in range(lookups):
        code = code_of(rng.randrange(n)) if rng.random() < 0.9 else code_of(n + rng.randrange(n))
        style = rng.randrange(3)
        if style == 1:
            code = code.lower().replace("-", " ")
        elif style == 2:
            code = code.replace(".", " ").replace("-", "")
        forms.append(code)
    return forms


def _report(name: str, timings: list[float], found: int, baseline_p50: float | None) -> None:
    timings = sorted(timings)
    total = sum(timings)
    p50 = statistics.median(timings) * 1000
    p99 = timings[max(0, int(len(timings) * 0.99) - 1)] * 1000
    extra = f", p50 {p50 - baseline_p50:+.2f} ms against the baseline" if baseline_p50 else ""
    print(
        f"    {name:<52} {len(timings) / total:>7,.0f} lookups/s  p50 {p50:5.2f} ms  "
        f"p99 {p99:6.2f} ms  (found {found:,}{extra})"
    )


class _Path:
    """One way of answering a typed code, timed per call."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.timings: list[float] = []
        self.found = 0


async def bench_lookups(url: str, n: int, lookups: int, label: str, kb: Any) -> None:
    """Four paths over the same typed codes, interleaved call by call so that they share the
    machine's noise: the baseline (the bare SELECT by canonical receipt code, one session),
    parse + repository + view, the dossier dialog, and the core (Assistant.handle)."""
    from handlers.assistant import Assistant
    from handlers.conversation import MemoryConversationStore
    from handlers.dossiers.dialog import DossierDialog
    from handlers.dossiers.view import render_dossier
    from storage.conversations_repo import SqlConversationStore
    from storage.dossier_store import SqlDossierStore

    engine = create_engine(url)
    factory = session_factory(engine)
    calendar = WorkCalendar()
    forms = typed_forms(n, lookups)
    now = datetime.now(UTC)
    # Limits out of the way (they are tested elsewhere); their bookkeeping still runs.
    dialog = DossierDialog(
        SqlDossierStore(factory),
        signing_key=b"bench",
        per_minute=10**9,
        per_day=10**9,
        failures_per_hour=10**9,
        storm_per_minute=10**9,
        working_days=calendar.working_days_between,
    )
    assistant = Assistant(kb, MemoryConversationStore(), dossiers=dialog)
    # As deployed with PostgreSQL or Redis (bot/bootstrap.py): the state is read and written
    # in SQL on every message.
    sql_assistant = Assistant(kb, SqlConversationStore(factory), dossiers=dialog)
    base, bare, dial, core, sql_core = (
        _Path("baseline: SELECT by receipt code (get_by_code)"),
        _Path("parse + repository + view"),
        _Path("DossierDialog.on_receipt_code"),
        _Path("core: Assistant.handle (state in memory)"),
        _Path("core: Assistant.handle (state in SQL per message)"),
    )

    async def baseline(code: str) -> bool:
        async with factory() as session:
            return await dossiers_repo.get_by_code(session, code) is not None

    async def parse_repo_view(raw: str) -> bool:
        async with factory() as session:
            dossier = await dossiers_repo.get_by_code(session, canonical_code(raw) or "")
        if dossier is None:
            return False
        render_dossier(dossier, now=now, working_days=calendar.working_days_between)
        return True

    async def through_dialog(raw: str, user: str) -> bool:
        msg = Incoming("web", user, raw)
        replies = await dialog.on_receipt_code(msg, raw, ConversationState())
        return any("*" in r.text for r in replies)  # the masked name: a dossier was shown

    async def through_core(raw: str, user: str, core: Any = assistant) -> bool:
        replies = await core.handle(Incoming("web", user, f"tra cứu hồ sơ {raw}"))
        return any("*" in r.text for r in replies)

    # Warm-up: connections, prepared statements, caches.
    for i, raw in enumerate(forms[:300]):
        await baseline(canonical_code(raw) or "")
        await parse_repo_view(raw)
        await through_dialog(raw, f"warm-{i}")
        await through_core(raw, f"warm-{i}")
        await through_core(raw, f"warm-{i}", sql_assistant)
    for i, raw in enumerate(tqdm(forms, desc=f"{label} lookups", file=sys.stderr, leave=False)):
        code = canonical_code(raw) or ""
        user = f"bench-{i % 1000}"
        runs = (
            (base, baseline(code)),
            (bare, parse_repo_view(raw)),
            (dial, through_dialog(raw, user)),
            (core, through_core(raw, user)),
            (sql_core, through_core(raw, user, sql_assistant)),
        )
        for path, call in runs:
            t0 = time.perf_counter()
            path.found += await call
            path.timings.append(time.perf_counter() - t0)
    load = os.getloadavg()[0]
    print(
        f"  {label}: {len(forms):,} typed codes (10% unknown) per path, interleaved; "
        f"target p99 <= 5 ms; load average {load:.1f} on {os.cpu_count()} CPUs"
    )
    baseline_p50 = statistics.median(base.timings) * 1000
    for path in (base, bare, dial, core, sql_core):
        _report(path.name, path.timings, path.found, None if path is base else baseline_p50)
    await engine.dispose()


# --- CSV import --------------------------------------------------------------------------
def write_csv(path: Path, rows: int) -> None:
    rng = random.Random(3)
    header = [
        "receipt_code", "procedure_code", "applicant_name", "applicant_phone", "received_at",
        "due_at", "status", "status_at", "submitted_via", "agency", "note", "apology_reason",
        "new_due_at",
    ]  # fmt: skip
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for i in range(rows):
            day = datetime(2026, 3, 2, tzinfo=UTC) + timedelta(days=i // 9000)
            code = f"000.00.99.H56-{day:%y%m%d}-{i % 9000 + 1:04d}"
            received = day.replace(hour=8 + i % 8, tzinfo=None).isoformat()
            writer.writerow([
                code, "1.004194", "Trần Thị Bình", f"09{rng.randrange(10**8):08d}", received,
                "" if i % 2 else (day + timedelta(days=5)).strftime("%Y-%m-%d"),
                str(1 + i % 10), "", "online" if i % 3 else "direct", "Công an phường", "", "", "",
            ])  # fmt: skip


async def bench_import(url: str, csv_path: Path, rows: int, label: str) -> None:
    from bot.cli.dossiers import _Procedures
    from knowledge.loader import load_procedures

    procs = load_procedures(load_settings().knowledge.paths).procedures
    started = time.perf_counter()
    report = await import_file(csv_path, url, WorkCalendar(), _Procedures(procs), progress=True)
    elapsed = time.perf_counter() - started
    print(
        f"  {label} CSV import: {rows:,} rows in {elapsed:.1f}s = {rows / elapsed:,.0f} rows/s "
        f"(accepted {report.accepted:,}, rejected {len(report.rejected):,}; "
        "target >= 5,000 rows/s on SQLite)"
    )
    if report.rejected:
        print_report(report, as_json=False)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="dossiers in each database")
    parser.add_argument("--lookups", type=int, default=20_000)
    parser.add_argument("--csv-rows", type=int, default=100_000)
    parser.add_argument("--db", choices=["both", "postgresql", "sqlite"], default="both")
    parser.add_argument("--keep", action="store_true", help="keep the bench databases")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="motcua_bench_"))
    print(f"bench/lookup.py: n={args.n:,}, lookups={args.lookups:,}, csv rows={args.csv_rows:,}")
    kb = load_kb(load_settings())
    # As the served bot does after start-up (bot/cli/serve.py): the knowledge base's long-lived
    # objects stay out of the collector's full passes.
    gc.collect()
    gc.freeze()
    csv_path = tmp / "import.csv"
    write_csv(csv_path, args.csv_rows)
    if args.db in ("both", "postgresql"):
        print("PostgreSQL 15 (127.0.0.1:5432, asyncpg)")
        url = await fill_postgres(args.n)
        await bench_lookups(url, args.n, args.lookups, "PostgreSQL", kb)
        await bench_import(url, csv_path, args.csv_rows, "PostgreSQL")
        if not args.keep:
            admin = await asyncpg.connect(PG_ADMIN)
            await admin.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
            await admin.close()
    if args.db in ("both", "sqlite"):
        print("SQLite (aiosqlite, WAL)")
        url = await fill_sqlite(args.n, tmp / "bench.db")
        await bench_lookups(url, args.n, args.lookups, "SQLite", kb)
        fresh = f"sqlite+aiosqlite:///{tmp / 'import.db'}"
        await bench_import(fresh, csv_path, args.csv_rows, "SQLite (empty database)")
        await bench_import(url, csv_path, args.csv_rows, f"SQLite ({args.n:,} dossiers)")
    if not args.keep:
        for path in tmp.iterdir():
            path.unlink()
        tmp.rmdir()


if __name__ == "__main__":
    asyncio.run(main())
