"""What every command needs: the database session, the clock, failing with exit code 1 (the
admin's mistake) or 2 (a database that cannot be used)."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, NoReturn, TextIO
from zoneinfo import ZoneInfo

import typer
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from mailbot.admin import readiness
from mailbot.cli import controls
from mailbot.config import Settings
from mailbot.dates import localtime
from mailbot.dates.clock import SystemClock
from mailbot.dates.periods import Period
from mailbot.login.addresses import AddressError
from mailbot.outbound import outbox
from mailbot.store import db, orgs


def group(help_text: str, **options: Any) -> typer.Typer:
    """A Typer app for the CLI or one of its command groups.

    A crash never prints the values of local variables (settings, a secret being set): older
    Typer releases did so by default, and an admin may paste the traceback anywhere.
    """
    return typer.Typer(help=help_text, no_args_is_help=True, pretty_exceptions_show_locals=False,
                       **options)


def echo(line: str, err: bool = False) -> None:
    """Print one line for the admin; control characters in it (from a mail) are shown as
    escapes, never sent to the terminal."""
    typer.echo(controls.escape(line), err=err)


def fail(message: str) -> None:
    """Tell the admin what is wrong (in Dutch) and exit with code 1."""
    echo(f"Fout: {message}", err=True)
    raise typer.Exit(1)


UNUSABLE = 2  # the exit code of a command whose database cannot be used

_UNUSABLE = {
    "missing": "de database {detail} bestaat niet; maak hem aan met: mailbot init",
    "empty": "de database is nog niet ingericht; richt hem in met: mailbot init",
    "behind": "de database hoort bij een oudere versie van mailbot; werk hem bij met: "
              "mailbot init",
    "ahead": "de database hoort bij een nieuwere versie van mailbot dan deze; installeer die",
    "unreachable": "de database is niet bereikbaar ({detail})",
}


def unusable(found: readiness.Readiness) -> str:
    """What the admin must hear about a database that cannot be used, in one Dutch line."""
    return _UNUSABLE[found.state].format(detail=found.detail)


def unreachable(error: OperationalError) -> str:
    """The line for a database lost while a command ran, or that `init` could not reach."""
    return _UNUSABLE["unreachable"].format(detail=readiness.reason(error))


def fail_unusable(line: str, *, to_monitor: bool = False) -> NoReturn:
    """Say why the database cannot be used and exit with code 2; for a monitor (`status`) on
    standard output, where it reads the state, else as an error."""
    echo(f"AANDACHT: {line}" if to_monitor else f"Fout: {line}", err=not to_monitor)
    raise typer.Exit(UNUSABLE)


def ready_engine(*, to_monitor: bool = False) -> Engine:
    """An engine on the configured database once it is there, initialised and reachable."""
    url = Settings().database_url
    engine = readiness.command_engine(url)
    found = readiness.check(url, engine)
    if not found.ready:
        engine.dispose()
        fail_unusable(unusable(found), to_monitor=to_monitor)
    return engine


@contextmanager
def session(*, to_monitor: bool = False) -> Iterator[Session]:
    """A committed-on-success session on the configured database; admin errors exit 1, a
    database that cannot be used (or is lost halfway) exits 2."""
    engine = ready_engine(to_monitor=to_monitor)
    try:
        with db.session_scope(engine) as opened:
            yield opened
    except (orgs.AdminError, AddressError) as exc:
        fail(str(exc))
    except OperationalError as error:
        fail_unusable(unreachable(error), to_monitor=to_monitor)
    finally:
        engine.dispose()


def now() -> datetime:
    """The current time (commands run on the real clock)."""
    return SystemClock().now()


def zone() -> ZoneInfo:
    """The zone the admin reads times in (`MAILBOT_TIMEZONE`)."""
    return localtime.zone_of(Settings())


def when(moment: datetime, *, seconds: bool = False) -> str:
    """A stored moment as the admin reads it: `06-12-2026 10:23` in the configured zone."""
    return localtime.shown(moment, zone(), seconds=seconds)


def flush(settings: Settings) -> None:
    """Try to send what the command queued; the daemon retries whatever could not go now."""
    engine = db.make_engine(settings.database_url)
    report = outbox.flush(engine, settings, now(), SystemClock())
    engine.dispose()
    if report.deferred:
        echo(f"Let op: {report.deferred} e-mail(s) wachten in de uitgaande post", err=True)


def period(text: str) -> Period:
    """A period as the admin typed it, or exit 1 with an explanation."""
    try:
        return Period.parse(text)
    except ValueError:
        fail(f"onbekende periode {text!r}; schrijf bijvoorbeeld 2026-H1")
        raise


class EscapingFormatter(logging.Formatter):
    """Log lines in which text from a mail cannot start a line of its own or steer a terminal:
    the message is one line, a traceback keeps its own line breaks only."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return controls.escape(super().formatMessage(record))

    def formatException(self, ei: Any) -> str:
        return _escape_lines(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return _escape_lines(super().formatStack(stack_info))


class SaidOnce(logging.Filter):
    """A warning that repeats is said once: the same warning from the same logger is dropped
    until that logger says something else (SMTP down for an hour is one line, not one per
    outbox pass; when it is back and fails again, that is said again)."""

    def __init__(self) -> None:
        super().__init__()
        self._last: dict[str, object] = {}  # per logger: the template of its last line

    def filter(self, record: logging.LogRecord) -> bool:
        repeated = record.levelno == logging.WARNING and self._last.get(record.name) == record.msg
        self._last[record.name] = record.msg
        return not repeated


def _escape_lines(text: str) -> str:
    return "\n".join(controls.escape(line) for line in text.split("\n"))


def shell_word(text: str) -> str:
    """`text` as the admin would type it as one argument: quoted unless it is one plain word."""
    return text if text.replace("-", "").isalnum() else f'"{text}"'


def configure_logging(stream: TextIO) -> None:
    """Plain lines on one stream; under systemd, journald adds the time itself.

    mailbot says what it did (INFO); a library only what went wrong (WARNING and up): Alembic
    tells of every connection it looks at, APScheduler of every job it runs, aiosmtpd of every
    SMTP command, and none of that is news on a normal run."""
    stamp = "" if os.environ.get("JOURNAL_STREAM") else "%(asctime)s "
    handler = logging.StreamHandler(stream)
    handler.setFormatter(EscapingFormatter(f"{stamp}%(levelname)s %(name)s %(message)s"))
    handler.addFilter(SaidOnce())
    logging.basicConfig(level=logging.WARNING, handlers=[handler], force=True)
    logging.getLogger("mailbot").setLevel(logging.INFO)
