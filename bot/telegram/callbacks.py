"""Short ids for button payloads longer than Telegram's 64 bytes of ``callback_data``.

One store per deployment (storage.callback_store): Redis (with a TTL) when ``[redis] url`` is
set, so a button rendered by one replica is understood by another; memory (bounded) otherwise.
Every payload the core makes fits (handlers.payloads keeps it so): this is the safety net for
one that does not.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Protocol

from storage.callback_store import MemoryCallbackStore, RedisCallbackStore, callback_store

__all__ = ["CallbackIds", "CallbackStore", "MemoryCallbackStore", "RedisCallbackStore"]
__all__ += ["callback_store"]

CALLBACK_LIMIT = 64  # bytes of callback_data
SHORT_PREFIX = "~"  # never the first character of a payload (handlers.payloads.well_formed)


class CallbackStore(Protocol):
    async def put(self, short: str, payload: str) -> None: ...

    async def get(self, short: str) -> str | None: ...

    async def aclose(self) -> None: ...


class CallbackIds:
    """Payload ↔ ``callback_data``: a payload that fits is sent as it is; a longer one as a
    short id (a hash of it, so the same payload always gets the same id) kept in the store."""

    def __init__(self, store: CallbackStore | None = None) -> None:
        self.store: CallbackStore = store if store is not None else MemoryCallbackStore()

    async def encode(self, payload: str) -> str:
        if len(payload.encode()) <= CALLBACK_LIMIT and not payload.startswith(SHORT_PREFIX):
            return payload
        digest = hashlib.sha256(payload.encode()).digest()[:18]
        short = SHORT_PREFIX + base64.urlsafe_b64encode(digest).decode()
        await self.store.put(short, payload)
        return short

    async def decode(self, data: str) -> str | None:
        """The payload behind ``data``; None when it is a short id no longer known."""
        if not data.startswith(SHORT_PREFIX):
            return data
        return await self.store.get(data)

    async def aclose(self) -> None:
        await self.store.aclose()
