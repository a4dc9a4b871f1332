"""``motcua serve`` as a process: web chat answers, Telegram polls the Bot API named by
MOTCUA_TELEGRAM__API_BASE, and SIGTERM stops it cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp
import pytest
from channel_support import SIGNING_KEY
from fakes.bot_api import FakeBotAPI

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _wait_healthy(url: str, proc: asyncio.subprocess.Process) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(240):
            if proc.returncode is not None:
                raise AssertionError("motcua serve exited early")
            try:
                async with http.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.25)
    raise AssertionError("motcua serve did not come up")


async def test_serve_runs_web_chat_and_telegram(tmp_path: Path) -> None:
    port = _free_port()
    async with FakeBotAPI() as api:
        env = {
            **os.environ,
            "MOTCUA_DATABASE__URL": f"sqlite+aiosqlite:///{tmp_path / 'serve.db'}",
            "MOTCUA_SECURITY__SIGNING_KEY": SIGNING_KEY,
            "MOTCUA_WEB__PORT": str(port),
            "MOTCUA_TELEGRAM__TOKEN": api.token,
            "MOTCUA_TELEGRAM__API_BASE": api.base_url,
            "MOTCUA_NOTIFICATIONS__QUIET_HOURS": "off",
        }
        env.pop("MOTCUA_WEB__PUBLIC_URL", None)
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "serve",
            "--demo",
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            await _wait_healthy(base + "/healthz", proc)
            async with aiohttp.ClientSession() as http:
                body = {"session": "serve-test-session-01", "text": "làm giấy khai sinh cần gì"}
                async with http.post(base + "/api/chat", json=body) as response:
                    replies = (await response.json())["replies"]
                assert "khai sinh" in replies[0]["text"].lower()
                async with http.get(base + "/") as response:
                    assert "Trợ lý Một cửa" in await response.text()
            api.push_message(5, "/start")
            sent = await api.wait_for(chat_id=5, timeout=30)
            assert "Trợ lý Một cửa" in sent[0]["text"]
        finally:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, stderr.decode()[-2000:]
    log = stderr.decode()
    assert "demo dossier to try" in log
    assert "Traceback" not in log
