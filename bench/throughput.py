"""Channel throughput: updates/s through the full aiogram pipeline, and the web chat under load.

1. aiogram: ``Dispatcher.feed_update`` with a recording session (no network; the idea of
   aiogram's tests/mocked_bot.py) for a procedure question and for a dossier lookup, beside an
   aiogram echo bot measured the same way in the same run. Updates are fed with bounded
   concurrency, as polling does (one task per update).
2. Web chat: POST /api/chat from an aiohttp client (concurrency 16, a bounded count) against
   ``motcua serve``'s app in another process, beside a bare aiohttp JSON endpoint; p50/p99;
   then both at a fixed offered load of 300 questions/s (open loop) for the p99 target.

Targets (issue 4): >= 400 updates/s for procedure questions; web chat >= 300 q/s, p99 <= 50 ms.

    .venv/bin/python bench/throughput.py                      # default sizes
    .venv/bin/python bench/throughput.py --updates 500 --requests 1000   # quick
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import multiprocessing
import os
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# Run from anywhere: the project root first on the path (as ``python -m`` would put it).
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "tests" / "bot"))  # the channel tests' seed_dossier

import psutil  # noqa: E402
from aiogram import Bot, Dispatcher, F, Router  # noqa: E402
from aiogram.client.session.base import BaseSession  # noqa: E402
from aiogram.methods import SendMessage, TelegramMethod  # noqa: E402
from aiogram.methods.base import TelegramType  # noqa: E402
from aiogram.types import Chat, Message, Update  # noqa: E402
from channel_support import seed_dossier  # noqa: E402

QUESTIONS = [
    "làm giấy khai sinh cần gì",
    "đăng ký kết hôn cần giấy tờ gì",
    "làm hộ chiếu mất bao lâu",
    "lệ phí đăng ký tạm trú",
    "cap doi can cuoc o dau",
]
RECEIPT = "000.00.20.H56-261120-0042"


class RecordingSession(BaseSession):
    """Answers every Bot API call locally and counts them (no network)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0
        self._ids = itertools.count(1)

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        self.calls += 1
        if isinstance(method, SendMessage):
            chat = Chat(id=int(method.chat_id), type="private")
            return Message(  # type: ignore[return-value]
                message_id=next(self._ids), date=datetime.now(UTC), chat=chat, text=method.text
            )
        return True  # type: ignore[return-value]

    async def close(self) -> None:
        return None

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        yield b""


def _update(bot: Bot, update_id: int, user: int, text: str) -> Update:
    data = {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": user, "type": "private"},
            "from": {"id": user, "is_bot": False, "first_name": "A"},
            "text": text,
        },
    }
    return Update.model_validate(data, context={"bot": bot})


async def _feed(
    dp: Dispatcher, bot: Bot, updates: list[Update], concurrency: int
) -> tuple[float, float]:
    """(updates/s, process CPU ms per update) feeding ``updates``, ``concurrency`` in flight."""
    queue = iter(updates)

    async def worker() -> None:
        for update in queue:
            await dp.feed_update(bot, update)

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    rate = len(updates) / (time.perf_counter() - started)
    return rate, (time.process_time() - cpu) / len(updates) * 1000


def _echo_dispatcher() -> Dispatcher:
    router = Router(name="echo")

    async def echo(message: Message) -> None:
        await message.answer(message.text or "")

    router.message.register(echo, F.text)
    dp = Dispatcher()
    dp.include_router(router)
    return dp


