"""team and distribution: find the leads given out since a moment quickly

`/team` shows each rep's figures for today from the leads assigned since midnight.

Revision ID: i3_team
Revises: 0001
"""

from collections.abc import Sequence

from alembic import op

revision: str = "i3_team"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.create_index("ix_leads_assigned_at", ["assigned_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index("ix_leads_assigned_at")
