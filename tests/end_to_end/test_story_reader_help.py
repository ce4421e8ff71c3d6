"""HELP / TOELICHTING, as the subject or the first word, in any case: the toelichting of every
question and the blank form come back."""

from __future__ import annotations

from typing import Any

import pytest

from mailbot.bot import Bot
from mailbot.forms import load_form
from mailbot.inbound.pipeline import run_pass
from mailbot.store import db, orgs
from tests.mails import simple_mail, template_text, thunderbird_reply
from tests.stories import submissions

# Reading does not depend on the database: SQLite alone keeps these stories fast.
pytestmark = pytest.mark.sqlite_only


@pytest.mark.parametrize(("subject", "body"), [
    ("HELP", ""),
    ("help", ""),
    ("Toelichting", ""),
    ("RE: Monitoringsysteem Huisverbod: gegevens 2026-H1", "TOELICHTING graag\n"),
    ("Vraag", "Help, wat moet ik bij vraag 7 invullen?\n"),
    ("", "toelichting"),
], ids=["subject-upper", "subject-lower", "subject-toelichting", "first-word-upper",
        "first-word-with-comma", "first-word-only"])
def test_story_help_returns_every_toelichting_and_the_blank_form(
    bot: Bot, imap_account: Any, smtp_sink: Any, subject: str, body: str
) -> None:
    imap_account.append(simple_mail("iemand@elders.nl", subject, body))

    assert run_pass(bot).outcomes == {"processed": 1}

    [sent] = smtp_sink.wait_for(1)
    assert sent.rcpt_tos == ["iemand@elders.nl"]
    assert sent.message["Subject"] == "Monitoringsysteem Huisverbod: toelichting en formulier"
    assert_help_for(load_form("gemeente"), sent.message.get_content(), org_name="")


def test_story_help_quoting_the_template_is_still_help(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    imap_account.append(thunderbird_reply("huisverbod@utrecht.nl", "Help\n", template_text()))

    assert run_pass(bot).outcomes == {"processed": 1}

    assert submissions(bot) == []
    body = smtp_sink.wait_for(1)[0].message.get_content()
    assert_help_for(load_form("gemeente"), body, org_name="Utrecht")


def test_story_a_police_unit_gets_the_police_questionnaire(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    with db.session_scope(bot.engine) as session:
        orgs.add(session, bot.clock.now(), "Eenheid Midden-Nederland", "politie")
        orgs.add_address(session, bot.clock.now(), "Eenheid Midden-Nederland", "hg@politie.nl")
    imap_account.append(simple_mail("hg@politie.nl", "TOELICHTING"))

    assert run_pass(bot).outcomes == {"processed": 1}

    body = smtp_sink.wait_for(1)[0].message.get_content()
    assert_help_for(load_form("politie"), body, org_name="Eenheid Midden-Nederland")
    assert "huisverboden" not in body.split("Het formulier:")[1]


def assert_help_for(form: Any, body: str, org_name: str) -> None:
    """Every question's (or its group's) toelichting, then the whole blank form."""
    body = "\n".join(line.rstrip() for line in body.splitlines())
    explanations, _, blank = body.partition("Het formulier:\n\n")
    for question in form.questions:
        text = form.group(question.group).toelichting if question.group else question.toelichting
        assert f"Toelichting: {text}\n" in explanations, question.key
        assert f"\n{question.key}. {question.label}:\n" in blank
    header = f"{form.org_field}: {org_name}".rstrip()
    assert blank.startswith(f"{header}\nNaam:\nE-mailadres:\nWachtwoord:\nPeriode:")
