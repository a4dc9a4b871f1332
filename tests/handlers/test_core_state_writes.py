"""The core writes a user's state only when a message changed it."""

from __future__ import annotations

from handlers.assistant import Assistant
from handlers.conversation import ConversationState, MemoryConversationStore
from handlers.messages import Incoming
from knowledge.base import KnowledgeBase


class CountingStore(MemoryConversationStore):
    def __init__(self) -> None:
        super().__init__()
        self.saves = 0

    async def save(self, channel: str, user_id: str, state: str) -> None:
        self.saves += 1
        await super().save(channel, user_id, state)


async def test_only_a_changed_state_is_written(kb: KnowledgeBase) -> None:
    store = CountingStore()
    assistant = Assistant(kb, store)

    def say(text: str) -> Incoming:
        return Incoming("web", "u1", text=text)

    await assistant.handle(say("xin chào"))
    assert store.saves == 1  # a new user: the first state is stored
    await assistant.handle(say("xin chào"))
    assert store.saves == 1  # nothing changed, nothing written

    await assistant.handle(say("đăng ký kết hôn cần giấy tờ gì"))
    assert store.saves == 2
    state = ConversationState.from_json(await store.load("web", "u1"))
    assert state.last_procedure is not None
