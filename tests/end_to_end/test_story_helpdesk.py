"""A person behind the bot: mail from a registered address that is no form and no command
reaches the helpdesk (or the admins), its secrets masked, and the sender is told a person will
answer; strangers and robots are not handed on. Every mail to staff names whom to ask; HELP
answers the question a mail names first."""

from __future__ import annotations

import dataclasses
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import pytest
from sqlmodel import Session, select

from mailbot.bot import Bot
from mailbot.inbound.pipeline import run_pass
from mailbot.outbound.render import Renderer
from mailbot.store import orgs, requests
from mailbot.store.models import Inbound
from tests.mails import BOT, simple_mail
from tests.stories import ADMIN, reply_from, submissions

SENDER = "huisverbod@utrecht.nl"
HELPDESK = "helpdesk@huisverbod.test"
TOLD = "Uw e-mail is doorgestuurd naar een medewerker van het Monitoringsysteem Huisverbod"


# Handing on does not depend on the database: SQLite alone keeps these stories fast.
pytestmark = pytest.mark.sqlite_only


def _with(bot: Bot, **settings: Any) -> Bot:
    changed = bot.settings.model_copy(update=settings)
    return dataclasses.replace(bot, settings=changed, renderer=Renderer.for_settings(changed))


def _reply_to(original: EmailMessage, sender: str, text: str) -> bytes:
    """A plain reply from Thunderbird, the original quoted below."""
    reply = EmailMessage()
    reply["From"] = f"Jan de Vries <{sender}>"
    reply["To"] = BOT
    reply["Subject"] = f"Re: {original['Subject']}"
    reply["Message-ID"] = make_msgid(domain="utrecht.nl")
    reply["In-Reply-To"] = original["Message-ID"]
    quote = "\n".join(f"> {line}".rstrip() for line in original.get_content().splitlines())
    reply.set_content(f"{text}\n\nOp 06-07-2026 schreef Monitoringsysteem Huisverbod:\n{quote}\n")
    return reply.as_bytes()


def _by_recipient(smtp_sink: Any, count: int) -> dict[str, EmailMessage]:
    return {sent.rcpt_tos[0]: sent.message for sent in smtp_sink.wait_for(count)}


