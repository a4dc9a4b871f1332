"""The one-stop table pre-counted per agency and local day and month (storage.one_stop_tally):
each dossier's facts beside it, the tally, its time zone, the index of the dossiers the report
counts from their rows and the covering one of the tallied open ones (this month's "in progress
now"); built here for the dossiers already stored.

The zone is ``MOTCUA_CALENDAR__TIMEZONE`` when set, else Asia/Ho_Chi_Minh (bot.toml's default);
a report in another zone is counted from the rows (right, only slower).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from alembic import op

from storage import one_stop_tally

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_UNTALLIED = sa.text("one_stop_facts IS NULL")
_OPEN_TALLIED = sa.text(
    "resolved_at IS NULL AND status <> 'withdrawn' AND one_stop_facts IS NOT NULL"
)


def upgrade() -> None:
    op.add_column("dossiers", sa.Column("one_stop_facts", sa.Text(), nullable=True))
    op.create_table(
        "one_stop_tally",
        sa.Column("grain", sa.String(length=1), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("agency", sa.String(length=301), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("grain", "kind", "start", "agency", name="pk_one_stop_tally"),
    )
    op.create_table(
        "one_stop_tally_zone",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_one_stop_tally_zone"),
    )
    bind = op.get_bind()
    one_stop_tally.rebuild(bind, os.environ.get("MOTCUA_CALENDAR__TIMEZONE") or "Asia/Ho_Chi_Minh")
    op.create_index(
        "ix_dossiers_untallied_accepted_at",
        "dossiers",
        ["accepted_at"],
        postgresql_where=_UNTALLIED,
        sqlite_where=_UNTALLIED,
    )
    op.create_index(
        "ix_dossiers_open_tallied",
        "dossiers",
        ["accepted_at"],
        postgresql_include=["agency", "due_at", "status", "status_at", "apology_reason", "id"],
        postgresql_where=_OPEN_TALLIED,
        sqlite_where=_OPEN_TALLIED,
    )
    if bind.dialect.name == "postgresql":
        op.execute("ANALYZE dossiers")
        op.execute("ANALYZE one_stop_tally")


def downgrade() -> None:
    op.drop_index("ix_dossiers_open_tallied", table_name="dossiers")
    op.drop_index("ix_dossiers_untallied_accepted_at", table_name="dossiers")
    op.drop_table("one_stop_tally_zone")
    op.drop_table("one_stop_tally")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite drops a column in place (3.35+); a batch copy of the table would drop the
        # old one, and with it (foreign keys on) every status event, rating and subscription.
        op.execute("ALTER TABLE dossiers DROP COLUMN one_stop_facts")
    else:
        op.drop_column("dossiers", "one_stop_facts")