async def bench_aiogram(n: int, concurrency: int) -> None:
    from bot.bootstrap import bootstrap
    from bot.config import load_settings
    from bot.telegram.dispatcher import build_dispatcher

    services = await bootstrap(load_settings())
    try:
        await seed_dossier(services.sessions, RECEIPT)
        session = RecordingSession()
        bot = Bot("42:BENCH", session=session)
        ours = build_dispatcher(services.assistant)
        echo = _echo_dispatcher()
        ids = itertools.count(1)

        def batch(make_text: Callable[[int], str], users: int) -> list[Update]:
            return [_update(bot, next(ids), 10_000 + i % users, make_text(i)) for i in range(n)]

        # Warm up caches and lazy imports on both dispatchers first.
        await _feed(ours, bot, batch(lambda i: QUESTIONS[i % 5], 50)[:100], concurrency)
        await _feed(echo, bot, batch(lambda i: QUESTIONS[i % 5], 50)[:100], concurrency)

        results: list[tuple[str, tuple[float, float]]] = []
        calls_before = session.calls
        echo_updates = batch(lambda i: QUESTIONS[i % 5], 200)
        results.append(("echo bot", await _feed(echo, bot, echo_updates, concurrency)))
        results.append(
            (
                "procedure question",
                await _feed(ours, bot, batch(lambda i: QUESTIONS[i % 5], 200), concurrency),
            )
        )
        # Distinct users: a lookup is rate-limited per user, as it must be.
        lookups = [_update(bot, next(ids), 500_000 + i, f"tra cứu {RECEIPT}") for i in range(n)]
        results.append(("dossier lookup", await _feed(ours, bot, lookups, concurrency)))
        echo_rate = results[0][1][0]
        print(
            f"\naiogram pipeline (feed_update, recording session, {concurrency} in flight, "
            f"{n} updates each; {session.calls - calls_before} Bot API calls recorded)"
        )
        print(f"  {'':22} {'updates/s':>10} {'vs echo':>8} {'cpu ms':>8}")
        for name, (rate, cpu_ms) in results:
            print(f"  {name:22} {rate:10.0f} {rate / echo_rate:8.2f} {cpu_ms:8.2f}")
        verdict = "OK" if results[1][1][0] >= 400 else "BELOW TARGET"
        print(f"  target: procedure questions >= 400 updates/s: {verdict}")
    finally:
        await services.aclose()


# --- web chat ------------------------------------------------------------------------------


OPEN_RATE = 300.0
OPEN_SECONDS = 10.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(port: int, baseline_port: int, ready: Any) -> None:
    """The server process: motcua's app on ``port``, a bare JSON endpoint on ``baseline_port``."""
    sys.path.insert(0, str(ROOT))
    from aiohttp import web

    from bot.cli.serve import make_app
    from bot.config import load_settings

    async def main() -> None:
        settings = load_settings()
        app = make_app(settings)
        app_runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await app_runner.setup()
        await web.TCPSite(app_runner, "127.0.0.1", port).start()

        async def hello(request: web.Request) -> web.Response:
            body = await request.json()
            return web.json_response({"replies": [{"text": body.get("text", ""), "buttons": []}]})

        bare = web.Application()
        bare.router.add_post("/api/chat", hello)
        bare_runner = web.AppRunner(bare, access_log=None, handle_signals=False)
        await bare_runner.setup()
        await web.TCPSite(bare_runner, "127.0.0.1", baseline_port).start()
        ready.put(True)
        await asyncio.Event().wait()

    asyncio.run(main())


async def _load(url: str, total: int, concurrency: int) -> tuple[float, list[float]]:
    import aiohttp

    latencies: list[float] = []
    counter = iter(range(total))

    async def worker(session: aiohttp.ClientSession, sid: str) -> None:
        for i in counter:
            body = {"session": sid, "text": QUESTIONS[i % len(QUESTIONS)]}
            started = time.perf_counter()
            async with session.post(url, json=body) as response:
                await response.read()
                if response.status != 200:
                    raise RuntimeError(f"HTTP {response.status}")
            latencies.append(time.perf_counter() - started)

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        await asyncio.gather(
            *(worker(session, f"bench-session-{w:04d}-xxxxxxxx") for w in range(concurrency))
        )
        elapsed = time.perf_counter() - started
    return total / elapsed, latencies


