"""This month's report without reading every open dossier: what is in progress now is the
tally's at the start of today, moved by the dossiers whose standing changed since; two small
partial indexes find the open ones whose due time or status came since then (the accepted and
resolved ones have theirs). The covering index of the tallied open ones that the report read
instead goes.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_UNRESOLVED = sa.text("resolved_at IS NULL")
_OPEN_TALLIED = sa.text(
    "resolved_at IS NULL AND status <> 'withdrawn' AND one_stop_facts IS NOT NULL"
)


def upgrade() -> None:
    for column in ("due_at", "status_at"):
        op.create_index(
            f"ix_dossiers_unresolved_{column}",
            "dossiers",
            [column],
            postgresql_where=_UNRESOLVED,
            sqlite_where=_UNRESOLVED,
        )
    op.drop_index("ix_dossiers_open_tallied", table_name="dossiers")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ANALYZE dossiers")


def downgrade() -> None:
    op.create_index(
        "ix_dossiers_open_tallied",
        "dossiers",
        ["accepted_at"],
        postgresql_include=["agency", "due_at", "status", "status_at", "apology_reason", "id"],
        postgresql_where=_OPEN_TALLIED,
        sqlite_where=_OPEN_TALLIED,
    )
    op.drop_index("ix_dossiers_unresolved_status_at", table_name="dossiers")
    op.drop_index("ix_dossiers_unresolved_due_at", table_name="dossiers")
