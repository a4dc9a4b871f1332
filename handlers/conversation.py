"""Per-user conversation state and the port that stores it, keyed by (channel, user_id)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Protocol


@dataclass
class ConversationState:
    """What the core remembers between two messages of one user."""

    last_procedure: str | None = None  # code of the procedure the user last asked about
    pending: str | None = None  # what the next message answers, e.g. "choose_procedure"
    pending_data: dict[str, str] = field(default_factory=dict)
    choices: list[str] = field(default_factory=list)  # payloads offered as numbered choices
    handoff: dict[str, str] = field(default_factory=dict)  # the hand-off desk's (helpdesk/)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str | None) -> ConversationState:
        if not raw:
            return cls()
        try:
            data = json.loads(raw)
        except ValueError:
            return cls()
        if not isinstance(data, dict):
            return cls()
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        try:
            return cls(**known)
        except TypeError:
            return cls()


class ConversationStore(Protocol):
    """Loads and saves the state as JSON text; storage/ provides the SQL implementation."""

    async def load(self, channel: str, user_id: str) -> str | None: ...

    async def save(self, channel: str, user_id: str, state: str) -> None: ...

    async def forget(self, channel: str, user_id: str) -> None: ...


class MemoryConversationStore:
    """A store for tests and the terminal chat."""

    def __init__(self) -> None:
        self._states: dict[tuple[str, str], str] = {}

    async def load(self, channel: str, user_id: str) -> str | None:
        return self._states.get((channel, user_id))

    async def save(self, channel: str, user_id: str, state: str) -> None:
        self._states[(channel, user_id)] = state

    async def forget(self, channel: str, user_id: str) -> None:
        self._states.pop((channel, user_id), None)
