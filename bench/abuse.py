"""Abuse benchmark: replays the attacks of issue 12 against a real ``motcua serve`` process
(PostgreSQL and Redis, Telegram pointed at a loopback fake Bot API in webhook mode, Zalo on)
and prints what each attack got.

1. Enumeration of a dense receipt sequence through the web chat, for ``--enum-seconds``:
   (a) a fresh session id per lookup from one address; (b) the same with a forged
   ``X-Forwarded-For`` on every request; (c) 30 loopback source addresses (127.0.1.x), each
   with fresh sessions and forged headers. Counts the dossiers revealed (status shown), the
   most revealed in any 60 s, and whether a code-only lookup showed the agency's note.
2. The unknown-code storm: 30 addresses (127.0.2.x) send codes that do not exist; while it
   runs, a citizen at a new address looks up a real code (and types the phone's last four
   digits if asked).
3. Image bombs: a 518 kB PNG of 13,000 x 13,000 pixels to /api/chat/image, once and four at
   once; the server's resident memory before, at its peak (sampled every 5 ms) and after.
4. Forged large Zalo webhooks: five 6 MB posts with a wrong MAC (server CPU spent on them), and
   web chat latency at a steady 20 questions/s alone and beside two forged posts a second.
5. Deeply nested JSON to every JSON endpoint; one Telegram update delivered twice.
6. The overload ladder: the closed-loop capacity of ``motcua serve`` (per-address limit off)
   and of a bare aiohttp echo, then open-loop steps at 0.5x, 1x and 2x that capacity, and at
   4x the knee (the most goodput seen so far), each beside the echo at the same rate: goodput
   (HTTP 200 within the client's 5 s time-out), 503s, time-outs, latency.

Targets (issue 12): at most 10 dossiers a minute revealed to one address whatever it sends; a
citizen at a new address gets their status during the storm; the 13,000^2 PNG peaks under
300 MB; five forged 6 MB Zalo posts cost under 0.3 s of CPU; at 4x the knee goodput stays
>= 80 % of the knee's, with 503s for the rest.

    .venv/bin/python bench/abuse.py                      # about five minutes
    .venv/bin/python bench/abuse.py --enum-seconds 20 --ladder-seconds 4   # quicker
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import secrets
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections import Counter
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import aiohttp  # noqa: E402
import psutil  # noqa: E402
from aiohttp import web  # noqa: E402

PG_ADMIN = os.environ.get("MOTCUA_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
APP_ID, OA_KEY, APP_KEY = "4305452148839810431", "bench-oa-secret", "bench-app-secret"
API_TOKEN = "bench-api-token"
SIGNING_KEY = "bench-signing-key"
WEBHOOK_SECRET = "bench-webhook-secret"
NOTE = "BENCH-NOTE bo sung ban sao giay khai sinh"
PHONE = "0912345678"
DOSSIERS = 300
QUESTIONS = [
    "làm giấy khai sinh cần gì",
    "đăng ký kết hôn cần giấy tờ gì",
    "làm hộ chiếu mất bao lâu",
    "lệ phí đăng ký tạm trú",
    "cap doi can cuoc o dau",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def new_session() -> str:
    return secrets.token_urlsafe(18)  # 24 characters of [A-Za-z0-9_-]


def forged_address() -> str:
    return f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


# --- the data ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Codes:
    day: str  # yymmdd of the seeded dossiers

    def real(self, i: int) -> str:
        return f"000.00.20.H56-{self.day}-{1 + i % DOSSIERS:04d}"

    def unknown(self, i: int) -> str:
        return f"000.00.20.H56-{self.day}-{5000 + i % 4000:04d}"


def seed_rows(codes: Codes, received: datetime) -> list[dict[str, Any]]:
    return [
        {
            "receipt_code": codes.real(i),
            "procedure_code": "1.001193",
            "applicant_name": "Nguyễn Văn An",
            "applicant_phone": PHONE,
            "received_at": received.isoformat(),
            "due_at": (received + timedelta(days=14)).isoformat(),
            "status": "supplement_required" if i % 2 else "processing",
            "status_at": (received + timedelta(hours=2)).isoformat(),
            "submitted_via": "direct",
            "note": NOTE,
        }
        for i in range(DOSSIERS)
    ]


async def create_database() -> tuple[str, str]:
    import asyncpg

    name = f"motcua_abuse_{secrets.token_hex(4)}"
    conn = await asyncpg.connect(PG_ADMIN, timeout=5)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    host = PG_ADMIN.split("://", 1)[1].rsplit("/", 1)[0]
    return f"postgresql+asyncpg://{host}/{name}", name


async def drop_database(name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN, timeout=5)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def clear_redis(url: str) -> None:
    from redis.asyncio import Redis

    client = Redis.from_url(url)
    try:
        keys = [k async for k in client.scan_iter(match="motcua:*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


# --- the server process ----------------------------------------------------------------------


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ps(self) -> psutil.Process:
        return psutil.Process(self.proc.pid)

    def cpu_s(self) -> float:
        times = self.ps.cpu_times()
        return float(times.user + times.system)

    def rss_mb(self) -> float:
        return float(self.ps.memory_info().rss) / 2**20


async def start_server(env_extra: dict[str, str], log: Path) -> Server:
    port = free_port()
    env = {**os.environ, **env_extra, "MOTCUA_WEB__PORT": str(port)}
    handle = log.open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve"],
        cwd=ROOT,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
    )
    server = Server(proc, port, log)
    deadline = time.monotonic() + 180
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise SystemExit(f"motcua serve exited: see {log}")
            with contextlib.suppress(aiohttp.ClientError, OSError):
                async with http.get(server.base + "/healthz") as resp:
                    if resp.status == 200:
                        return server
            await asyncio.sleep(0.5)
    stop_process(proc)
    raise SystemExit("motcua serve did not become healthy in 180 s")


def stop_process(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=15)
    if proc.poll() is None:
        proc.kill()
        proc.wait()


class MemorySampler:
    """The server's resident memory sampled every 5 ms in a thread; ``peak`` since reset."""

    def __init__(self, pid: int) -> None:
        self._ps = psutil.Process(pid)
        self._stop = threading.Event()
        self.peak = 0.0
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(psutil.Error):
                self.peak = max(self.peak, self._ps.memory_info().rss / 2**20)
            time.sleep(0.005)

    def reset(self) -> None:
        self.peak = 0.0

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


