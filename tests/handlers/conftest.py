"""Fixtures for the conversation core's tests: a memory conversation store and the assistant
over the shipped knowledge base."""

from __future__ import annotations

import pytest

from handlers.assistant import Assistant
from handlers.conversation import MemoryConversationStore
from knowledge.base import KnowledgeBase

PORTAL = "https://dichvucong.gov.vn"


@pytest.fixture
def store() -> MemoryConversationStore:
    return MemoryConversationStore()


@pytest.fixture
def assistant(kb: KnowledgeBase, store: MemoryConversationStore) -> Assistant:
    return Assistant(kb, store, portal_url=PORTAL)
