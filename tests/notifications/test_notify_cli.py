"""``motcua notify run-once`` and ``motcua notify status`` as a staff member runs them."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fakes.bot_api import FakeBotAPI
from notify_support import add_dossier, add_event, outbox_rows

from bot.cli.notify import _print_status
from storage.engine import SessionFactory

ROOT = Path(__file__).resolve().parents[2]


async def motcua(db_url: str, api: FakeBotAPI, *args: str) -> str:
    env = {
        **os.environ,
        "MOTCUA_DATABASE__URL": db_url,
        "MOTCUA_TELEGRAM__TOKEN": api.token,
        "MOTCUA_TELEGRAM__API_BASE": api.base_url,
        "MOTCUA_NOTIFICATIONS__QUIET_HOURS": "off",
        "MOTCUA_NOTIFICATIONS__TELEGRAM_PER_CHAT_INTERVAL_S": "0.2",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "notify",
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode == 0, err.decode()
    return out.decode()


@pytest.mark.slow  # runs the command line in fresh interpreters
async def test_run_once_sends_every_rule_then_status_reports(
    session_factory: SessionFactory,
    db_url: str,
    fake_api: FakeBotAPI,
    capsys: pytest.CaptureFixture[str],
) -> None:
    now = datetime.now(UTC)
    await add_dossier(
        session_factory,
        "C-1",
        chats=["900"],
        due_at=now - timedelta(days=1),
        received_at=now - timedelta(days=12),
        applicant_name="Lê Thị Hoa",
    )
    # Past its date but waiting for the citizen's papers: told what to bring, never sorry.
    waiting = await add_dossier(
        session_factory,
        "C-3",
        chats=["902"],
        due_at=now - timedelta(days=1),
        received_at=now - timedelta(days=12),
        status="supplement_required",
        status_at=now - timedelta(hours=1),
    )
    await add_event(
        session_factory,
        waiting,
        "supplement_required",
        now - timedelta(hours=1),
        "Bản sao giấy chứng sinh",
    )
    fake_api.fail("sendMessage", "bad_request", chat_id=901, times=None)
    await add_dossier(session_factory, "C-2", chats=["901"], due_at=now - timedelta(days=1))

    result = json.loads(await motcua(db_url, fake_api, "run-once", "--json"))
    assert result["enqueued"]["overdue_apology"] == 2 and result["enqueued"]["status"] == 1
    assert result["dispatch"]["sent"] == 2 and result["dispatch"]["failed"] == 1
    (apology,) = [str(p["text"]) for p in fake_api.sent("sendMessage", 900)]
    assert apology.startswith("Kính gửi ông/bà Lê Thị Hoa,") and "xin lỗi" in apology
    (supplement,) = [str(p["text"]) for p in fake_api.sent("sendMessage", 902)]
    assert "Bản sao giấy chứng sinh" in supplement and "tạm dừng" in supplement
    assert "xin lỗi" not in supplement and "trễ" not in supplement
    again = json.loads(await motcua(db_url, fake_api, "run-once", "--json"))
    assert sum(again["enqueued"].values()) == 0 and again["dispatch"]["sent"] == 0
    assert len(fake_api.sent("sendMessage", 900)) == 1

    report = json.loads(await motcua(db_url, fake_api, "status", "--json"))
    counts = {(r["status"], r["rule"]): r["count"] for r in report["outbox"]}
    assert counts == {
        ("sent", "overdue_apology"): 1,
        ("sent", "status"): 1,
        ("failed", "overdue_apology"): 1,
    }
    (failure,) = report["failures"]
    assert failure["key"].endswith(":telegram:901") and "Bad Request" in failure["error"]
    owed = {d["receipt_code"] for d in report["overdue_without_apology_details"]}
    assert owed == {"C-1", "C-2"}  # C-3 waits for the citizen: no letter owed
    _print_status({**report, "_text_deadlines": "(danh sách)"})  # the Vietnamese form
    text = capsys.readouterr().out
    assert "Gửi không được" in text and "Bad Request" in text and "Xin lỗi vì quá hạn" in text
    assert "901" not in text  # a staff screen names the dossier, not the chat
    human = await motcua(db_url, fake_api, "status")
    assert "Hồ sơ quá hạn chưa ghi đủ lý do và ngày hẹn mới: 2" in human
    assert "C-1" in human and "C-3" not in human
    assert len(await outbox_rows(session_factory)) == 3
