"""Story helpers: a registered world (Utrecht, Zeist), a bot wired to the test servers."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from pydantic import SecretStr
from sqlalchemy import event
from sqlmodel import Session, select

from mailbot.bot import Bot
from mailbot.config import Settings
from mailbot.dates.clock import FixedClock
from mailbot.reader.worker import Reader
from mailbot.store import db, orgs
from mailbot.store.models import Submission
from tests.mails import BOT, filled_form, template_text, thunderbird_reply
from tests.servers import free_port

SECRET = "kq7m-x3rt-hc9w-pa4e"
ZEIST_SECRET = "zeist-zeist-zeist"
ADMIN = "beheer@huisverbod.test"
FIGURES = {"1": 12, "2": 0, "3": 4, "4": 1, "5": 5, "6": 2, "7a": 6, "7b": 7, "7c": 9,
           "8": 1, "9": 0, "10": 0}
# The seed's "Uw login of wachtwoord is onjuist, probeer opnieuw", in e-mail terms.
SEED_ANSWER = ("De naam van uw organisatie, het e-mailadres waarvan u mailt of het wachtwoord "
               "is onjuist. Probeer het opnieuw.")
START = datetime(2026, 7, 6, 10, 0, tzinfo=UTC)


def settings_for(imap_account: Any, smtp_sink: Any, database_url: str, **extra: Any) -> Settings:
    """Settings pointing at the test servers."""
    return Settings(
        database_url=database_url,
        imap_host=imap_account.host, imap_port=imap_account.port, imap_user=imap_account.user,
        imap_password=SecretStr(imap_account.password), imap_security="none",
        smtp_host=smtp_sink.host, smtp_port=smtp_sink.port, smtp_security="none",
        from_address=BOT, admin_addresses=[ADMIN], **extra,
    )


def database_only(database_url: str, **extra: Any) -> Settings:
    """Settings with a database and no mail servers: the mailbox and the outgoing server are
    a loopback port nobody listens on, so a test that reaches for them fails at once."""
    closed = free_port()
    return Settings(
        database_url=database_url, imap_host="127.0.0.1", imap_port=closed, imap_user="none",
        imap_password=SecretStr("none"), imap_security="none", smtp_host="127.0.0.1",
        smtp_port=closed, smtp_security="none", from_address=BOT, admin_addresses=[ADMIN],
        **extra,
    )


def make_bot(settings: Settings, reader: Reader | None = None) -> Iterator[Bot]:
    """A bot on a fresh database with Utrecht and Zeist registered, each with a secret;
    `reader` is a reading worker to share (one per test session saves starting one per test).
    """
    engine = db.make_engine(settings.database_url)
    db.init(engine)
    clock = FixedClock(START)
    with db.session_scope(engine) as session:
        for name, address, secret in (("Utrecht", "huisverbod@utrecht.nl", SECRET),
                                      ("Zeist", "wth@zeist.nl", ZEIST_SECRET)):
            orgs.add(session, clock.now(), name, "gemeente")
            orgs.add_address(session, clock.now(), name, address)
            orgs.set_secret(session, clock.now(), name, secret)
    yield Bot.from_settings(settings, clock, engine=engine, reader=reader)
    engine.dispose()


def statements(bot: Bot) -> list[str]:
    """Every SQL statement the bot's engine runs from now on, each on one line."""
    seen: list[str] = []
    event.listen(bot.engine, "before_cursor_execute",
                 lambda _c, _cur, statement, *_: seen.append(" ".join(statement.split())))
    return seen


def submissions(bot: Bot) -> list[Submission]:
    with Session(bot.engine) as session:
        return list(session.exec(select(Submission)))


def reply_from(sender: str, org: str = "Utrecht", secret: str = SECRET,
               figures: dict[str, object] | None = None) -> bytes:
    """A Thunderbird reply to the template with the form filled in above the quote."""
    body = filled_form(org, secret, figures if figures is not None else FIGURES)
    return thunderbird_reply(sender, body, template_text())


def gegevens_csv(message: Any) -> list[dict[str, str]]:
    """The rows of a GEGEVENS reply's CSV, read as Dutch Excel reads it (`;`, UTF-8 BOM)."""
    [part] = [p for p in message.iter_attachments() if p.get_filename() == "gegevens.csv"]
    text = part.get_payload(decode=True).decode("utf-8")
    assert text.startswith("\ufeff"), "without a BOM Excel reads the Windows code page"
    return list(csv.DictReader(io.StringIO(text[1:], newline=""), delimiter=";"))


def gegevens_xlsx(message: Any) -> list[dict[str, object]]:
    """The rows of a GEGEVENS reply's workbook, opened with openpyxl."""
    import openpyxl

    [part] = [p for p in message.iter_attachments() if p.get_filename() == "gegevens.xlsx"]
    sheet = openpyxl.load_workbook(io.BytesIO(part.get_payload(decode=True)))["gegevens"]
    header, *rows = sheet.iter_rows(values_only=True)
    return [dict(zip(header, row, strict=True)) for row in rows]