async def _open_loop(url: str, rate: float, seconds: float) -> tuple[float, list[float]]:
    """Requests fired on a fixed schedule (``rate`` per second), whatever the answers do.

    Latency counts from the scheduled send time, so a stalled server cannot hide its queue
    (no coordinated omission). Returns (answers/s, latencies).
    """
    import aiohttp

    total = int(rate * seconds)
    latencies: list[float] = []
    connector = aiohttp.TCPConnector(limit=256)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(i: int, due: float) -> None:
            body = {"session": f"open-loop-{i % 400:04d}-xxxxxxxx", "text": QUESTIONS[i % 5]}
            async with session.post(url, json=body) as response:
                await response.read()
                if response.status != 200:
                    raise RuntimeError(f"HTTP {response.status}")
            latencies.append(time.perf_counter() - due)

        started = time.perf_counter()
        tasks = []
        for i in range(total):
            due = started + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i, due)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - started
    return total / elapsed, latencies


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def bench_web(total: int, concurrency: int) -> None:
    port, baseline_port = _free_port(), _free_port()
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Queue()
    server = ctx.Process(target=_serve, args=(port, baseline_port, ready), daemon=True)
    server.start()
    try:
        ready.get(timeout=120)
        rows: list[tuple[str, float, list[float], float]] = []
        proc = psutil.Process(server.pid)
        for name, p in (("bare aiohttp JSON", baseline_port), ("motcua web chat", port)):
            url = f"http://127.0.0.1:{p}/api/chat"
            await _load(url, min(200, total), concurrency)  # warm-up
            before = sum(proc.cpu_times()[:2])
            rate, latencies = await _load(url, total, concurrency)
            cpu_ms = (sum(proc.cpu_times()[:2]) - before) / total * 1000
            rows.append((name, rate, latencies, cpu_ms))
        print(
            f"\nweb chat POST /api/chat over loopback ({concurrency} concurrent, "
            f"{total} requests; server CPU per request in the last column)"
        )
        print(f"  {'':22} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'cpu ms':>8}")
        for name, rate, latencies, cpu in rows:
            p50, p99 = _pct(latencies, 0.5), _pct(latencies, 0.99)
            print(f"  {name:22} {rate:8.0f} {p50:8.1f} {p99:8.1f} {cpu:8.2f}")
        _, rate, latencies, _ = rows[1]
        print(f"  (p50 of all: {statistics.median(latencies) * 1000:.1f} ms)")
        print(
            f"\nweb chat at a fixed offered load of {OPEN_RATE:.0f} questions/s for "
            f"{OPEN_SECONDS:.0f} s (open loop, latency from the scheduled send)"
        )
        print(f"  {'':22} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
        open_rows = []
        for name, p in (("bare aiohttp JSON", baseline_port), ("motcua web chat", port)):
            url = f"http://127.0.0.1:{p}/api/chat"
            served, lat = await _open_loop(url, OPEN_RATE, OPEN_SECONDS)
            open_rows.append((served, lat))
            print(
                f"  {name:22} {served:8.0f} {_pct(lat, 0.5):8.1f} {_pct(lat, 0.99):8.1f} "
                f"{max(lat) * 1000:8.1f}"
            )
        served, lat = open_rows[1]
        ok = rate >= 300 and served >= 0.98 * OPEN_RATE and _pct(lat, 0.99) <= 50
        print(
            f"  target: >= 300 q/s (closed-loop max {rate:.0f}) and p99 <= 50 ms at "
            f"{OPEN_RATE:.0f} q/s offered: {'OK' if ok else 'BELOW TARGET'}"
        )
    finally:
        server.terminate()
        server.join(10)


async def main(args: argparse.Namespace) -> None:
    steps: list[Awaitable[None]] = []
    if not args.web_only:
        steps.append(bench_aiogram(args.updates, args.feed_concurrency))
    if not args.aiogram_only:
        steps.append(bench_web(args.requests, args.concurrency))
    for step in steps:
        await step


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--feed-concurrency", type=int, default=16)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--aiogram-only", action="store_true")
    parser.add_argument("--web-only", action="store_true")
    parsed = parser.parse_args()
    # A throwaway database unless one is given: the bench must not touch var/motcua.db.
    tmp = tempfile.mkdtemp(prefix="motcua-bench-")
    os.environ.setdefault("MOTCUA_DATABASE__URL", f"sqlite+aiosqlite:///{tmp}/bench.db")
    os.environ.setdefault("MOTCUA_NOTIFICATIONS__QUIET_HOURS", "off")
    # All load comes from one address here; the per-address limit would refuse most of it.
    os.environ.setdefault("MOTCUA_WEB__PER_IP_PER_MINUTE", "0")
    print(f"database: {os.environ['MOTCUA_DATABASE__URL']}")
    # On a shared machine other work skews every figure: say how busy it was.
    print(f"cpus: {os.cpu_count()}, load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    asyncio.run(main(parsed))
