"""half-year rounds: the round and the invitations and reminders sent in it

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "round",
        sa.Column("period", sa.String(), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("opened_by", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("period"),
    )
    op.create_table(
        "roundmail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("step", sa.String(), nullable=False),
        sa.Column("recipient", sa.String(), nullable=False),
        sa.Column("message_id", sa.String(), nullable=False),
        sa.Column("reply_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.ForeignKeyConstraint(["period"], ["round.period"]),
        sa.ForeignKeyConstraint(["reply_id"], ["reply.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id"),
    )
    with op.batch_alter_table("roundmail", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_roundmail_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_roundmail_period"), ["period"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("roundmail", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_roundmail_period"))
        batch_op.drop_index(batch_op.f("ix_roundmail_organisation_id"))

    op.drop_table("roundmail")
    op.drop_table("round")
