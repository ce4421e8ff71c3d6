"""No secret stays anywhere: however a client encodes the mail a secret is typed in, it can be
read out of no table of the database and no folder of the mailbox once the mail is handled, and
the kept copy still reads as the mail did. Mail kept before this rule is masked by
`mailbot redact`."""

from __future__ import annotations

import dataclasses
import html
from typing import Any

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from mailbot.bot import Bot
from mailbot.cli import app
from mailbot.inbound.archive import full_raw
from mailbot.inbound.pipeline import run_pass
from mailbot.store.models import Inbound
from tests import brokenmail
from tests.end_to_end.test_story_reader_clients import (
    CLIENTS,
    FILLED,
    SENDER,
    forwarded_as_attachment,
    outlook_html_only,
    outlook_typed_into_template,
    register_address,
)
from tests.leaks import assert_masked_copy, folders_holding, holds, tables_holding
from tests.reader.test_reader_mailers import alternative, headers, part
from tests.stories import SECRET, submissions

runner = CliRunner()


# Where a secret may hide does not depend on the database: SQLite alone.
pytestmark = pytest.mark.sqlite_only


def assert_kept_nowhere(bot: Bot, imap_account: Any, secret: str = SECRET) -> None:
    assert tables_holding(bot.engine, secret) == []
    assert folders_holding(imap_account, secret) == []


def filled(secret_line: str) -> list[str]:
    return [secret_line if line.startswith("Wachtwoord:") else line for line in FILLED]


# --- how a secret can be hidden from a search through the raw bytes ------------------------


def soft_break_in_the_secret() -> bytes:
    """Quoted-printable with a soft line break (`=` at a line's end) inside the secret, where
    an encoder that wraps at 76 columns puts one when the secret's line is long."""
    head = headers(SENDER, "X-Mailer: Microsoft Outlook 16.0", 'text/plain; charset="utf-8"')
    encoded = part("x", "\r\n".join(filled(f"Wachtwoord: {SECRET}")).encode(),
                   "quoted-printable").split(b"\r\n", 1)[1]
    broken = encoded.replace(SECRET.encode(), f"{SECRET[:7]}=\r\n{SECRET[7:]}".encode())
    raw = (head.encode() + b"Content-Transfer-Encoding: quoted-printable\r\n" + broken)
    assert SECRET.encode() not in raw
    return raw


def html_with(secret_html: str) -> bytes:
    """Outlook desktop (HTML only, windows-1252) with the secret written as `secret_html`."""
    raw = outlook_html_only(filled("Wachtwoord: SECRET-HERE"))
    return raw.replace(b"SECRET-HERE", secret_html.encode())


def base64_html() -> bytes:
    """An HTML-only mail whose one part is base64."""
    rich = "<html><body>" + "<br>".join(map(html.escape, FILLED)) + "</body></html>"
    head = headers(SENDER, "X-Mailer: Some Webmail", 'text/html; charset="utf-8"')
    return (head.encode().replace(b"Content-Type: text/html", b"Content-Transfer-Encoding: "
                                  b"base64\r\nContent-Type: text/html")
            + part("x", rich.encode(), "base64").split(b"\r\n", 1)[1])


def in_both_alternatives_and_the_subject() -> bytes:
    plain = part('text/plain; charset="utf-8"', "\r\n".join(FILLED).encode(), "base64")
    rich = part('text/html; charset="utf-8"',
                ("<p>" + "</p><p>".join(map(html.escape, FILLED)) + "</p>").encode(),
                "quoted-printable")
    raw = alternative(headers(SENDER, "X-Mailer: Thunderbird", "?"), plain, rich)
    return raw.replace(b"Subject: RE: ", f"Subject: Wachtwoord: {SECRET} ".encode(), 1)


HIDDEN = {
    "quoted-printable-soft-break": soft_break_in_the_secret,
    # Word's spelling marks split a typed word into spans.
    "html-markup-inside": lambda: html_with(
        f"<span class=SpellE>{SECRET[:4]}</span><span lang=NL>{SECRET[4:9]}</span>{SECRET[9:]}"),
    "html-entity-inside": lambda: html_with(f"&#x{ord(SECRET[0]):x};{SECRET[1:4]}&#45;"
                                            f"{SECRET[5:]}"),
    "html-base64": base64_html,
    "both-alternatives-and-subject": in_both_alternatives_and_the_subject,
    "typed-into-the-quoted-template": lambda: outlook_typed_into_template(
        {"1": 12, "2": 0, "3": 4, "4": 1, "5": 5, "6": 2, "7a": 6, "7b": 7, "7c": 9,
         "8": 1, "9": 0, "10": 0}),
}


