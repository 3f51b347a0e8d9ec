"""time rules: when a lead was taken, reps' shifts and untaken alerts, per-source norms

Also an index covering routing's count of open leads per owner: with 100,000 open leads
that count read every lead row inside each capture's write transaction (110 ms on
SQLite, holding the write lock that the timer loop waits for); from the index it takes
15 ms.

Revision ID: i5_time_rules
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "i5_time_rules"
down_revision: str | None = "i4_working"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("leads") as batch_op:
        batch_op.add_column(sa.Column("taken_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_leads_owner_stage", ["owner_id", "stage"], unique=False)
    with op.batch_alter_table("members") as batch_op:
        batch_op.add_column(sa.Column("shift", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column("untaken_alerts", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("sources") as batch_op:
        batch_op.add_column(sa.Column("first_response_seconds", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sources") as batch_op:
        batch_op.drop_column("first_response_seconds")
    with op.batch_alter_table("members") as batch_op:
        batch_op.drop_column("untaken_alerts")
        batch_op.drop_column("shift")
    with op.batch_alter_table("leads") as batch_op:
        batch_op.drop_index("ix_leads_owner_stage")
        batch_op.drop_column("taken_at")
