"""The web chat over SQLite and PostgreSQL: lookups read the database, state is written to it."""

from __future__ import annotations

import json

from aiohttp.test_utils import TestClient, TestServer
from channel_support import RECEIPT, seed_dossier

from bot.app import create_app
from bot.bootstrap import Services
from bot.state_cache import WriteBehindStore
from storage.conversations_repo import SqlConversationStore

SESSION = "databases-session-0001"


async def test_lookup_and_state_on_each_database(db_services: Services) -> None:
    await seed_dossier(db_services.sessions)
    async with TestClient(
        TestServer(create_app(db_services.settings, services=db_services))
    ) as client:
        answer = await client.post("/api/chat", json={"session": SESSION, "text": RECEIPT})
        assert RECEIPT in (await answer.json())["replies"][0]["text"]
        question = {"session": SESSION, "text": "làm giấy khai sinh cần gì"}
        assert (await client.post("/api/chat", json=question)).status == 200
    # Embedded SQLite writes behind; PostgreSQL (replicas) writes through at once.
    embedded = db_services.settings.database_url().startswith("sqlite")
    assert isinstance(db_services.store, WriteBehindStore) == embedded
    if isinstance(db_services.store, WriteBehindStore):
        await db_services.store.flush()
    saved = await SqlConversationStore(db_services.sessions).load("web", SESSION)
    assert saved is not None and json.loads(saved)["last_procedure"]
