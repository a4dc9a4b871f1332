"""Indexes for the staff console at a million dossiers: an agency's due list, the period report
(resolved since a date, open ones accepted earlier, withdrawn since a date), the on-time share by
month (index-only), the satisfaction table of a period, and the hand-off lists.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_OPEN = sa.text("resolved_at IS NULL AND status <> 'withdrawn'")


def upgrade() -> None:
    op.create_index("ix_dossiers_agency_status_due_at", "dossiers", ["agency", "status", "due_at"])
    op.create_index(
        "ix_dossiers_resolved_at", "dossiers", ["resolved_at", "accepted_at", "due_at"]
    )
    op.create_index(
        "ix_dossiers_unresolved_accepted_at",
        "dossiers",
        ["accepted_at"],
        postgresql_where=_OPEN,
        sqlite_where=_OPEN,
    )
    op.create_index("ix_dossiers_status_status_at", "dossiers", ["status", "status_at"])
    op.create_index("ix_ratings_created_at", "ratings", ["created_at"])
    op.create_index(
        "ix_handoff_tickets_status_last_citizen_at",
        "handoff_tickets",
        ["status", "last_citizen_at"],
    )
    op.create_index(
        "ix_handoff_tickets_status_closed_at", "handoff_tickets", ["status", "closed_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_handoff_tickets_status_closed_at", table_name="handoff_tickets")
    op.drop_index("ix_handoff_tickets_status_last_citizen_at", table_name="handoff_tickets")
    op.drop_index("ix_ratings_created_at", table_name="ratings")
    op.drop_index("ix_dossiers_status_status_at", table_name="dossiers")
    op.drop_index("ix_dossiers_unresolved_accepted_at", table_name="dossiers")
    op.drop_index("ix_dossiers_resolved_at", table_name="dossiers")
    op.drop_index("ix_dossiers_agency_status_due_at", table_name="dossiers")
