"""lockout: locks an admin can list and lift; refusal: strangers' refused logins, to throttle them

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lockout",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("since", sa.DateTime(), nullable=False),
        sa.Column("until", sa.DateTime(), nullable=False),
        sa.Column("lifted_at", sa.DateTime(), nullable=True),
        sa.Column("lifted_by", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("lockout", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_lockout_organisation_id"), ["organisation_id"], unique=False
        )
    op.create_table(
        "refusal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("sender", sa.String(), nullable=False),
        sa.Column("domain", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("refusal", schema=None) as batch_op:
        batch_op.create_index("ix_refusal_sender_at", ["sender", "at"], unique=False)
        batch_op.create_index("ix_refusal_domain_at", ["domain", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("refusal", schema=None) as batch_op:
        batch_op.drop_index("ix_refusal_domain_at")
        batch_op.drop_index("ix_refusal_sender_at")
    op.drop_table("refusal")
    with op.batch_alter_table("lockout", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lockout_organisation_id"))
    op.drop_table("lockout")
