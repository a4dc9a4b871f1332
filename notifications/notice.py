"""A notice as data: the facts a rule found (what, about which dossier, which dates), the text
rendered from them, and when to send it. The outbox stores the facts beside the text so every
sender renders from data (a Zalo card's status and colour, a ZNS template) and never parses text.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from handlers.messages import Button

_DATES = ("received_at", "due_at", "new_due_at", "missed_due_at", "event_at")


@dataclass(frozen=True, slots=True)
class NoticeFacts:
    """What a notice says, as data. ``status`` is the status it reports (the event's for a
    status change, the dossier's current one otherwise); ``late`` that the clock's due date
    passed while it ran; ``missed_due_at`` the date an apology is for."""

    rule: str
    occurrence: str
    receipt_code: str
    procedure_name: str | None = None
    status: str | None = None
    late: bool = False
    received_at: datetime | None = None  # when the desk accepted it (the clock's start)
    due_at: datetime | None = None  # the clock's due date
    new_due_at: datetime | None = None  # the agency's new date, as recorded
    missed_due_at: datetime | None = None
    reason: str | None = None  # the agency's recorded reason (apology), as recorded
    note: str | None = None  # what the event says (what to supplement, why refused)
    event_at: datetime | None = None
    official_form: bool = False  # titled "Phiếu xin lỗi và hẹn lại ngày trả kết quả"

    def to_json(self) -> str:
        data = {k: v for k, v in asdict(self).items() if v not in (None, False)}
        for name in _DATES:
            if name in data:
                data[name] = data[name].isoformat()
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> NoticeFacts | None:
        """The facts stored with an outbox row; None for rows written without them."""
        if not text:
            return None
        data: dict[str, Any] = json.loads(text)
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        for name in _DATES:
            if isinstance(values.get(name), str):
                values[name] = datetime.fromisoformat(values[name])
        return cls(**values)


@dataclass(frozen=True, slots=True)
class Notice:
    """One message a rule wants sent to every recipient of a dossier, once per occurrence."""

    facts: NoticeFacts
    text: str
    buttons: tuple[Button, ...] = ()
    delay: timedelta = timedelta(0)
    # News from before a chat subscribed is not pushed to it (it saw the status when it did).
    after: datetime | None = None

    @property
    def rule(self) -> str:
        return self.facts.rule

    @property
    def occurrence(self) -> str:
        return self.facts.occurrence
