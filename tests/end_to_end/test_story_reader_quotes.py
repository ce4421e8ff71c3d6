"""Quoted text: figures typed into the bot's own quoted form count; any other quote never does.

The rule (mailbot/handlers/submission.py): the quoted message counts only when its quote header
names the bot, the mail does not answer a confirmation, problem reply or GEGEVENS reply, and the
quote carries the form's `Wachtwoord:` line. Both directions are shown here, with the bot's real
replies taken from the SMTP sink and answered the way a mail client answers them.
"""

from __future__ import annotations

import dataclasses
import html
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import pytest

from mailbot.bot import Bot
from mailbot.inbound.pipeline import run_pass
from mailbot.reader.message import read
from tests.end_to_end.test_story_reader_clients import (
    CLIENTS,
    FILLED,
    SENDER,
    assert_confirmed,
    outlook_typed_into_template,
    register_address,
    stored_answers,
)
from tests.mails import thunderbird_reply
from tests.reader.test_reader_mailers import (
    BOT,
    BOT_NAME,
    TEMPLATE,
    form_lines,
    gmail_reply,
    mso,
    outlook_html,
)
from tests.servers.smtp_sink import SinkMessage
from tests.stories import FIGURES, SECRET, reply_from, submissions

TEMPLATE_ID = b"<template-2026-h1@huisverbod.test>"  # the In-Reply-To the mail builders write
NOT_TAKEN = "alleen aantallen in een eerder bericht"


# Reading does not depend on the database: SQLite alone keeps these stories fast.
pytestmark = pytest.mark.sqlite_only


# --- the bot's own blank form: answers typed into it count --------------------------------------


@pytest.mark.parametrize("client", list(CLIENTS))
def test_every_client_quote_header_names_the_bot_as_the_writer(client: str) -> None:
    """The first leg of the rule, per client shape: the reader reports who wrote the quote."""
    writer = read(CLIENTS[client](FILLED)).quoted_from
    assert BOT_NAME in writer
    assert BOT in writer.replace("< ", "<") or "@" not in writer