# --- talking to the web chat -------------------------------------------------------------------


def client(
    address: str = "127.0.0.1", limit: int = 8, timeout: float = 30
) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(limit=limit, local_addr=(address, 0))
    return aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=timeout))


async def chat(
    http: aiohttp.ClientSession,
    base: str,
    text: str,
    session: str | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, str]:
    body = {"session": session or new_session(), "text": text}
    try:
        async with http.post(base + "/api/chat", json=body, headers=headers) as resp:
            status = resp.status
            try:
                data = await resp.json(content_type=None)
            except ValueError:
                data = {}
    except (aiohttp.ClientError, TimeoutError):
        return 0, ""
    if not isinstance(data, dict):
        data = {}
    texts = [r.get("text", "") for r in data.get("replies", []) if isinstance(r, dict)]
    return status, "\n".join(texts) or str(data.get("error", ""))


def classify(status: int, text: str) -> str:
    if status == 0:
        return "no answer"
    if status == 503:
        return "busy (503)"
    if "Trạng thái:" in text:
        return "revealed"
    if "4 chữ số cuối" in text:
        return "asked for phone digits"
    if status == 429 or "thử lại" in text or "quá số lần" in text:
        return "refused (limit)"
    if "chưa tìm thấy" in text:
        return "unknown code"
    return f"other ({status})"


# --- 1. enumeration -----------------------------------------------------------------------------


