"""Staff console: accounts, sessions, the audit trail (rows never updated), hand-off tickets,
unanswered questions, learned phrases and the web chat inbox.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


# The audit trail is history: a row, once written, is never changed.
_PG_NO_UPDATE = (
    """
CREATE FUNCTION staff_audit_no_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'staff_audit rows are never changed';
END $$
""",
    """
CREATE TRIGGER staff_audit_no_update BEFORE UPDATE ON staff_audit
    FOR EACH ROW EXECUTE FUNCTION staff_audit_no_update()
""",
)
_SQLITE_NO_UPDATE = """
CREATE TRIGGER staff_audit_no_update BEFORE UPDATE ON staff_audit
BEGIN
    SELECT RAISE(ABORT, 'staff_audit rows are never changed');
END
"""


def _refuse_audit_updates() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in _PG_NO_UPDATE:  # asyncpg runs one command per statement
            op.execute(statement)
    else:
        op.execute(_SQLITE_NO_UPDATE)


def upgrade() -> None:
    op.create_table(
        "handoff_tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_citizen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=64), nullable=True),
        sa.Column("close_note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handoff_tickets")),
        sa.UniqueConstraint("code", name=op.f("uq_handoff_tickets_code")),
    )
    op.create_index(
        "ix_handoff_tickets_channel_user_id",
        "handoff_tickets",
        ["channel", "user_id"],
        unique=False,
    )
    op.create_index(
        "ix_handoff_tickets_status_updated_at",
        "handoff_tickets",
        ["status", "updated_at"],
        unique=False,
    )

    op.create_table(
        "learned_phrases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phrase", sa.String(length=255), nullable=False),
        sa.Column("text", sa.String(length=255), nullable=False),
        sa.Column("procedure_code", sa.String(length=32), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("proposed_by", sa.String(length=64), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learned_phrases")),
        sa.UniqueConstraint("phrase", name=op.f("uq_learned_phrases_phrase")),
    )
    op.create_index("ix_learned_phrases_status", "learned_phrases", ["status"], unique=False)

    op.create_table(
        "staff_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("agency", sa.String(length=300), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_accounts")),
        sa.UniqueConstraint("username", name=op.f("uq_staff_accounts_username")),
    )
    op.create_table(
        "staff_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=48), nullable=False),
        sa.Column("target_kind", sa.String(length=32), nullable=False),
        sa.Column("target", sa.String(length=128), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_audit")),
    )
    op.create_index("ix_staff_audit_at", "staff_audit", ["at"], unique=False)
    op.create_index(
        "ix_staff_audit_target_kind_target", "staff_audit", ["target_kind", "target"], unique=False
    )

    op.create_table(
        "unanswered_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("procedure_code", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unanswered_questions")),
        sa.UniqueConstraint("key", name=op.f("uq_unanswered_questions_key")),
    )
    op.create_index(
        "ix_unanswered_questions_status_last_at",
        "unanswered_questions",
        ["status", "last_at"],
        unique=False,
    )

    op.create_table(
        "web_inbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_inbox")),
    )
    op.create_index("ix_web_inbox_session_id", "web_inbox", ["session", "id"], unique=False)

    op.create_table(
        "handoff_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author", sa.String(length=16), nullable=False),
        sa.Column("staff", sa.String(length=64), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["handoff_tickets.id"],
            name=op.f("fk_handoff_messages_ticket_id_handoff_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handoff_messages")),
    )
    op.create_index(
        "ix_handoff_messages_ticket_id", "handoff_messages", ["ticket_id"], unique=False
    )

    op.create_table(
        "staff_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["staff_accounts.id"],
            name=op.f("fk_staff_sessions_account_id_staff_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_staff_sessions_token_hash")),
    )
    op.create_index("ix_staff_sessions_account_id", "staff_sessions", ["account_id"], unique=False)
    _refuse_audit_updates()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS staff_audit_no_update ON staff_audit")
        op.execute("DROP FUNCTION IF EXISTS staff_audit_no_update()")
    op.drop_index("ix_staff_sessions_account_id", table_name="staff_sessions")

    op.drop_table("staff_sessions")
    op.drop_index("ix_handoff_messages_ticket_id", table_name="handoff_messages")

    op.drop_table("handoff_messages")
    op.drop_index("ix_web_inbox_session_id", table_name="web_inbox")

    op.drop_table("web_inbox")
    op.drop_index("ix_unanswered_questions_status_last_at", table_name="unanswered_questions")

    op.drop_table("unanswered_questions")
    op.drop_index("ix_staff_audit_target_kind_target", table_name="staff_audit")
    op.drop_index("ix_staff_audit_at", table_name="staff_audit")

    op.drop_table("staff_audit")
    op.drop_table("staff_accounts")
    op.drop_index("ix_learned_phrases_status", table_name="learned_phrases")

    op.drop_table("learned_phrases")
    op.drop_index("ix_handoff_tickets_status_updated_at", table_name="handoff_tickets")
    op.drop_index("ix_handoff_tickets_channel_user_id", table_name="handoff_tickets")

    op.drop_table("handoff_tickets")