def test_story_gmail_figures_typed_into_the_quoted_template_are_stored(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    quoted = form_lines(FIGURES, secret=SECRET)  # typed after the colons inside the blockquote
    imap_account.append(gmail_reply(SENDER, ["Zie hieronder."], [*TEMPLATE[:4], *quoted]))

    assert run_pass(bot).outcomes == {"processed": 1}

    assert stored_answers(bot) == FIGURES
    assert_confirmed(smtp_sink, SENDER)


def test_story_figures_typed_into_the_quoted_help_mail_are_stored(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    imap_account.append(thunderbird_reply(SENDER, "HELP", "", subject="help"))
    run_pass(bot)
    [help_mail] = smtp_sink.wait_for(1)

    typed = answer_in_outlook(help_mail, ["Ingevuld in uw bericht."], fill=FIGURES)
    imap_account.append(typed)
    assert run_pass(bot).outcomes == {"processed": 1}

    assert stored_answers(bot) == FIGURES
    assert "bevestiging Utrecht 2026-H1" in smtp_sink.wait_for(2)[1].message["Subject"]


def test_story_a_quoted_blank_template_is_no_form(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    # From an address registered nowhere: a registered one's would go to a person.
    imap_account.append(outlook_html("iemand@elders.nl", ["Zie hieronder.", "", "Groet, Jan"],
                                     mso(TEMPLATE)))

    assert run_pass(bot).outcomes == {"rejected": 1}

    assert submissions(bot) == []
    [sent] = smtp_sink.wait_for(1)
    body = sent.message.get_content()
    assert "geen formulier gevonden" in sent.message["Subject"]
    assert "geen ingevuld formulier gevonden" in body
    assert "\n1. Aantal opgelegde huisverboden:\n" in body  # the blank template to fill in


# --- earlier submissions, confirmations and problem replies: never answers ----------------------


def test_story_zie_hieronder_above_your_own_earlier_submission_stores_nothing(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    own = "\n".join(form_lines({**FIGURES, "1": 99}, secret=SECRET))
    raw = thunderbird_reply(SENDER, "Zie hieronder.\n", own).replace(
        b"schreef Monitoringsysteem Huisverbod:", f"schreef Jan de Vries <{SENDER}>:".encode())
    imap_account.append(raw)

    assert run_pass(bot).outcomes == {"rejected": 1}

    assert submissions(bot) == []
    [sent] = smtp_sink.wait_for(1)
    assert NOT_TAKEN in sent.message.get_content()


def test_story_outlook_reply_to_your_own_sent_mail_stores_nothing(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    """Typed into the template once, sent; later 'zie hieronder' above that sent mail."""
    earlier = outlook_typed_into_template(FIGURES)
    raw = earlier.replace(b"Van:</b> Monitoringsysteem Huisverbod &lt;monitoring@huisverbod.test",
                          f"Van:</b> J. de Vries &lt;{SENDER}".encode())
    assert raw != earlier
    imap_account.append(raw)

    assert run_pass(bot).outcomes == {"rejected": 1}

    assert submissions(bot) == []
    assert NOT_TAKEN in smtp_sink.wait_for(1)[0].message.get_content()


def test_story_a_reply_to_the_confirmation_never_stores_the_figures_again(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    imap_account.append(reply_from(SENDER))
    run_pass(bot)
    [confirmation] = smtp_sink.wait_for(1)

    imap_account.append(answer_in_outlook(confirmation, ["Zie hieronder, klopt."]))
    assert run_pass(bot).outcomes == {"processed": 1}  # a remark, handed on to a person

    assert [s.revision for s in submissions(bot)] == [1]
    # The admin and the sender hear of it; no second confirmation.
    assert sorted(m.message["Subject"] for m in smtp_sink.wait_for(3)[1:]) == [
        "Monitoringsysteem Huisverbod: uw e-mail is doorgestuurd",
        "Monitoringsysteem Huisverbod: vraag van Utrecht: RE: Monitoringsysteem Huisverbod: "
        "gegevens 2026-H1"]


def test_story_a_value_corrected_inside_the_quoted_problem_reply_is_not_taken(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    imap_account.append(reply_from(SENDER, figures={**FIGURES, "2": "veel"}))
    run_pass(bot)
    [problems] = smtp_sink.wait_for(1)
    assert "gegevens niet verwerkt" in problems.message["Subject"]

    corrected = answer_in_outlook(problems, [f"Wachtwoord: {SECRET}", "Verbeterd, zie hieronder."],
                                  replace={": veel": ": 0"}, secret_inside=True)
    imap_account.append(corrected)
    assert run_pass(bot).outcomes == {"rejected": 1}

    assert submissions(bot) == []
    assert NOT_TAKEN in smtp_sink.wait_for(2)[1].message.get_content()


def test_story_without_in_reply_to_the_quoted_problem_echo_still_is_not_taken(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    """The echo never shows a `Wachtwoord:` line, so it can never pass for a blank form."""
    imap_account.append(reply_from(SENDER, figures={**FIGURES, "2": "veel"}))
    run_pass(bot)
    [problems] = smtp_sink.wait_for(1)

    corrected = answer_in_outlook(problems, [f"Wachtwoord: {SECRET}", "Zie hieronder."],
                                  replace={": veel": ": 0"}, parent=b"")
    imap_account.append(corrected)
    assert run_pass(bot).outcomes == {"rejected": 1}

    assert submissions(bot) == []


def test_story_the_corrected_form_on_top_of_the_problem_reply_is_stored(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    imap_account.append(reply_from(SENDER, figures={**FIGURES, "2": "veel"}))
    run_pass(bot)
    [problems] = smtp_sink.wait_for(1)

    imap_account.append(answer_in_outlook(problems, FILLED))
    assert run_pass(bot).outcomes == {"processed": 1}

    assert stored_answers(bot) == FIGURES


def test_story_a_colleague_forwarding_inline_gets_an_explanation_and_nothing_is_stored(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    register_address(bot, "Utrecht", "secretariaat@utrecht.nl")
    body = "\n".join(["Hierbij de cijfers van Jan.", "",
                      "---------- Doorgestuurd bericht ---------",
                      f"Van: J. de Vries <{SENDER}>", "Date: ma 6 jul 2026 om 09:30",
                      "Subject: RE: gegevens 2026-H1", "", *FILLED])
    raw = thunderbird_reply("secretariaat@utrecht.nl", body, "", subject="Fwd: gegevens 2026-H1")
    imap_account.append(raw)

    assert run_pass(bot).outcomes == {"rejected": 1}

    assert submissions(bot) == []
    [sent] = smtp_sink.wait_for(1)
    assert sent.rcpt_tos == ["secretariaat@utrecht.nl"]
    body = sent.message.get_content()
    assert NOT_TAKEN in body and "als bijlage" in body


def test_story_a_sender_named_like_the_bot_is_not_the_bot(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    raw = outlook_typed_into_template(FIGURES).replace(
        b"Van:</b> Monitoringsysteem Huisverbod &lt;monitoring@huisverbod.test",
        b"Van:</b> Monitoringsysteem Huisverbod Utrecht &lt;wth@utrecht.nl")
    imap_account.append(raw)

    assert run_pass(bot).outcomes == {"rejected": 1}

    assert submissions(bot) == []


# --- helpers ------------------------------------------------------------------------------------


def answer_in_outlook(
    original: SinkMessage, fresh: list[str], *, fill: dict[str, int] | None = None,
    replace: dict[str, str] | None = None, secret_inside: bool = False,
    parent: bytes | None = None,
) -> bytes:
    """Jan answers a mail the bot sent, from Outlook: the original below the Van: block.

    `fill` types figures after the colons of the quoted form, `replace` edits quoted lines,
    `secret_inside` adds a `Wachtwoord:` line inside the quote; In-Reply-To names the original
    unless `parent` says otherwise (b"" drops it).
    """
    lines = original.message.get_content().splitlines()
    if fill is not None:
        lines = [_filled(line, fill) for line in lines]
    for old, new in (replace or {}).items():
        lines = [line.replace(old, new) for line in lines]
    if secret_inside:
        lines = [f"Wachtwoord: {SECRET}", *lines]
    quoted = "".join(f"<p class=MsoNormal>{html.escape(line) or '&nbsp;'}</p>\r\n"
                     for line in lines)
    raw = outlook_html(SENDER, fresh, quoted)
    message_id = parent if parent is not None else original.message["Message-ID"].encode()
    if not message_id:
        return b"".join(line for line in raw.splitlines(keepends=True)
                        if not line.startswith((b"In-Reply-To:", b"References:")))
    return raw.replace(TEMPLATE_ID, message_id)


def _filled(line: str, values: dict[str, int]) -> str:
    fields = {"Gemeente:": "Utrecht", "Wachtwoord:": SECRET, "Periode:": "2026-H1"}
    line = line.rstrip()
    if line in fields:
        return f"{line} {fields[line]}"
    key = line.split(".", 1)[0]
    if line.endswith(":") and key in values:
        return f"{line} {values[key]}"
    return line


def test_a_thank_you_under_a_confirmation_gets_no_answer_when_no_one_reads_it(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    """Without admins or a helpdesk to hand it to (mailbot.handlers.forward)."""
    bot = dataclasses.replace(bot, settings=bot.settings.model_copy(
        update={"admin_addresses": []}))
    imap_account.append(reply_from("huisverbod@utrecht.nl"))
    run_pass(bot)
    [confirmation] = smtp_sink.wait_for(1)
    thanks = EmailMessage()
    thanks["From"] = "huisverbod@utrecht.nl"
    thanks["To"] = BOT
    thanks["Subject"] = f"RE: {confirmation.message['Subject']}"
    thanks["Message-ID"] = make_msgid(domain="utrecht.nl")
    thanks["In-Reply-To"] = confirmation.message["Message-ID"]
    thanks.set_content("Dank u wel!\n\nMet vriendelijke groet,\nJan\n")
    imap_account.append(thanks.as_bytes())

    assert run_pass(bot).outcomes == {"ignored": 1}
    assert len(smtp_sink.messages) == 1
