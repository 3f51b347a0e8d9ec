"""working a lead: attempts, qualification, reminders, stages; prompts; what cards show

Revision ID: i4_working
Revises: 0001
Create Date: 2026-12-04 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "i4_working"
down_revision: str | None = "i6_analysis"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("criteria", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        batch_op.add_column(
            sa.Column("unanswered", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
        batch_op.add_column(sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("remind_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("next_step", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("stage_changed_at", sa.DateTime(timezone=True), nullable=True)
        )

    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("shown", sa.String(length=20), nullable=False, server_default="card")
        )

    op.create_table(
        "prompts",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("awaiting", sa.String(length=20), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"], name=op.f("fk_prompts_lead_id_leads")),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_prompts_member_id_members")
        ),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_prompts")),
    )


def downgrade() -> None:
    op.drop_table("prompts")
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.drop_column("shown")
    with op.batch_alter_table("leads", schema=None) as batch_op:
        for column in (
            "stage_changed_at",
            "next_step",
            "remind_at",
            "retry_at",
            "unanswered",
            "criteria",
        ):
            batch_op.drop_column(column)