@pytest.mark.parametrize("shape", [*CLIENTS, *HIDDEN])
def test_a_typed_secret_is_kept_in_no_table_and_no_folder(
    bot: Bot, imap_account: Any, smtp_sink: Any, shape: str
) -> None:
    raw = CLIENTS[shape](FILLED) if shape in CLIENTS else HIDDEN[shape]()
    imap_account.append(raw)
    [original] = imap_account.fetch_all("INBOX")
    assert holds(original, SECRET)

    assert run_pass(bot).outcomes == {"processed": 1}  # read, logged in, stored

    assert len(submissions(bot)) == 1
    assert_kept_nowhere(bot, imap_account)
    [filed] = imap_account.fetch_all("Verwerkt")
    with Session(bot.engine) as session:
        archived = full_raw(session, session.exec(select(Inbound)).one())
    assert_masked_copy(original, archived, SECRET)
    assert filed == archived and archived.startswith(b"X-Mailbot-Original: ")


def test_a_forwarded_mail_is_masked_in_the_forward_too(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    register_address(bot, "Utrecht", "secretariaat@utrecht.nl")
    imap_account.append(forwarded_as_attachment(FILLED, "secretariaat@utrecht.nl"))

    assert run_pass(bot).outcomes == {"processed": 1}

    assert_kept_nowhere(bot, imap_account)


def test_a_strangers_guess_is_masked_as_well(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    guess = "pruim-peer-kers-druif"
    imap_account.append(CLIENTS["gmail-alternative"](filled(f"Wachtwoord: {guess}"))
                        .replace(SENDER.encode(), b"vreemde@elders.nl"))

    run_pass(bot)

    assert_kept_nowhere(bot, imap_account, guess)


def test_mail_that_could_not_be_read_is_masked_where_its_secret_line_shows(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    imap_account.append(brokenmail.slow())  # "Wachtwoord: geheim-geheim", seconds to read
    slow = dataclasses.replace(
        bot, settings=bot.settings.model_copy(update=brokenmail.SLOW_READING))

    assert run_pass(slow).outcomes == {"quarantined": 1}

    assert_kept_nowhere(bot, imap_account, "geheim-geheim")
    assert len(imap_account.uids("Quarantaine")) == 1


def test_a_site_that_must_keep_originals_files_them_and_archives_the_masked_copy(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    keeping = dataclasses.replace(
        bot, settings=bot.settings.model_copy(update={"keep_originals": True}))
    imap_account.append(CLIENTS["outlook-web"](FILLED))

    assert run_pass(keeping).outcomes == {"processed": 1}

    assert tables_holding(bot.engine, SECRET) == []
    assert folders_holding(imap_account, SECRET) == ["Verwerkt"]


# --- mail kept before ------------------------------------------------------------------------


def test_redact_masks_mail_kept_before_in_the_archive_and_the_folders(
    live_bot: Bot, imap_account: Any, smtp_sink: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in (("HOST", imap_account.host), ("PORT", str(imap_account.port)),
                        ("USER", imap_account.user), ("PASSWORD", imap_account.password),
                        ("SECURITY", "none")):
        monkeypatch.setenv(f"MAILBOT_IMAP_{name}", value)
    # What an earlier release left: the secret masked only where it stood as typed, so a
    # base64 or HTML-split one stayed, and the original filed in the mailbox.
    keeping = dataclasses.replace(live_bot, settings=live_bot.settings.model_copy(
        update={"keep_originals": True}))
    for raw in (CLIENTS["outlook-web"](FILLED), HIDDEN["html-markup-inside"]()):
        imap_account.append(raw)
    run_pass(keeping)
    with Session(live_bot.engine) as session:
        for inbound, original in zip(session.exec(select(Inbound).order_by(Inbound.id)),
                                     imap_account.fetch_all("Verwerkt"), strict=True):
            inbound.raw, inbound.redacted = original, False
            session.add(inbound)
        session.commit()
    imap_account.append(brokenmail.nul_bytes(), "Geweigerd")  # no secret: left alone
    assert tables_holding(live_bot.engine, SECRET) == ["inbound.raw", "inbound.raw"]
    assert folders_holding(imap_account, SECRET) == ["Verwerkt"]

    result = runner.invoke(app, ["redact"])

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Archief: 2 van 2 berichten gemaskeerd", "Map Verwerkt: 2 van 2 berichten gemaskeerd",
        "Map Geweigerd: 0 van 1 berichten gemaskeerd",
        "Map Quarantaine: 0 van 0 berichten gemaskeerd"]
    assert_kept_nowhere(live_bot, imap_account)
    assert len(imap_account.uids("Verwerkt")) == 2 and len(imap_account.uids("Geweigerd")) == 1
    again = runner.invoke(app, ["redact"])
    assert again.output.splitlines()[:2] == [
        "Archief: 0 van 0 berichten gemaskeerd", "Map Verwerkt: 0 van 2 berichten gemaskeerd"]
    assert "archive.redact" in runner.invoke(app, ["audit"]).output
