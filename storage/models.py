"""The SQLModel tables (one alembic revision per schema change; see storage/migrations)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow

# Named constraints keep alembic migrations portable between SQLite (batch mode) and PostgreSQL.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

OUTBOX_STATUSES = ("pending", "sending", "sent", "failed", "cancelled")
UNRESOLVED = "resolved_at IS NULL"


def _fk(target: str, *, nullable: bool = False) -> Column[int]:
    return Column(Integer, ForeignKey(target, ondelete="CASCADE"), nullable=nullable)


class Dossier(SQLModel, table=True):
    """One dossier (hồ sơ) received at the one-stop shop, keyed by its canonical receipt code."""

    __tablename__ = "dossiers"
    __table_args__ = (
        # The overdue scan: statuses whose clock runs, due time passed (an index range).
        Index("ix_dossiers_status_due_at", "status", "due_at"),
        # The same for one agency: the due list of an officer bound to it.
        Index("ix_dossiers_agency_status_due_at", "agency", "status", "due_at"),
        Index("ix_dossiers_applicant_phone", "applicant_phone"),
        # The period report: dossiers accepted before the period's end.
        Index("ix_dossiers_accepted_at", "accepted_at"),
        # The period report: resolved since the period began (and, index-only, the on-time
        # share by month: resolved_at against due_at).
        Index("ix_dossiers_resolved_at", "resolved_at", "accepted_at", "due_at"),
        # The period report: accepted earlier, never resolved and not withdrawn (open ones).
        Index(
            "ix_dossiers_unresolved_accepted_at",
            "accepted_at",
            postgresql_where=text("resolved_at IS NULL AND status <> 'withdrawn'"),
            sqlite_where=text("resolved_at IS NULL AND status <> 'withdrawn'"),
        ),
        # Since when a dossier is in its status: withdrawn in a period, results left waiting.
        Index("ix_dossiers_status_status_at", "status", "status_at"),
        # This month's report: the open dossiers whose due time or status came since the start
        # of today (what is in progress now is the tally's then, moved by these).
        Index(
            "ix_dossiers_unresolved_due_at",
            "due_at",
            postgresql_where=text(UNRESOLVED),
            sqlite_where=text(UNRESOLVED),
        ),
        Index(
            "ix_dossiers_unresolved_status_at",
            "status_at",
            postgresql_where=text(UNRESOLVED),
            sqlite_where=text(UNRESOLVED),
        ),
        # The period report: the few dossiers it counts from their rows (no facts tallied).
        Index(
            "ix_dossiers_untallied_accepted_at",
            "accepted_at",
            postgresql_where=text("one_stop_facts IS NULL"),
            sqlite_where=text("one_stop_facts IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    receipt_code: str = Field(sa_type=String(64), unique=True)
    procedure_code: str | None = Field(default=None, sa_type=String(32))
    procedure_name: str | None = Field(default=None, sa_type=Text)
    applicant_name: str | None = Field(default=None, sa_type=String(200))
    applicant_phone: str | None = Field(default=None, sa_type=String(16))
    received_at: datetime = Field(sa_type=UTCDateTime)
    # The clock (handlers.dossiers.clock), recomputed from the history on every status change:
    # due_at is the due time every rule uses; base_due_at the one given on import (the
    # receipt's, for an uninterrupted clock); accepted_at when the clock started (None while
    # registered); clock_stopped_at when the current stop began; resolved_at when a result or
    # refusal was handed down.
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    base_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    clock_stopped_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: str = Field(sa_type=String(32))
    status_at: datetime = Field(sa_type=UTCDateTime)
    submitted_via: str | None = Field(default=None, sa_type=String(16))
    agency: str | None = Field(default=None, sa_type=String(300))
    note: str | None = Field(default=None, sa_type=Text)
    apology_reason: str | None = Field(default=None, sa_type=Text)
    new_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # What the dossier adds to the one-stop tally (storage.one_stop_tally), as JSON; None:
    # counted from its row by the report.
    one_stop_facts: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class StatusEvent(SQLModel, table=True):
    """A status a dossier reached; (dossier, status, at) is unique so replays add nothing."""

    __tablename__ = "status_events"
    __table_args__ = (
        UniqueConstraint("dossier_id", "status", "at", name="uq_status_events_dossier_status_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    dossier_id: int = Field(sa_column=_fk("dossiers.id"))
    status: str = Field(sa_type=String(32))
    at: datetime = Field(sa_type=UTCDateTime)
    note: str | None = Field(default=None, sa_type=Text)
    apology_reason: str | None = Field(default=None, sa_type=Text)
    new_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Conversation(SQLModel, table=True):
    """The core's conversation state (JSON text) per (channel, user)."""

    __tablename__ = "conversations"

    channel: str = Field(sa_type=String(16), primary_key=True)
    user_id: str = Field(sa_type=String(64), primary_key=True)
    state: str = Field(sa_type=Text)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Subscription(SQLModel, table=True):
    """A chat that receives a dossier's notifications; ended rows are kept for the record."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        UniqueConstraint("dossier_id", "channel", "user_id", name="uq_subscriptions_dossier_user"),
        Index("ix_subscriptions_channel_user_id", "channel", "user_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    dossier_id: int = Field(sa_column=_fk("dossiers.id"))
    channel: str = Field(sa_type=String(16))
    user_id: str = Field(sa_type=String(64))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    end_reason: str | None = Field(default=None, sa_type=String(64))


class Contact(SQLModel, table=True):
    """A phone number a user shared with the bot (e.g. Zalo user_submit_info), normalised."""

    __tablename__ = "contacts"
    __table_args__ = (Index("ix_contacts_phone", "phone"),)

    channel: str = Field(sa_type=String(16), primary_key=True)
    user_id: str = Field(sa_type=String(64), primary_key=True)
    phone: str = Field(sa_type=String(16))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class OutboxMessage(SQLModel, table=True):
    """A message to push; the unique key "dossier:rule:occurrence:recipient" sends it once."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_outbox_dossier_id", "dossier_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(sa_type=String(255), unique=True)
    dossier_id: int | None = Field(default=None, sa_column=_fk("dossiers.id", nullable=True))
    rule: str = Field(sa_type=String(32))
    channel: str = Field(sa_type=String(16))
    recipient: str = Field(sa_type=String(64))
    body: str = Field(sa_type=Text)
    # The notice's facts as JSON (receipt code, status, dates, rule, occurrence): senders
    # render cards and templates from them, never from the text.
    facts: str | None = Field(default=None, sa_type=Text)
    status: str = Field(default="pending", sa_type=String(16))
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    claimed_by: str | None = Field(default=None, sa_type=String(64))
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Rating(SQLModel, table=True):
    """A citizen's satisfaction answer after a dossier was returned; one per user and dossier."""

    __tablename__ = "ratings"
    __table_args__ = (
        UniqueConstraint("dossier_id", "channel", "user_id", name="uq_ratings_dossier_user"),
        Index("ix_ratings_created_at", "created_at"),  # the satisfaction table of a period
    )

    id: int | None = Field(default=None, primary_key=True)
    dossier_id: int = Field(sa_column=_fk("dossiers.id"))
    channel: str = Field(sa_type=String(16))
    user_id: str = Field(sa_type=String(64))
    value: int
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ZaloToken(SQLModel, table=True):
    """The current Zalo OA token pair (a single row, id 1); version guards concurrent refresh."""

    __tablename__ = "zalo_tokens"

    id: int | None = Field(default=None, primary_key=True)
    access_token: str = Field(sa_type=Text)
    refresh_token: str = Field(sa_type=Text)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    version: int = Field(default=0)


class WebhookEvent(SQLModel, table=True):
    """Keys of webhook deliveries already handled, so a retried delivery is ignored."""

    __tablename__ = "webhook_events"
    __table_args__ = (Index("ix_webhook_events_received_at", "received_at"),)

    key: str = Field(sa_type=String(255), primary_key=True)
    source: str = Field(sa_type=String(32))
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class UsageEvent(SQLModel, table=True):
    """One thing the assistant did (a question answered, a lookup...), for the period report.

    Deliberately anonymous: no user id, no message text, nothing that points at a person.
    """

    __tablename__ = "usage_events"
    __table_args__ = (Index("ix_usage_events_at_kind", "at", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    channel: str = Field(sa_type=String(16))
    kind: str = Field(sa_type=String(32))
    procedure_code: str | None = Field(default=None, sa_type=String(32))