@dataclass
class Attack:
    name: str
    outcomes: Counter[str] = field(default_factory=Counter)
    reveals: list[float] = field(default_factory=list)  # monotonic times
    revealed_codes: set[str] = field(default_factory=set)
    notes_shown: int = 0
    per_address: Counter[str] = field(default_factory=Counter)

    def record(self, address: str, code: str, status: int, text: str) -> None:
        kind = classify(status, text)
        self.outcomes[kind] += 1
        if kind == "revealed":
            self.reveals.append(time.monotonic())
            self.revealed_codes.add(code)
            self.per_address[address] += 1
            if NOTE in text:
                self.notes_shown += 1

    def max_in_60s(self) -> int:
        times = sorted(self.reveals)
        best, start = 0, 0
        for end, t in enumerate(times):
            while t - times[start] > 60:
                start += 1
            best = max(best, end - start + 1)
        return best


async def enumerate_from(
    attack: Attack,
    base: str,
    codes: Codes,
    address: str,
    *,
    workers: int,
    until: float,
    forge: bool,
    offset: int,
) -> None:
    counter = iter(range(offset, offset + 10**9))
    async with client(address, limit=workers) as http:

        async def worker() -> None:
            while time.monotonic() < until:
                code = codes.real(next(counter))
                headers = None
                if forge:
                    fake = forged_address()
                    headers = {"X-Forwarded-For": fake, "X-Real-IP": fake}
                status, text = await chat(http, base, f"tra cứu {code}", headers=headers)
                attack.record(address, code, status, text)
                if status == 0:
                    await asyncio.sleep(0.05)

        await asyncio.gather(*(worker() for _ in range(workers)))


async def bench_enumeration(server: Server, codes: Codes, seconds: float) -> list[Attack]:
    until = time.monotonic() + seconds
    one = Attack("(a) one address, a new session per lookup")
    forged = Attack("(b) one address, new sessions + forged X-Forwarded-For")
    many = Attack("(c) 30 loopback addresses, new sessions + forged headers")
    base = server.base
    jobs: list[Awaitable[None]] = [
        enumerate_from(
            one, base, codes, "127.0.0.10", workers=4, until=until, forge=False, offset=0
        ),
        enumerate_from(
            forged, base, codes, "127.0.0.11", workers=4, until=until, forge=True, offset=100
        ),
    ]
    jobs += [
        enumerate_from(
            many, base, codes, f"127.0.1.{n}", workers=1, until=until, forge=True, offset=n * 10
        )
        for n in range(1, 31)
    ]
    await asyncio.gather(*jobs)
    return [one, forged, many]


def print_enumeration(attacks: list[Attack], seconds: float) -> None:
    print(f"\n1. Enumeration of a dense receipt sequence ({DOSSIERS} dossiers), {seconds:.0f} s")
    print(f"  {'':58} {'lookups':>8} {'revealed':>9} {'distinct':>9} {'max/60s':>8}")
    for a in attacks:
        total = sum(a.outcomes.values())
        print(
            f"  {a.name:58} {total:8d} {len(a.reveals):9d} {len(a.revealed_codes):9d} "
            f"{a.max_in_60s():8d}"
        )
        kinds = ", ".join(f"{k}: {v}" for k, v in sorted(a.outcomes.items()))
        print(f"      outcomes: {kinds}")
        if a.per_address and len(a.per_address) > 1:
            print(
                f"      addresses that got a dossier: {len(a.per_address)}; most revealed to "
                f"one address: {max(a.per_address.values())}"
            )
    shown = sum(a.notes_shown for a in attacks)
    revealed = sum(len(a.reveals) for a in attacks)
    print(f"  agency's note shown to a code-only lookup: {shown} of {revealed} reveals")
    worst = max(a.max_in_60s() for a in attacks[:2])
    worst_c = max(attacks[2].per_address.values(), default=0)
    verdict = "met" if max(worst, worst_c) <= 10 else "NOT met"
    print(f"  target: at most 10 dossiers a minute to one address: {verdict}")


# --- 2. the unknown-code storm --------------------------------------------------------------


