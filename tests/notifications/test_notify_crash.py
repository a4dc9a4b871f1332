"""Dispatcher processes: SIGKILL in the middle of a fan-out loses nothing; replicas never double.

The Bot API has no idempotency key, so a message accepted by Telegram just before the kill, but
not yet marked sent, goes out again: at most ``concurrency`` (sends in flight) per killed process.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fakes.bot_api import FakeBotAPI
from notify_support import enqueue_plain, outbox_rows

from storage.engine import SessionFactory

ROOT = Path(__file__).resolve().parents[2]
CONCURRENCY = 4


def env(db_url: str, api: FakeBotAPI, per_second: int) -> dict[str, str]:
    return {
        **os.environ,
        "MOTCUA_DATABASE__URL": db_url,
        "MOTCUA_TELEGRAM__TOKEN": api.token,
        "MOTCUA_TELEGRAM__API_BASE": api.base_url,
        "MOTCUA_NOTIFICATIONS__QUIET_HOURS": "off",
        "MOTCUA_NOTIFICATIONS__LEASE_S": "2",
        "MOTCUA_NOTIFICATIONS__CONCURRENCY": str(CONCURRENCY),
        "MOTCUA_NOTIFICATIONS__TELEGRAM_PER_SECOND": str(per_second),
    }


async def start(
    db_url: str, api: FakeBotAPI, worker: str, per_second: int
) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "notify",
        "run-once",
        "--json",
        "--worker-id",
        worker,
        cwd=ROOT,
        env=env(db_url, api, per_second),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


def delivered(api: FakeBotAPI) -> Counter[str]:
    return Counter(str(p["text"]) for p in api.sent("sendMessage"))


@pytest.mark.slow
async def test_sigkill_mid_fanout_then_restart_delivers_everything(
    session_factory: SessionFactory, db_url: str, fake_api: FakeBotAPI
) -> None:
    n = 200
    await enqueue_plain(session_factory, n, when=datetime.now(UTC))
    proc = await start(db_url, fake_api, "doomed", per_second=50)
    try:
        await fake_api.wait_for("sendMessage", 60, timeout=60)
    finally:
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
    before = delivered(fake_api)
    assert 60 <= sum(before.values()) < n, "the kill must land in the middle of the fan-out"

    await asyncio.sleep(2.5)  # the dead worker's lease (2 s) runs out
    again = await start(db_url, fake_api, "rescuer", per_second=200)
    out, err = await asyncio.wait_for(again.communicate(), timeout=120)
    assert again.returncode == 0, err.decode()

    counts = delivered(fake_api)
    expected = {f"tin nhắn số {i}" for i in range(n)}
    assert set(counts) == expected  # none lost
    duplicates = {text for text, c in counts.items() if c > 1}
    # Only messages in flight at the kill can repeat: already delivered before it, and at most
    # one per concurrent send.
    assert len(duplicates) <= CONCURRENCY, duplicates
    assert duplicates <= set(before)
    assert max(counts.values()) <= 2
    rows = await outbox_rows(session_factory)
    assert {r["status"] for r in rows} == {"sent"}


@pytest.mark.slow
async def test_three_dispatchers_never_send_a_message_twice(
    session_factory: SessionFactory, db_url: str, fake_api: FakeBotAPI
) -> None:
    # PostgreSQL: SKIP LOCKED; SQLite: each claim is one atomic UPDATE under the write lock.
    # Enough work (12 s for one process alone) that all three are running before it is done.
    n = 480
    await enqueue_plain(session_factory, n, when=datetime.now(UTC))
    procs = [await start(db_url, fake_api, f"replica{i}", per_second=40) for i in range(3)]
    results = await asyncio.wait_for(asyncio.gather(*(p.communicate() for p in procs)), 120)
    for proc, (_, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err.decode()
    counts = delivered(fake_api)
    assert set(counts) == {f"tin nhắn số {i}" for i in range(n)}
    assert max(counts.values()) == 1
    rows = await outbox_rows(session_factory)
    assert {r["status"] for r in rows} == {"sent"}
    assert len({r["claimed_by"] for r in rows}) >= 2  # the work really was shared
