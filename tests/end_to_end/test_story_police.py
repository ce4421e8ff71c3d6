"""A police unit's whole flow, end to end: invited with the police questionnaire, it replies,
corrects, asks GEGEVENS, and its figures are exported as form `politie`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import Session

from mailbot.bot import Bot
from mailbot.inbound.pipeline import run_pass
from mailbot.reports.export import export_csv
from mailbot.store import db, orgs
from mailbot.store.submissions import answers_of
from tests.mails import simple_mail
from tests.rounds.test_rounds_story import at, reply_to, tick_at
from tests.servers.smtp_sink import SinkMessage
from tests.stories import SEED_ANSWER, gegevens_csv, submissions

UNIT = "Politie Midden-Nederland"
CONTACT = "huiselijkgeweld@midden-nederland.politie.test"
SECRET = "blauw-blauw-blauw-7"
POLICE_FIGURES = {"1": 140, "2": 96, "3": 31, "4": 22, "5": 3}


def police_form(values: dict[str, int], secret: str = SECRET, name: str = "A. Jansen") -> str:
    """What the contact types above the quoted invitation (no `Periode:` line)."""
    labels = ("Aantal incidenten", "Aantal meldingen", "Aantal aangiften",
              "Aantal ingevulde risicotaxatieformulieren (RiHG)",
              "Aantal overtredingen van het huisverbod")
    lines = [f"Politie-eenheid: {UNIT}", f"Naam: {name}", f"Wachtwoord: {secret}", ""]
    lines += [f"{key}. {label}: {values.get(key, '')}".rstrip()
              for key, label in zip(("1", "2", "3", "4", "5"), labels, strict=True)]
    return "\n".join(lines) + "\n"


@pytest.fixture
def invitation(bot: Bot, smtp_sink: Any) -> Iterator[SinkMessage]:
    """The police unit registered, the 2026-H1 round opened: the unit's invitation."""
    with db.session_scope(bot.engine) as session:
        orgs.add(session, bot.clock.now(), UNIT, "politie", region="Utrecht")
        orgs.add_address(session, bot.clock.now(), UNIT, CONTACT)
        orgs.set_secret(session, bot.clock.now(), UNIT, SECRET)
    tick_at(bot, at(6, 30, 12))
    tick_at(bot, at(7, 1))
    sent = smtp_sink.wait_for(3)
    [mail] = [m for m in sent if m.rcpt_tos == [CONTACT]]
    smtp_sink.messages.clear()
    bot.clock.current = at(7, 2, 10)  # type: ignore[attr-defined]
    yield mail


def test_story_police_unit_is_invited_with_the_police_questionnaire(
    invitation: SinkMessage,
) -> None:
    body = invitation.message.get_content()

    assert invitation.message["Subject"].endswith(f"gegevens 2026-H1 van {UNIT}")
    assert f"\nPolitie-eenheid: {UNIT}\n" in body and "\nPeriode: 2026-H1\n" in body
    assert "\n4. Aantal ingevulde risicotaxatieformulieren (RiHG):\n" in body
    assert "Gemeente:" not in body and "huisverboden" not in body
    assert "Toelichting: aantal geregistreerde incidenten van huiselijk geweld" in body


def test_story_police_unit_replies_corrects_and_asks_for_its_figures(
    bot: Bot, invitation: SinkMessage, imap_account: Any, smtp_sink: Any
) -> None:
    imap_account.append(reply_to(invitation, CONTACT, police_form(POLICE_FIGURES)))
    assert run_pass(bot).outcomes == {"processed": 1}

    [stored] = submissions(bot)
    assert (stored.period, stored.form_kind, stored.form_version) == ("2026-H1", "politie", 1)
    with Session(bot.engine) as session:
        assert answers_of(session, stored) == POLICE_FIGURES
    [confirmation] = smtp_sink.wait_for(1)
    assert confirmation.rcpt_tos == [CONTACT]
    text = confirmation.message.get_content()
    assert f"bevestiging {UNIT} 2026-H1" in confirmation.message["Subject"]
    assert "vraag 1      140   Aantal incidenten" in text
    assert "vraag 4       22   Aantal ingevulde risicotaxatieformulieren (RiHG)" in text
    assert "huisverboden" not in text and SECRET not in confirmation.raw.decode()

    # A correction: a new revision, the change named with the police label.
    imap_account.append(reply_to(invitation, CONTACT, police_form({**POLICE_FIGURES, "5": 4})))
    run_pass(bot)
    assert [s.revision for s in submissions(bot)] == [1, 2]
    correction = smtp_sink.wait_for(2)[1].message.get_content()
    assert "vraag 5 (Aantal overtredingen van het huisverbod): 3 wordt 4" in correction

    # GEGEVENS: the stored figures with the police labels, and a CSV of form `politie`.
    imap_account.append(simple_mail(f"A. Jansen <{CONTACT}>", "GEGEVENS"))
    run_pass(bot)
    gegevens = smtp_sink.wait_for(3)[2].message
    body = gegevens.get_body(("plain",)).get_content()
    assert f"== {UNIT} ==" in body and "2026-H1 (versie 2" in body
    assert "vraag 5        4   Aantal overtredingen van het huisverbod" in body
    rows = gegevens_csv(gegevens)
    assert {(r["Formulier"], r["Vraag"], r["Aantal"]) for r in rows} == {
        ("politie", key, str(value)) for key, value in {**POLICE_FIGURES, "5": 4}.items()}

    # The export: one row per answer, form `politie`, keys 1..5.
    with Session(bot.engine) as session:
        export = export_csv(session, "2026-H1")
    assert f"2026-H1,{UNIT},politie,1,140\n" in export
    assert f"2026-H1,{UNIT},politie,5,4\n" in export
    assert export.count(",politie,") == 5


def test_police_wrong_secret_gets_the_seed_answer_and_stores_nothing(
    bot: Bot, invitation: SinkMessage, imap_account: Any, smtp_sink: Any
) -> None:
    wrong = police_form(POLICE_FIGURES, secret="fout-fout-fout-fout")
    imap_account.append(reply_to(invitation, CONTACT, wrong))

    assert run_pass(bot).outcomes == {"rejected": 1}

    assert submissions(bot) == []
    [sent] = smtp_sink.wait_for(1)
    assert SEED_ANSWER in sent.message.get_content()


def test_police_missing_answer_is_named_with_its_police_label(
    bot: Bot, invitation: SinkMessage, imap_account: Any, smtp_sink: Any
) -> None:
    incomplete = {key: value for key, value in POLICE_FIGURES.items() if key != "5"}
    imap_account.append(reply_to(invitation, CONTACT, police_form(incomplete)))

    assert run_pass(bot).outcomes == {"rejected": 1}

    assert submissions(bot) == []
    text = smtp_sink.wait_for(1)[0].message.get_content().lower()
    assert "vraag 5 (aantal overtredingen van het huisverbod) is niet ingevuld" in text