async def bench_storm(server: Server, codes: Codes, seconds: float) -> None:
    storm = Attack("storm")
    stop = asyncio.Event()
    counter = iter(range(10**9))

    async def storm_from(address: str) -> None:
        async with client(address, limit=2) as http:

            async def worker() -> None:
                while not stop.is_set():
                    code = codes.unknown(next(counter))
                    status, text = await chat(http, server.base, code)
                    storm.record(address, code, status, text)
                    if status == 0:
                        await asyncio.sleep(0.05)

            await asyncio.gather(worker(), worker())

    tasks = [asyncio.create_task(storm_from(f"127.0.2.{n}")) for n in range(1, 31)]
    citizen: list[str] = []
    started = time.monotonic()
    try:
        await asyncio.sleep(seconds / 2)
        async with client("127.0.3.1") as http:
            for attempt in range(3):
                sid = new_session()
                code = codes.real(200 + attempt)
                status, text = await chat(http, server.base, code, session=sid)
                kind = classify(status, text)
                line = f"attempt {attempt + 1} at {time.monotonic() - started:4.1f} s: {kind}"
                if kind == "asked for phone digits":
                    status, text = await chat(http, server.base, PHONE[-4:], session=sid)
                    line += f" -> typed the last four digits -> {classify(status, text)}"
                citizen.append(line)
                await asyncio.sleep(seconds / 6)
    finally:
        stop.set()
        await asyncio.gather(*tasks)
    elapsed = time.monotonic() - started
    total = sum(storm.outcomes.values())
    print(f"\n2. Unknown-code storm from 30 addresses (127.0.2.x), {elapsed:.0f} s")
    kinds = ", ".join(f"{k}: {v}" for k, v in sorted(storm.outcomes.items()))
    print(f"  storm requests: {total} ({total / elapsed:.0f}/s); outcomes: {kinds}")
    print("  a citizen at a new address (127.0.3.1) looks up a real code during the storm:")
    for line in citizen:
        print(f"    {line}")
    ok = any(line.endswith("revealed") for line in citizen)
    print(f"  target: the citizen gets their status: {'met' if ok else 'NOT met'}")


# --- 3. image bombs --------------------------------------------------------------------------


