"""Whether the configured database can be used, asked before a command touches it.

A database that is missing, not initialised, older or newer than this release, or unreachable
is a state an operator must hear about in one line, not a traceback from the first query.
Asking never creates anything: SQLite would make an empty file on the first connection.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from mailbot.store import db

CONNECT_SECONDS = 10

State = Literal["ready", "missing", "empty", "behind", "ahead", "unreachable"]


@dataclass(frozen=True)
class Readiness:
    """What a look at the database found; `detail` is the driver's reason when unreachable."""

    state: State
    detail: str = ""

    @property
    def ready(self) -> bool:
        return self.state == "ready"


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL; None for another database or one in memory."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def check(url: str, engine: Engine) -> Readiness:
    """Look at the database at `url` through `engine` (from `command_engine`), changing
    nothing."""
    path = sqlite_file(url)
    if path is not None and not path.exists():
        return Readiness("missing", str(path))
    try:
        return _schema(engine)
    except DBAPIError as error:
        return Readiness("unreachable", reason(error))


def command_engine(url: str) -> Engine:
    """An engine for a command: it gives up on a server that does not answer within
    CONNECT_SECONDS, so a monitor's `mailbot status` is not left waiting on a host that drops
    its packets. Making it connects to nothing (a missing SQLite file stays missing)."""
    if make_url(url).get_backend_name() == "postgresql":
        return create_engine(url, connect_args={"connect_timeout": CONNECT_SECONDS},
                             hide_parameters=True)
    return db.make_engine(url)


def reason(error: DBAPIError) -> str:
    """The first line of the driver's message (it names host and port, never a password)."""
    lines = str(error.orig).strip().splitlines() or [type(error.orig).__name__]
    return lines[0][:200]


def _schema(engine: Engine) -> Readiness:
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    if not current:
        return Readiness("empty")
    if current == _heads():
        return Readiness("ready")
    return Readiness("behind" if current <= _known() else "ahead")


@cache
def _heads() -> frozenset[str]:
    return frozenset(_scripts().get_heads())


@cache
def _known() -> frozenset[str]:
    return frozenset(script.revision for script in _scripts().walk_revisions())


def _scripts() -> ScriptDirectory:
    return ScriptDirectory(str(db.MIGRATIONS))
