"""Quiet failure: a database outage is one warning with a count (and one line when it ends),
never a traceback per message; citizens get an honest answer meanwhile."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import pytest

from handlers.assistant import Assistant
from handlers.dossiers.dialog import DossierDialog
from handlers.messages import Incoming
from handlers.outage import OutageLog
from handlers.ports import SearchHit
from knowledge.model import Procedure
from storage.conversations_repo import SqlConversationStore
from storage.counters import MemoryCounterStore
from storage.dossier_store import SqlDossierStore
from storage.engine import SessionFactory, create_engine, is_unavailable, session_factory
from storage.usage_repo import BatchedUsageWriter


class NoProcedures:
    def get(self, code: str) -> Procedure | None:
        return None

    def search(self, query: str, top: int = 3) -> Sequence[SearchHit]:
        return []


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_one_warning_per_outage_with_a_count(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    log = logging.getLogger("test.outage")
    outage = OutageLog(log, "the database", clock=clock, remind_every_s=60)
    with caplog.at_level(logging.INFO, logger="test.outage"):
        for _ in range(500):
            outage.failed(ConnectionRefusedError(111, "Connect call failed"))
            clock.now += 0.06  # 500 failures over 30 s
        outage.ok()
        outage.ok()
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2
    assert lines[0].startswith("the database unavailable: ConnectionRefusedError")
    assert "back after 30 s (500 failures)" in lines[1]
    clock.now += 10
    with caplog.at_level(logging.INFO, logger="test.outage"):
        for _ in range(3):
            outage.failed(TimeoutError())
            clock.now += 61
    reminders = [r.getMessage() for r in caplog.records[2:]]
    assert len(reminders) == 3 and "still unavailable" in reminders[1]


async def test_a_database_outage_is_logged_once_not_per_message(
    caplog: pytest.LogCaptureFixture,
) -> None:
    down = session_factory(create_engine("postgresql+asyncpg://u@127.0.0.1:1/gone"))
    dialog = DossierDialog(SqlDossierStore(down), signing_key=b"k", counters=MemoryCounterStore())
    assistant = Assistant(NoProcedures(), SqlConversationStore(down), dossiers=dialog)
    with caplog.at_level(logging.INFO):
        for n in range(20):
            text = "000.00.20.H56-261120-0007" if n % 2 else "xin chào"
            replies = await assistant.handle(
                Incoming("web", f"session-{n:010d}", text=text, client="198.51.100.1")
            )
            if n % 2:
                assert "tạm gián đoạn" in replies[0].text  # the lookup says what happened
            else:
                assert replies and "gián đoạn" not in replies[0].text
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert "the database unavailable" in warnings[0].getMessage()
    assert all(r.exc_info is None for r in caplog.records)


async def test_a_bug_still_gets_its_traceback(
    session_factory: SessionFactory, caplog: pytest.LogCaptureFixture
) -> None:
    class Broken:
        def get(self, code: str) -> Procedure | None:
            return None

        def search(self, query: str, top: int = 3) -> Sequence[SearchHit]:
            raise KeyError("a bug")

    assistant = Assistant(Broken(), SqlConversationStore(session_factory))
    with caplog.at_level(logging.ERROR):
        await assistant.handle(Incoming("web", "s" * 20, text="làm giấy khai sinh"))
    assert [r.exc_info is not None for r in caplog.records] == [True]
    assert not is_unavailable(KeyError("a bug"))
    assert is_unavailable(ConnectionRefusedError(111, "refused"))


async def test_usage_counts_wait_quietly_for_the_database(
    caplog: pytest.LogCaptureFixture,
) -> None:
    down = session_factory(create_engine("postgresql+asyncpg://u@127.0.0.1:1/gone"))
    outage = OutageLog(logging.getLogger("test.usage"), "usage counts")
    writer = BatchedUsageWriter(down, batch=5, flush_seconds=0.05, failures=outage)
    with caplog.at_level(logging.INFO):
        for _ in range(60):
            writer.record("web", "question_answered")
        await writer.flush()
        for _ in range(60):
            writer.record("web", "question_answered")
        await writer.flush()
        await writer.aclose()  # still down: the counts stay buffered, nothing more is logged
    assert len([r for r in caplog.records if r.levelno >= logging.WARNING]) == 1
    assert all(r.exc_info is None for r in caplog.records)
