"""The dossier clock (base due, acceptance, stop, resolution) and the outbox's notice facts.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_CLOCK = ("base_due_at", "accepted_at", "clock_stopped_at", "resolved_at")


def upgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        for name in _CLOCK:
            batch.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))
    # Existing rows: the stored due date was the import's; accepted when received (a row
    # imported as code 1 was read as "received" before this revision).
    op.execute(
        "UPDATE dossiers SET base_due_at = due_at, accepted_at = received_at, resolved_at = "
        "CASE WHEN status IN ('result_ready', 'returned', 'rejected') THEN status_at END"
    )
    op.create_index("ix_dossiers_accepted_at", "dossiers", ["accepted_at"], unique=False)
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("facts", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("facts")
    op.drop_index("ix_dossiers_accepted_at", table_name="dossiers")
    with op.batch_alter_table("dossiers") as batch:
        for name in reversed(_CLOCK):
            batch.drop_column(name)
