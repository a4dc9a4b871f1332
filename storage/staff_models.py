"""Tables of the staff console: accounts, sessions, the audit trail, hand-off tickets, the
questions the assistant could not answer, the phrases staff taught it, the web chat's inbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Text
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow

ROLES = ("viewer", "officer", "admin")
TICKET_STATUSES = ("open", "answered", "closed")
QUESTION_STATUSES = ("new", "linked", "dismissed")
PHRASE_STATUSES = ("proposed", "approved", "rejected")


def _fk(target: str) -> Column[int]:
    return Column(Integer, ForeignKey(target, ondelete="CASCADE"), nullable=False)


class StaffAccount(SQLModel, table=True):
    """One person at the one-stop desk; never deleted (the audit names them), only disabled."""

    __tablename__ = "staff_accounts"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(sa_type=String(64), unique=True)
    password_hash: str = Field(sa_type=String(255))
    role: str = Field(sa_type=String(16))
    agency: str | None = Field(default=None, sa_type=String(300))  # None: every agency
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    password_changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class StaffSession(SQLModel, table=True):
    """A signed-in browser. Only the SHA-256 of its cookie token is kept."""

    __tablename__ = "staff_sessions"
    __table_args__ = (Index("ix_staff_sessions_account_id", "account_id"),)

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(sa_type=String(64), unique=True)
    account_id: int = Field(sa_column=_fk("staff_accounts.id"))
    csrf: str = Field(sa_type=String(64))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AuditEntry(SQLModel, table=True):
    """Who changed what, when, from what to what. Rows are only ever added (a trigger refuses
    UPDATE)."""

    __tablename__ = "staff_audit"
    __table_args__ = (
        Index("ix_staff_audit_at", "at"),
        Index("ix_staff_audit_target_kind_target", "target_kind", "target"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor_id: int | None = Field(default=None)  # None: the command line
    actor: str = Field(sa_type=String(64))
    action: str = Field(sa_type=String(48))
    target_kind: str = Field(sa_type=String(32))
    target: str = Field(sa_type=String(128))
    before: str | None = Field(default=None, sa_type=Text)  # JSON
    after: str | None = Field(default=None, sa_type=Text)  # JSON


class HandoffTicket(SQLModel, table=True):
    """A citizen asked for a person; officers answer through the citizen's own channel."""

    __tablename__ = "handoff_tickets"
    __table_args__ = (
        Index("ix_handoff_tickets_status_updated_at", "status", "updated_at"),
        Index("ix_handoff_tickets_channel_user_id", "channel", "user_id"),
        # The console's lists: open ones by the citizen's wait, closed ones by closing.
        Index("ix_handoff_tickets_status_last_citizen_at", "status", "last_citizen_at"),
        Index("ix_handoff_tickets_status_closed_at", "status", "closed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_type=String(16), unique=True)
    channel: str = Field(sa_type=String(16))
    user_id: str = Field(sa_type=String(64))
    status: str = Field(default="open", sa_type=String(16))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_citizen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_by: str | None = Field(default=None, sa_type=String(64))
    close_note: str | None = Field(default=None, sa_type=Text)


class HandoffMessage(SQLModel, table=True):
    """One line of a ticket's conversation: the citizen's, the assistant's or an officer's."""

    __tablename__ = "handoff_messages"
    __table_args__ = (Index("ix_handoff_messages_ticket_id", "ticket_id"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(sa_column=_fk("handoff_tickets.id"))
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    author: str = Field(sa_type=String(16))  # citizen | assistant | officer
    staff: str | None = Field(default=None, sa_type=String(64))
    text: str = Field(sa_type=Text)


class UnansweredQuestion(SQLModel, table=True):
    """A question the assistant abstained on or answered with a choice, stored only after
    phone numbers, ID numbers, receipt codes and names were removed; one row per wording."""

    __tablename__ = "unanswered_questions"
    __table_args__ = (Index("ix_unanswered_questions_status_last_at", "status", "last_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(sa_type=String(255), unique=True)  # the folded text
    text: str = Field(sa_type=Text)
    kind: str = Field(sa_type=String(16))  # abstain | choice (the latest)
    count: int = Field(default=1)
    first_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    status: str = Field(default="new", sa_type=String(16))
    procedure_code: str | None = Field(default=None, sa_type=String(32))


class LearnedPhrase(SQLModel, table=True):
    """A phrase staff linked to a procedure; search uses it once an admin approved it."""

    __tablename__ = "learned_phrases"
    __table_args__ = (Index("ix_learned_phrases_status", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    phrase: str = Field(sa_type=String(255), unique=True)  # folded
    text: str = Field(sa_type=String(255))  # as the officer wrote it
    procedure_code: str = Field(sa_type=String(32))
    question_id: int | None = Field(default=None)
    status: str = Field(default="proposed", sa_type=String(16))
    proposed_by: str = Field(sa_type=String(64))
    proposed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_by: str | None = Field(default=None, sa_type=String(64))
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WebInboxMessage(SQLModel, table=True):
    """A message pushed to a web chat session; the page fetches what it has not shown yet."""

    __tablename__ = "web_inbox"
    __table_args__ = (Index("ix_web_inbox_session_id", "session", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    session: str = Field(sa_type=String(64))
    body: str = Field(sa_type=Text)  # JSON {"text", "buttons"}, as the outbox holds it
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
