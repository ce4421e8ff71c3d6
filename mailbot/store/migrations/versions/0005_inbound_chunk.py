"""inbound_chunk: the raw bytes of a large message in pieces, and inbound.chunked to say so

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbound", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("chunked", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "inbound_chunk",
        sa.Column("inbound_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["inbound_id"], ["inbound.id"]),
        sa.PrimaryKeyConstraint("inbound_id", "seq"),
    )


def downgrade() -> None:
    op.drop_table("inbound_chunk")
    with op.batch_alter_table("inbound", schema=None) as batch_op:
        batch_op.drop_column("chunked")
