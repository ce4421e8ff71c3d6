"""Alembic environment: the engine comes from mailbot.store.db, never from an ini file."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import mailbot.store.models  # noqa: F401  (registers the tables on SQLModel.metadata)

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
