"""Mails as someone who writes Dutch for a municipality would write them: the half year in
words, counts with a point between thousands, the person's name where the mail gave it, the way
to correct figures and what GEGEVENS sends said as they are."""

from __future__ import annotations

from typing import Any

import pytest

from mailbot.bot import Bot
from mailbot.inbound.pipeline import run_pass
from mailbot.outbound.render import dutch_number
from tests.mails import simple_mail
from tests.stories import FIGURES, reply_from

SENDER = "huisverbod@utrecht.nl"
MANY = {**FIGURES, "1": 2431, "3": 1200}


# Wording does not depend on the database: SQLite alone keeps these stories fast.
pytestmark = pytest.mark.sqlite_only


def test_a_count_has_a_point_between_thousands() -> None:
    assert [dutch_number(n) for n in (0, 12, 999, 2431, 1234567, -2431)] == [
        "0", "12", "999", "2.431", "1.234.567", "-2.431"]
    assert dutch_number("-") == "-" and dutch_number(True) == "True"


def test_story_the_confirmation_reads_as_dutch(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    imap_account.append(reply_from(SENDER))
    imap_account.append(reply_from(SENDER, figures=MANY))

    run_pass(bot)

    first, second = (m.message.get_content() for m in smtp_sink.wait_for(2))
    assert first.startswith(
        "Geachte J. de Vries,\n\nWij hebben de gegevens van Utrecht over het eerste halfjaar van "
        "2026 (2026-H1) ontvangen en opgeslagen.")
    assert "\n  vraag 1    2.431   Aantal opgelegde huisverboden\n" in second
    assert "  - vraag 1 (Aantal opgelegde huisverboden): 12 wordt 2.431\n" in second
    assert ("Wilt u een aantal verbeteren? Stuur dan het hele formulier nog eens, met alle "
            "aantallen en het wachtwoord, bijvoorbeeld door de uitnodiging opnieuw te "
            "beantwoorden. Dat wordt versie 3; versie 2 blijft bewaard.") in second
    assert ("Stuur dan een e-mail met als onderwerp GEGEVENS. U krijgt per halfjaar de laatste "
            "versie terug.") in second
    assert "ooit" not in second and "1e halfjaar" not in second


def test_story_the_problems_reply_greets_the_person_by_the_name_it_read(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    imap_account.append(reply_from(SENDER, figures={**FIGURES, "2": "veel"}))

    assert run_pass(bot).outcomes == {"rejected": 1}

    body = smtp_sink.wait_for(1)[0].message.get_content()
    assert body.startswith("Geachte J. de Vries,\n\nWij hebben uw e-mail ontvangen")


def test_story_gegevens_shows_counts_as_dutch_readers_write_them(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    imap_account.append(reply_from(SENDER, figures=MANY))
    run_pass(bot)
    imap_account.append(simple_mail(SENDER, "GEGEVENS"))

    run_pass(bot)

    gegevens = smtp_sink.wait_for(2)[1].message
    body = gegevens.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "\n  vraag 1    2.431   Aantal opgelegde huisverboden\n" in body
    assert "per halfjaar de laatste versie" in body
