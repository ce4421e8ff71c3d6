"""The sender of a mail as its From header names it, however a gateway wrote that header.

A display name with an unquoted comma (`Jansen, Peter <p.jansen@denhaag.nl>`) reads as two
addresses to a strict parser; the one valid address among the pieces is the sender. A mail
with no usable sender at all is quarantined with that reason, counted by `mailbot status`, and
its typed secret masked: it is never taken for a delivery report.
"""

from __future__ import annotations

import dataclasses
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from mailbot.bot import Bot
from mailbot.cli import app
from mailbot.config import Settings
from mailbot.inbound.archive import full_raw
from mailbot.inbound.classify import classify
from mailbot.inbound.pipeline import run_pass
from mailbot.reader.message import read
from mailbot.store.models import Inbound
from tests.end_to_end.test_story_reader_clients import FILLED, assert_confirmed, register_address
from tests.leaks import folders_holding, holds, tables_holding
from tests.mails import BOT
from tests.stories import SECRET, submissions

SETTINGS = Settings(from_address=BOT)
GATEWAY_FROM = "Jansen, Peter <p.jansen@denhaag.nl>"
runner = CliRunner()


# Reading a From header does not depend on the database: SQLite alone.
pytestmark = pytest.mark.sqlite_only


def gateway_mail(from_header: str | None, body: list[str] = FILLED) -> bytes:
    """A plain reply as a mail gateway passes it on: the From header exactly as given (an
    unquoted comma in the display name, no address at all, or no From header)."""
    message = EmailMessage()
    if from_header is not None:
        message["From"] = "placeholder@example.nl"
    message["To"] = BOT
    message["Subject"] = "RE: Monitoringsysteem Huisverbod: gegevens 2026-H1"
    message["Date"] = "Mon, 06 Jul 2026 09:30:00 +0200"
    message["Message-ID"] = make_msgid(domain="denhaag.nl")
    message["X-Mailer"] = "Microsoft Outlook 16.0"
    message.set_content("\n".join(body) + "\n", charset="utf-8")
    raw = message.as_bytes()
    if from_header is None:
        return raw
    return raw.replace(b"From: placeholder@example.nl", f"From: {from_header}".encode(), 1)


# --- the reader ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "sender", "name"),
    [
        (GATEWAY_FROM, "p.jansen@denhaag.nl", "Jansen, Peter"),
        ("Jansen, P., Gemeente Den Haag <p.jansen@denhaag.nl>", "p.jansen@denhaag.nl",
         "Jansen, P., Gemeente Den Haag"),
        ('"Jansen, Peter" <p.jansen@denhaag.nl>', "p.jansen@denhaag.nl", "Jansen, Peter"),
        ("p.jansen@denhaag.nl", "p.jansen@denhaag.nl", ""),
    ],
    ids=["unquoted-comma", "two-commas", "quoted-comma", "bare-address"],
)
def test_the_one_valid_address_in_a_broken_display_name_is_the_sender(
    header: str, sender: str, name: str
) -> None:
    mail = read(gateway_mail(header))

    assert mail.sender == sender
    assert mail.sender_name == name
    assert classify(mail, SETTINGS) == "submission"


@pytest.mark.parametrize(
    "header",
    [None, "", "Jansen, Peter", "Jansen Peter <p.jansen>", "<>"],
    ids=["no-from-header", "empty", "names-only", "no-domain", "empty-address"],
)
def test_a_mail_without_a_usable_sender_is_not_a_bounce(header: str | None) -> None:
    mail = read(gateway_mail(header))

    assert mail.sender is None
    assert classify(mail, SETTINGS) == "no_sender"


def test_two_valid_addresses_keep_the_first_as_before() -> None:
    mail = read(gateway_mail("a.devries@denhaag.nl, p.jansen@denhaag.nl"))

    assert mail.sender == "a.devries@denhaag.nl"


# --- the stories --------------------------------------------------------------------------------


def test_story_a_gateways_from_header_with_a_comma_gets_the_figures_stored(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    register_address(bot, "Utrecht", "p.jansen@denhaag.nl")
    imap_account.append(gateway_mail(GATEWAY_FROM))

    assert run_pass(bot).outcomes == {"processed": 1}

    [stored] = submissions(bot)
    assert stored.sender == "p.jansen@denhaag.nl"
    assert_confirmed(smtp_sink, "p.jansen@denhaag.nl")


def test_story_the_dmarc_policy_still_decides_for_such_a_sender(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    register_address(bot, "Utrecht", "p.jansen@denhaag.nl")
    strict = dataclasses.replace(bot, settings=bot.settings.model_copy(
        update={"require_dmarc": True, "authserv_id": "mx.huisverbod.test"}))
    imap_account.append(gateway_mail(GATEWAY_FROM))

    assert run_pass(strict).outcomes == {"rejected": 1}

    assert submissions(bot) == []


def test_story_a_mail_without_a_usable_sender_is_quarantined_masked_and_counted(
    live_bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    raw = gateway_mail("Jansen, Peter")
    assert holds(raw, SECRET)
    imap_account.append(raw)

    assert run_pass(live_bot).outcomes == {"quarantined": 1}

    assert submissions(live_bot) == [] and smtp_sink.messages == []
    with Session(live_bot.engine) as session:
        inbound = session.exec(select(Inbound)).one()
        assert inbound.kind == "no_sender" and inbound.reason == "no usable sender address"
        assert not holds(full_raw(session, inbound), SECRET)
    assert tables_holding(live_bot.engine, SECRET) == []
    assert folders_holding(imap_account, SECRET) == []
    assert len(imap_account.uids("Quarantaine")) == 1
    status = runner.invoke(app, ["status"])
    assert status.exit_code == 1
    assert "In quarantaine: 1 (geen bruikbare afzender: 1)" in status.output
    listed = runner.invoke(app, ["quarantine", "list"]).output
    assert "no usable sender address" in listed and "Jansen, Peter" in listed
