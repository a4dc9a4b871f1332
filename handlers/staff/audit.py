"""The audit trail: who did what to which record, with the values before and after."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage import staff_repo
from storage.engine import Session
from storage.staff_models import AuditEntry

ROLE_RANK = {"viewer": 0, "officer": 1, "admin": 2}
ROLES = tuple(ROLE_RANK)
CLI_ACTOR = "cli"  # changes made with ``motcua staff ...`` on the server itself


@dataclass(frozen=True, slots=True)
class Actor:
    """The signed-in person (or the command line) a use case acts for."""

    id: int | None
    username: str
    role: str
    agency: str | None = None  # an officer bound to one agency sees only its dossiers

    def can(self, role: str) -> bool:
        """Roles nest: an admin may do what an officer may, an officer what a viewer may."""
        return ROLE_RANK.get(self.role, -1) >= ROLE_RANK[role]


COMMAND_LINE = Actor(None, CLI_ACTOR, "admin")


class Forbidden(Exception):
    """The actor's role or agency does not allow this."""


class NotFound(Exception):
    """No such record (or none the actor may see)."""


class Refused(Exception):
    """A request that breaks a rule; ``reason`` is a key of the staff texts."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _json(values: Mapping[str, Any] | None) -> str | None:
    if values is None:
        return None
    return json.dumps(values, ensure_ascii=False, sort_keys=True, default=str)


async def record(
    session: Session,
    actor: Actor,
    action: str,
    target_kind: str,
    target: str,
    *,
    at: datetime,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> None:
    """Adds one audit row in the caller's transaction (it commits with the change itself)."""
    await staff_repo.add_audit(
        session,
        AuditEntry(
            at=at,
            actor_id=actor.id,
            actor=actor.username,
            action=action,
            target_kind=target_kind,
            target=target[:128],
            before=_json(before),
            after=_json(after),
        ),
    )


def decode(raw: str | None) -> dict[str, Any]:
    """An audit row's before/after back to a dict (empty when there was none)."""
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