def test_story_a_reply_to_the_secret_mail_reaches_the_admins_without_the_secret(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    with Session(bot.engine) as session:
        requests.send_new_secret(session, bot.settings, bot.renderer, bot.clock.now(),
                                 orgs.require(session, "Utrecht"), "test")
        session.commit()
    run_pass(bot)
    [secret_mail] = smtp_sink.wait_for(1)
    secret = next(line.partition(":")[2].strip()
                  for line in secret_mail.message.get_content().splitlines()
                  if line.startswith("    Wachtwoord:"))
    imap_account.append(_reply_to(secret_mail.message, SENDER, "Ik heb dit niet aangevraagd?"))

    assert run_pass(bot).outcomes == {"processed": 1}

    sent = _by_recipient(smtp_sink, 3)
    forwarded = sent[ADMIN]
    assert forwarded["Reply-To"] == SENDER
    assert forwarded["Subject"].startswith("Monitoringsysteem Huisverbod: vraag van Utrecht: Re:")
    body = forwarded.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert f"Een e-mail van {SENDER}, geregistreerd voor Utrecht" in body
    assert "Het is een antwoord op de e-mail met een nieuw wachtwoord." in body
    [attached] = [part for part in forwarded.iter_attachments()]
    assert attached.get_content_type() == "message/rfc822"
    assert "Ik heb dit niet aangevraagd?" in attached.as_string()
    assert secret not in forwarded.as_string()
    assert sent[SENDER].get_content().startswith(f"Geachte heer/mevrouw,\n\n{TOLD}")


def test_story_a_free_question_goes_to_the_helpdesk_and_the_sender_hears_so(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    bot = _with(bot, helpdesk_addresses=[HELPDESK])
    imap_account.append(simple_mail(SENDER, "Uitstel", "Mogen wij de cijfers een week later "
                                    "sturen?\n\nMet vriendelijke groet,\nJan\n"))

    assert run_pass(bot).outcomes == {"processed": 1}

    sent = _by_recipient(smtp_sink, 2)
    assert set(sent) == {HELPDESK, SENDER}
    assert sent[HELPDESK]["Reply-To"] == SENDER
    assert sent[SENDER]["Subject"] == "Monitoringsysteem Huisverbod: uw e-mail is doorgestuurd"
    assert submissions(bot) == []


def test_story_a_thank_you_under_a_confirmation_reaches_a_person(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    imap_account.append(reply_from(SENDER))
    run_pass(bot)
    [confirmation] = smtp_sink.wait_for(1)
    imap_account.append(_reply_to(confirmation.message, SENDER, "Wat bedoelt u met versie 1?"))

    assert run_pass(bot).outcomes == {"processed": 1}

    sent = _by_recipient(smtp_sink, 3)
    assert "Het is een antwoord op een bevestiging van ingestuurde gegevens." in (
        sent[ADMIN].get_body(("plain",)).get_content())  # type: ignore[union-attr]
    assert [s.revision for s in submissions(bot)] == [1]


def test_story_a_strangers_question_is_not_handed_on(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    imap_account.append(simple_mail("iemand@elders.nl", "Vraag", "Wat is dit voor systeem?\n"))

    assert run_pass(bot).outcomes == {"rejected": 1}

    [sent] = smtp_sink.wait_for(1)
    assert sent.rcpt_tos == ["iemand@elders.nl"]
    assert sent.message["Subject"] == "Monitoringsysteem Huisverbod: geen formulier gevonden"


def test_story_an_out_of_office_reply_from_a_registered_address_is_not_handed_on(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    imap_account.append(simple_mail(SENDER, "Automatisch antwoord: afwezig",
                                    "Ik ben afwezig tot 20 juli.\n", Auto_Submitted="auto-replied"))

    assert run_pass(bot).outcomes == {"ignored": 1}
    assert smtp_sink.messages == []


def test_one_senders_mails_are_handed_on_a_few_times_a_day_at_most(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    bot = _with(bot, max_forwards_per_day=2, helpdesk_addresses=[HELPDESK, ADMIN])
    for number in range(3):
        imap_account.append(simple_mail(SENDER, f"Vraag {number}", "Hoe zit dat?\n"))

    assert run_pass(bot).outcomes == {"processed": 2, "rejected": 1}

    sent = smtp_sink.wait_for(6)
    assert sorted(s.rcpt_tos[0] for s in sent) == sorted([HELPDESK, ADMIN, SENDER] * 2)
    with Session(bot.engine) as session:
        reasons = session.exec(select(Inbound.reason)).all()
    assert "not forwarded: daily cap for this sender reached" in reasons


def test_story_every_mail_to_staff_names_whom_to_ask(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    bot = _with(bot, contact_content="G. Varkevisser, g.varkevisser@minbzk.nl",
                contact_technical="R. Keus, registratie@huisverbod.nl")
    imap_account.append(reply_from(SENDER))

    run_pass(bot)

    body = smtp_sink.wait_for(1)[0].message.get_content()
    assert body.endswith(
        "-- \nMonitoringsysteem Huisverbod\n"
        "Inhoudelijke vragen (de vragen, de cijfers, de rapportage): "
        "G. Varkevisser, g.varkevisser@minbzk.nl\n"
        "Technische vragen (het e-mailen, het wachtwoord, de toegang): "
        "R. Keus, registratie@huisverbod.nl\n")


def test_story_help_answers_the_question_the_mail_names_first(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    imap_account.append(simple_mail(SENDER, "HELP", "Wat bedoelt u met vraag 9?\n"))

    assert run_pass(bot).outcomes == {"processed": 1}

    body = smtp_sink.wait_for(1)[0].message.get_content()
    first = body.split("\n\n")[1]
    assert first.startswith('U vraagt naar vraag 9, "Uitkomst voorlopige voorzieningen". '
                            "Toelichting: ")
    assert body.index("Toelichting bij de vragen") > body.index(first)


def test_story_a_question_about_a_question_gets_its_toelichting_while_a_person_answers(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    imap_account.append(simple_mail(SENDER, "Vraag", "Wat bedoelt u met vraag 9?\n"))

    assert run_pass(bot).outcomes == {"processed": 1}

    told = _by_recipient(smtp_sink, 2)[SENDER].get_content()
    assert told.startswith(f"Geachte heer/mevrouw,\n\n{TOLD}")
    assert ('Alvast de toelichting bij de vraag die u noemt:\n\nVraag 9, "Uitkomst voorlopige '
            'voorzieningen": ') in told


def test_story_a_reply_quoting_a_secret_mail_of_the_old_layout_is_handed_on_masked(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    """Before the secret stood after a label, the secret mail had it alone on a line."""
    old_layout = EmailMessage()
    old_layout["Subject"] = "Monitoringsysteem Huisverbod: nieuw wachtwoord voor Utrecht"
    old_layout["Message-ID"] = make_msgid(domain="huisverbod.test")
    old_layout.set_content("Geachte heer/mevrouw,\n\nVoor Utrecht is een nieuw wachtwoord "
                           "ingesteld voor het Monitoringsysteem Huisverbod:\n\n"
                           "    kq7m-x3rt-hc9w-pa4e\n\nHet vorige wachtwoord werkt niet meer.\n")
    imap_account.append(_reply_to(old_layout, SENDER, "Wie heeft dit aangevraagd?"))

    assert run_pass(bot).outcomes == {"processed": 1}

    forwarded = _by_recipient(smtp_sink, 2)[ADMIN]
    assert "Wie heeft dit aangevraagd?" in forwarded.as_string()
    assert "kq7m" not in forwarded.as_string().lower()
