"""What every command needs: the database session, the clock, failing with exit code 1."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TextIO

import typer
from sqlmodel import Session

from mailbot import db, orgs, outbox
from mailbot.addresses import AddressError
from mailbot.clock import SystemClock
from mailbot.config import Settings
from mailbot.periods import Period


def fail(message: str) -> None:
    """Tell the admin what is wrong (in Dutch) and exit with code 1."""
    typer.echo(f"Fout: {message}", err=True)
    raise typer.Exit(1)


@contextmanager
def session() -> Iterator[Session]:
    """A committed-on-success session on the configured database; admin errors exit 1."""
    engine = db.make_engine(Settings().database_url)
    try:
        with db.session_scope(engine) as opened:
            yield opened
    except (orgs.AdminError, AddressError) as exc:
        fail(str(exc))
    finally:
        engine.dispose()


def now() -> datetime:
    """The current time (commands run on the real clock)."""
    return SystemClock().now()


def flush(settings: Settings) -> None:
    """Try to send what the command queued; the daemon retries whatever could not go now."""
    engine = db.make_engine(settings.database_url)
    report = outbox.flush(engine, settings, now())
    engine.dispose()
    if report.deferred:
        typer.echo(f"Let op: {report.deferred} e-mail(s) wachten in de uitgaande post", err=True)


def period(text: str) -> Period:
    """A period as the admin typed it, or exit 1 with an explanation."""
    try:
        return Period.parse(text)
    except ValueError:
        fail(f"onbekende periode {text!r}; schrijf bijvoorbeeld 2026-H1")
        raise


def shell_word(text: str) -> str:
    """`text` as the admin would type it as one argument: quoted unless it is one plain word."""
    return text if text.replace("-", "").isalnum() else f'"{text}"'


def configure_logging(stream: TextIO) -> None:
    """Plain lines on one stream; under systemd, journald adds the time itself."""
    stamp = "" if os.environ.get("JOURNAL_STREAM") else "%(asctime)s "
    logging.basicConfig(level=logging.INFO, stream=stream, force=True,
                        format=f"{stamp}%(levelname)s %(name)s %(message)s")
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's per-command chatter