def png_bomb(side: int = 13_000) -> bytes:
    """An RGB PNG of side x side black pixels, built row by row (never held decoded)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    squeeze = zlib.compressobj(9)
    row = b"\x00" * (1 + 3 * side)
    parts = [squeeze.compress(row) for _ in range(side)]
    parts.append(squeeze.flush())
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", b"".join(parts))
        + chunk(b"IEND", b"")
    )


async def upload(base: str, address: str, image: bytes) -> tuple[int, str, float]:
    form = aiohttp.FormData()
    form.add_field("session", new_session())
    form.add_field("image", image, filename="bomb.png", content_type="image/png")
    started = time.perf_counter()
    async with client(address, timeout=300) as http:
        try:
            async with http.post(base + "/api/chat/image", data=form) as resp:
                data = await resp.json(content_type=None)
                status = resp.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            return 0, type(exc).__name__, time.perf_counter() - started
    texts = [r.get("text", "") for r in data.get("replies", [])] if isinstance(data, dict) else []
    return status, " ".join(texts)[:70], time.perf_counter() - started


async def bench_images(server: Server) -> None:
    bomb = png_bomb()
    sampler = MemorySampler(server.proc.pid)
    try:
        print(
            f"\n3. Image bombs: a {len(bomb) / 1000:.0f} kB PNG of 13,000 x 13,000 pixels "
            "to /api/chat/image (server resident memory)"
        )
        await asyncio.sleep(0.5)
        base_mb = server.rss_mb()
        sampler.reset()
        status, text, took = await upload(server.base, "127.0.4.1", bomb)
        await asyncio.sleep(0.3)
        print(
            f"  one upload: HTTP {status} in {took:.1f} s; memory {base_mb:.0f} MB before, "
            f"peak {sampler.peak:.0f} MB (+{sampler.peak - base_mb:.0f} MB)"
        )
        print(f"    reply: {text}")
        one_peak = sampler.peak - base_mb
        await asyncio.sleep(1)
        base4 = server.rss_mb()
        sampler.reset()
        results = await asyncio.gather(
            *(upload(server.base, f"127.0.4.{n}", bomb) for n in range(2, 6))
        )
        await asyncio.sleep(5)
        after = server.rss_mb()
        statuses = Counter(r[0] for r in results)
        print(
            f"  four at once: statuses {dict(statuses)}, slowest {max(r[2] for r in results):.1f}"
            f" s; memory {base4:.0f} MB before, peak {sampler.peak:.0f} MB "
            f"(+{sampler.peak - base4:.0f} MB), {after:.0f} MB held 5 s later"
        )
        verdict = "met" if one_peak < 300 else "NOT met"
        print(f"  target: one upload peaks under +300 MB: {verdict}")
    finally:
        sampler.close()


# --- 4. forged large Zalo webhooks ---------------------------------------------------------


def zalo_body(size: int) -> bytes:
    """A delivery padded to about ``size`` bytes with many small objects (costly to parse)."""
    body = {
        "app_id": APP_ID,
        "event_name": "user_send_text",
        "sender": {"id": "8800000000000001"},
        "recipient": {"id": "oa"},
        "timestamp": str(int(time.time() * 1000)),
        "message": {
            "text": "xin chào",
            "msg_id": f"forged-{secrets.token_hex(6)}",
            "attachments": [{"t": 1}] * (size // 8),
        },
    }
    return json.dumps(body, separators=(",", ":")).encode()


async def forged_post(http: aiohttp.ClientSession, base: str, raw: bytes) -> int:
    headers = {"X-ZEvent-Signature": "mac=" + "0" * 64, "Content-Type": "application/json"}
    try:
        async with http.post(base + "/webhooks/zalo", data=raw, headers=headers) as resp:
            await resp.read()
            return resp.status
    except (aiohttp.ClientError, TimeoutError):
        return 0


async def steady_chat(base: str, rate: float, seconds: float) -> list[float]:
    """Questions at a fixed rate from 20 addresses (127.0.5.x); latencies of the answers."""
    latencies: list[float] = []
    sessions = [client(f"127.0.5.{n}", limit=4) for n in range(1, 21)]
    try:

        async def one(i: int) -> None:
            started = time.perf_counter()
            status, _ = await chat(sessions[i % 20], base, QUESTIONS[i % len(QUESTIONS)])
            if status == 200:
                latencies.append((time.perf_counter() - started) * 1000)

        tasks = []
        t0 = time.perf_counter()
        for i in range(int(rate * seconds)):
            delay = t0 + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i)))
        await asyncio.gather(*tasks)
    finally:
        for s in sessions:
            await s.close()
    return latencies


async def bench_zalo(server: Server) -> None:
    raw = zalo_body(6 * 1024 * 1024)
    print(f"\n4. Forged Zalo webhooks ({len(raw) / 2**20:.1f} MB each, wrong MAC)")
    async with client("127.0.6.1", timeout=60) as http:
        await forged_post(http, server.base, zalo_body(10))  # a warm connection
        await asyncio.sleep(0.5)
        cpu0, t0 = server.cpu_s(), time.perf_counter()
        statuses = [await forged_post(http, server.base, raw) for _ in range(5)]
        took = time.perf_counter() - t0
        await asyncio.sleep(0.3)
        cpu = server.cpu_s() - cpu0
    print(
        f"  five posts one after another: statuses {statuses}, {took:.2f} s wall, "
        f"server CPU {cpu:.2f} s"
    )
    verdict = "met" if cpu < 0.3 else "NOT met"
    print(f"  target: five forged 6 MB posts cost under 0.3 s of CPU: {verdict}")
    small = zalo_body(240 * 1024)
    async with client("127.0.6.1", timeout=60) as http:
        cpu0 = server.cpu_s()
        statuses = [await forged_post(http, server.base, small) for _ in range(5)]
        await asyncio.sleep(0.3)
        cpu = server.cpu_s() - cpu0
    print(
        f"  five forged {len(small) / 1024:.0f} kB posts (a size Zalo could send): statuses "
        f"{statuses}, server CPU {cpu:.3f} s"
    )
    alone = await steady_chat(server.base, 20, 6)
    stop = asyncio.Event()

    async def forger() -> None:
        async with client("127.0.6.2", limit=4, timeout=60) as http:
            while not stop.is_set():
                asyncio.create_task(forged_post(http, server.base, raw))
                await asyncio.sleep(0.5)

    task = asyncio.create_task(forger())
    try:
        beside = await steady_chat(server.base, 20, 6)
    finally:
        stop.set()
        await task
    print(
        f"  web chat at 20 questions/s: p50 {pct(alone, 0.5):.0f} ms, p99 {pct(alone, 0.99):.0f}"
        f" ms alone; p50 {pct(beside, 0.5):.0f} ms, p99 {pct(beside, 0.99):.0f} ms beside two "
        "forged posts a second"
    )


# --- 5. nested JSON and a Telegram update delivered twice -------------------------------------


async def bench_json_and_telegram(server: Server, codes: Codes, api: Any) -> None:
    deep = b"[" * 5000 + b"]" * 5000
    deep_obj = b'{"a":' * 2500 + b"1" + b"}" * 2500
    bearer = {"Authorization": f"Bearer {API_TOKEN}", "Content-Type": "application/json"}
    tg = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET, "Content-Type": "application/json"}
    zalo_h = {"Content-Type": "application/json", "X-ZEvent-Signature": "mac=" + "0" * 64}
    targets = [
        ("/api/chat", {"Content-Type": "application/json"}),
        ("/api/v1/dossiers", bearer),
        (f"/api/v1/dossiers/{codes.real(0)}/events", bearer),
        ("/webhooks/telegram", tg),
        ("/webhooks/zalo", zalo_h),
    ]
    print("\n5. Deeply nested JSON (5,000 levels of [ and 2,500 of {) to each JSON endpoint")
    async with client("127.0.7.1", timeout=30) as http:
        for path, headers in targets:
            got = []
            for body in (deep, deep_obj):
                try:
                    async with http.post(server.base + path, data=body, headers=headers) as r:
                        await r.read()
                        got.append(str(r.status))
                except (aiohttp.ClientError, TimeoutError) as exc:
                    got.append(type(exc).__name__)
            print(f"  {path:52} HTTP {' / '.join(got)}")
        chat_id = 770000 + random.randint(0, 9999)
        update = {
            "update_id": 900000000 + random.randint(0, 10**6),
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private", "first_name": "A"},
                "from": {"id": chat_id, "is_bot": False, "first_name": "A"},
                "text": "làm giấy khai sinh cần gì",
            },
        }
        statuses = []
        for _ in range(2):
            async with http.post(server.base + "/webhooks/telegram", json=update, headers=tg) as r:
                await r.read()
                statuses.append(r.status)
        await asyncio.sleep(3)
    answers = len(api.sent("sendMessage", chat_id))
    print(
        f"  one Telegram update delivered twice (HTTP {statuses}): the chat got {answers} "
        f"answer message(s)"
    )


# --- 6. the overload ladder ---------------------------------------------------------------------


def run_echo(port: int) -> None:
    async def hello(request: web.Request) -> web.Response:
        body = await request.json()
        return web.json_response({"replies": [{"text": body.get("text", ""), "buttons": []}]})

    app = web.Application()
    app.router.add_post("/api/chat", hello)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


async def closed_loop(base: str, seconds: float, concurrency: int = 16) -> float:
    done = 0
    until = time.monotonic() + seconds
    async with client(limit=concurrency, timeout=30) as http:

        async def worker(w: int) -> None:
            nonlocal done
            sid = new_session()
            i = w
            while time.monotonic() < until:
                status, _ = await chat(http, base, QUESTIONS[i % len(QUESTIONS)], session=sid)
                i += 1
                if status == 200:
                    done += 1

        started = time.monotonic()
        await asyncio.gather(*(worker(w) for w in range(concurrency)))
        return done / (time.monotonic() - started)


CLIENT_TIMEOUT_S = 5.0  # a citizen waiting on the chat page gives up about then
LADDER_CONCURRENCY = 48  # enough in flight to keep the server busy (its bound is 64)


@dataclass
class Step:
    offered: float
    sent: int = 0
    ok: int = 0
    shed: int = 0
    timeouts: int = 0
    other: int = 0
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def goodput(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0


async def open_loop(base: str, rate: float, seconds: float) -> Step:
    step = Step(rate, seconds=seconds)
    sessions = [new_session() for _ in range(400)]
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=CLIENT_TIMEOUT_S)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:

        async def one(i: int) -> None:
            body = {"session": sessions[i % 400], "text": QUESTIONS[i % len(QUESTIONS)]}
            started = time.perf_counter()
            try:
                async with http.post(base + "/api/chat", json=body) as resp:
                    await resp.read()
                    status = resp.status
            except TimeoutError:
                step.timeouts += 1
                return
            except aiohttp.ClientError:
                step.other += 1
                return
            if status == 200:
                step.ok += 1
                step.latencies.append((time.perf_counter() - started) * 1000)
            elif status == 503:
                step.shed += 1
            else:
                step.other += 1

        tasks = []
        t0 = time.perf_counter()
        for i in range(int(rate * seconds)):
            delay = t0 + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i)))
        step.sent = len(tasks)
        await asyncio.gather(*tasks)
    return step


async def bench_ladder(
    server: Server, echo_base: str, echo: psutil.Process, seconds: float
) -> None:
    """``cpu``: the serving process's CPU time over the step's wall time (1 core = 100 %)."""
    await closed_loop(server.base, 2, LADDER_CONCURRENCY)  # warm-up
    capacity = await closed_loop(server.base, 5, LADDER_CONCURRENCY)
    echo_capacity = await closed_loop(echo_base, 3, LADDER_CONCURRENCY)
    print("\n6. Overload ladder: procedure questions to POST /api/chat (per-address limit off)")
    print(
        f"  closed-loop capacity ({LADDER_CONCURRENCY} in flight): motcua {capacity:.0f} req/s, "
        f"bare aiohttp echo {echo_capacity:.0f} req/s"
    )
    print(
        f"  open loop, {seconds:.0f} s of sending per step, client time-out "
        f"{CLIENT_TIMEOUT_S:.0f} s; goodput = HTTP 200 answers (to the requests of the step, "
        "within the time-out) per second of sending; cpu = the serving process's share of a core"
    )
    print(
        f"  {'':14} {'offered/s':>9} {'goodput/s':>9} {'503':>6} {'timeout':>7} {'other':>6} "
        f"{'p50 ms':>7} {'p99 ms':>8} {'cpu':>5}"
    )
    best = capacity  # the knee: the most the server has answered, closed or open loop

    async def step(label: str, rate: float) -> Step:
        nonlocal best
        result = Step(rate)
        for name, base, proc in (("echo", echo_base, echo), ("motcua", server.base, server.ps)):
            cpu0, t0 = sum(proc.cpu_times()[:2]), time.perf_counter()
            result = await open_loop(base, rate, seconds)
            busy = (sum(proc.cpu_times()[:2]) - cpu0) / (time.perf_counter() - t0)
            print(
                f"  {name + ' ' + label:14} {rate:9.0f} {result.goodput:9.0f} {result.shed:6d} "
                f"{result.timeouts:7d} {result.other:6d} {pct(result.latencies, 0.5):7.0f} "
                f"{pct(result.latencies, 0.99):8.0f} {busy:5.0%}"
            )
            await asyncio.sleep(2)
        best = max(best, result.goodput)  # the last one run is motcua's
        return result

    for factor in (0.5, 1.0, 2.0):
        await step(f"{factor:g}x", capacity * factor)
    knee = best
    top = await step("4x knee", 4 * knee)
    share = top.goodput / knee if knee else 0.0
    ok = share >= 0.8 and top.shed > 0
    print(
        f"  knee (most answered above): {knee:.0f}/s; at 4x the knee ({4 * knee:.0f}/s offered) "
        f"goodput {top.goodput:.0f}/s = {share:.0%} of it, {top.shed} answered 503: "
        f"target {'met' if ok else 'NOT met'}"
    )


# --- main --------------------------------------------------------------------------------------


def base_env(db_url: str, redis_url: str, api: Any) -> dict[str, str]:
    return {
        "MOTCUA_DATABASE__URL": db_url,
        "MOTCUA_REDIS__URL": redis_url,
        "MOTCUA_WEB__HOST": "127.0.0.1",
        "MOTCUA_WEB__PUBLIC_URL": "https://motcua.example.test",
        "MOTCUA_API__TOKEN": API_TOKEN,
        "MOTCUA_SECURITY__SIGNING_KEY": SIGNING_KEY,
        "MOTCUA_NOTIFICATIONS__QUIET_HOURS": "off",
        "MOTCUA_TELEGRAM__TOKEN": api.token,
        "MOTCUA_TELEGRAM__API_BASE": api.base_url,
        "MOTCUA_TELEGRAM__USERNAME": api.username,
        "MOTCUA_TELEGRAM__WEBHOOK_SECRET": WEBHOOK_SECRET,
        "MOTCUA_ZALO__APP_ID": APP_ID,
        "MOTCUA_ZALO__OA_SECRET_KEY": OA_KEY,
        "MOTCUA_ZALO__APP_SECRET_KEY": APP_KEY,
        "MOTCUA_ZALO__ACCESS_TOKEN": "AT-1",
        "MOTCUA_ZALO__REFRESH_TOKEN": "RT-1",
        "MOTCUA_ZALO__API_BASE": "http://127.0.0.1:9",
        "MOTCUA_ZALO__OAUTH_BASE": "http://127.0.0.1:9",
        "MOTCUA_ZALO__ZNS_BASE": "http://127.0.0.1:9",
    }


async def seed(server: Server, codes: Codes, received: datetime) -> None:
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    rows = seed_rows(codes, received)
    async with (
        aiohttp.ClientSession() as http,
        http.post(server.base + "/api/v1/dossiers", json=rows, headers=headers) as resp,
    ):
        report = await resp.json()
    if report.get("accepted") != DOSSIERS:
        raise SystemExit(f"seeding failed: {str(report)[:300]}")


async def main(args: argparse.Namespace) -> None:
    from fakes.bot_api import FakeBotAPI

    print(f"cpus: {os.cpu_count()}, load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    db_url, db_name = await create_database()
    await clear_redis(args.redis_url)
    tmp = Path(tempfile.mkdtemp(prefix="motcua-abuse-"))
    received = datetime.now(UTC) - timedelta(days=3)
    codes = Codes(received.astimezone(UTC).strftime("%y%m%d"))
    echo_port = free_port()
    echo = subprocess.Popen([sys.executable, __file__, "--echo", str(echo_port)])
    try:
        async with FakeBotAPI(username="motcua_bench_bot") as api:
            env = base_env(db_url, args.redis_url, api)
            print(f"database: PostgreSQL ({db_name}); Redis {args.redis_url}; logs in {tmp}")
            server = await start_server(env, tmp / "serve.log")
            try:
                await seed(server, codes, received)
                if not args.ladder_only:
                    attacks = await bench_enumeration(server, codes, args.enum_seconds)
                    print_enumeration(attacks, args.enum_seconds)
                    await bench_storm(server, codes, args.storm_seconds)
                    await bench_images(server)
                    await bench_zalo(server)
                    await bench_json_and_telegram(server, codes, api)
            finally:
                stop_process(server.proc)
            log_bytes = (tmp / "serve.log").stat().st_size
            print(f"\n  server log written during 1-5: {log_bytes / 1000:.0f} kB")
            env["MOTCUA_WEB__PER_IP_PER_MINUTE"] = "0"
            server = await start_server(env, tmp / "serve-ladder.log")
            try:
                await bench_ladder(
                    server,
                    f"http://127.0.0.1:{echo_port}",
                    psutil.Process(echo.pid),
                    args.ladder_seconds,
                )
            finally:
                stop_process(server.proc)
    finally:
        stop_process(echo)
        await clear_redis(args.redis_url)
        await drop_database(db_name)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--enum-seconds", type=float, default=65.0)
    parser.add_argument("--storm-seconds", type=float, default=12.0)
    parser.add_argument("--ladder-seconds", type=float, default=10.0)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/7")
    parser.add_argument("--ladder-only", action="store_true", help="only the overload ladder")
    parser.add_argument("--echo", type=int, default=0, help=argparse.SUPPRESS)
    parsed = parser.parse_args()
    if parsed.echo:
        run_echo(parsed.echo)
    else:
        asyncio.run(main(parsed))
