"""Fixtures of the conversation-core tests: the real knowledge base and a fresh assistant."""

from __future__ import annotations

from pathlib import Path

import pytest

from handlers.assistant import Assistant
from handlers.conversation import MemoryConversationStore
from knowledge.base import KnowledgeBase

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "tthc"
PORTAL = "https://dichvucong.gov.vn"


@pytest.fixture(scope="session")
def core_kb(request: pytest.FixtureRequest) -> KnowledgeBase:
    """The shared session ``kb`` fixture when tests/conftest.py has it, else loaded here once."""
    try:
        kb = request.getfixturevalue("kb")
    except pytest.FixtureLookupError:
        kb = KnowledgeBase.from_files(
            [DATA / "procedures_dvcqg_2026.jsonl", DATA / "procedures_bqp.jsonl"],
            DATA / "popularity_citizens_top1000.csv",
        )
    assert isinstance(kb, KnowledgeBase)
    return kb


@pytest.fixture
def store() -> MemoryConversationStore:
    return MemoryConversationStore()


@pytest.fixture
def assistant(core_kb: KnowledgeBase, store: MemoryConversationStore) -> Assistant:
    return Assistant(core_kb, store, portal_url=PORTAL)
