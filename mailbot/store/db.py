"""The database: engine, sessions, and `init` (Alembic upgrade to the newest schema).

Why the statements every mail runs are prebuilt Core. The login lookup, the archive and outcome
writes, queueing a reply and storing answers run once or more for every message. They are built
once, at import, as Core statements over the tables (`table(Model)`) with bound parameters:
SQLAlchemy compiles each once and caches it, where an ORM query is compiled again per call, and
no model object is built and tracked by a unit of work where nothing reads it afterwards. Rarer
work (the CLI, rounds, reports) uses the ORM, which reads better. The throughput this keeps is
in bench/.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any, cast

from alembic import command
from alembic.config import Config
from pydantic_core import PydanticUndefined
from sqlalchemy import CursorResult, Engine, Insert, Table, event, insert
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, SQLModel, create_engine

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str) -> Engine:
    """An engine for the URL; SQLite gets WAL, foreign keys and a busy timeout.

    A database error never shows the statement's parameters (raw mail, secret hashes): it is
    logged and may be stored as a quarantine reason.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def alembic_config(engine: Engine) -> Config:
    """Alembic's config pointing at our migrations, bound to this engine."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def init(engine: Engine) -> None:
    """Create or upgrade the schema to the newest revision; running it again changes nothing."""
    command.upgrade(alembic_config(engine), "head")


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def table(model: type[SQLModel]) -> Table:
    """The Core table of a model, for the prebuilt statements (see the module's docstring)."""
    # SQLModel sets __table__ on every table=True model; its type information does not say so.
    found: Table = model.__table__  # type: ignore[attr-defined]
    return found


def insert_row(session: Session, row: Any) -> int:
    """Insert a new model object with one prebuilt Core INSERT, not the session's unit of work
    (for the rows every mail writes); sets and returns its id. The object stays out of the
    session, as stored: adding it later does not insert it again."""
    row.id = insert_values(session, type(row), _column_values(row))
    make_transient_to_detached(row)
    return int(row.id)


def insert_values(session: Session, model: type[SQLModel], values: dict[str, Any]) -> int:
    """Insert one row of `model` from its column values (the model's defaults for the rest)
    with one prebuilt Core INSERT, building no model object (for rows every mail writes, where
    building one costs more than the statement); returns its id."""
    statement, _ = _insert_of(model)
    result = cast(CursorResult[Any], session.execute(statement, full_row(model, values)))
    key = result.inserted_primary_key
    assert key is not None  # an INSERT of one row has one
    return int(key[0])


def insert_rows(session: Session, rows: Sequence[SQLModel], unique: str) -> None:
    """Insert new objects of one model as `insert_row` does, in one statement where the
    database allows (a multi-row INSERT ... RETURNING); sets their ids. `unique` names a
    column whose values differ between the rows: SQLite does not return the ids in order."""
    if not rows:
        return
    model: type[SQLModel] = type(rows[0])
    statement, _ = _insert_of(model)
    values = [_column_values(row) for row in rows]
    returned = session.execute(_returning(statement, unique), values).all()
    ids = {key: row_id for row_id, key in returned}
    for row in rows:
        row.id = ids[getattr(row, unique)]
        make_transient_to_detached(row)


@cache
def _insert_of(model: type[SQLModel]) -> tuple[Insert, tuple[str, ...]]:
    columns = table(model).columns
    return insert(table(model)), tuple(column.key for column in columns if column.key != "id")


def _column_values(row: SQLModel) -> dict[str, Any]:
    model: type[SQLModel] = type(row)
    _, columns = _insert_of(model)
    return {name: getattr(row, name) for name in columns}


def full_row(model: type[SQLModel], values: dict[str, Any]) -> dict[str, Any]:
    """`values` completed with the model's defaults, as building an object would fill them in."""
    return {**_defaults_of(model), **values}


@cache
def _defaults_of(model: type[SQLModel]) -> dict[str, Any]:
    return {name: field.default for name, field in model.model_fields.items()
            if name != "id" and field.default is not PydanticUndefined}


@cache
def _returning(statement: Insert, unique: str) -> Insert:
    return statement.returning(statement.table.c.id, statement.table.c[unique])
