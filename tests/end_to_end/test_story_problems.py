"""Problem replies: one clear Dutch mail that names every unusable answer, says why, repeats the
lines read and stores nothing; a mail without a form gets a short explanation and the form.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from mailbot.bot import Bot
from mailbot.dates.periods import Period
from mailbot.forms import load_form
from mailbot.inbound.pipeline import run_pass
from mailbot.outbound.render import Renderer
from mailbot.reader.parse import PROBLEM_CODES, Problem
from tests.mails import simple_mail, template_text, thunderbird_reply
from tests.stories import SECRET, submissions

SENDER = "huisverbod@utrecht.nl"
LABELS = {q.key: q.label for q in load_form("gemeente").questions}


# Reading does not depend on the database: SQLite alone keeps these stories fast.
pytestmark = pytest.mark.sqlite_only


MANY_PROBLEMS = f"""Gemeente: Utrecht
Naam: J. de Vries
Wachtwoord: {SECRET}
Periode: 2026-H1

1. Aantal opgelegde huisverboden: -3
2. Aantal geweigerde huisverboden: 0
3. Aantal keren inschakeling raadsman: ca. 10
4. Aantal ingetrokken huisverboden:
5. Aantal ingetrokken huisverboden: 1
6. Aantal uithuisgeplaatsten in opvang: 2
6. Aantal uithuisgeplaatsten in opvang: 3
7a: 6
7b. 7
7c 9
8. Aantal voorlopige voorzieningen: 12 per maand
9. Uitkomst voorlopige voorzieningen: 2,5
10. Aantal (hoger) beroepen: 0
11. Aantal meldingen: 3
"""


def test_story_every_problem_is_listed_in_one_reply_and_nothing_is_stored(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    imap_account.append(thunderbird_reply(SENDER, MANY_PROBLEMS, template_text()))

    assert run_pass(bot).outcomes == {"rejected": 1}

    assert submissions(bot) == []
    [sent] = smtp_sink.wait_for(1)
    assert sent.rcpt_tos == [SENDER]
    assert sent.message["Subject"] == (
        "Monitoringsysteem Huisverbod: gegevens niet verwerkt (Utrecht)")
    body = sent.message.get_content()
    bullets = [line[4:] for line in body.splitlines() if line.startswith("  - ")]
    assert bullets == [
        'Vraag 1 (Aantal opgelegde huisverboden): "-3" is negatief. Een aantal is 0 of meer.',
        'Vraag 3 (Aantal keren inschakeling raadsman): "ca. 10" is een schatting. '
        "Vul het precieze aantal in.",
        "Vraag 4 (Aantal ingetrokken huisverboden) is niet ingevuld. "
        "Vul een aantal in, ook als het 0 is.",
        'De regel "5. Aantal ingetrokken huisverboden: 1" heeft nummer 5, maar de tekst hoort bij '
        "vraag 4 (Aantal ingetrokken huisverboden). Controleer het nummer en de tekst.",
        "Vraag 6 (Aantal uithuisgeplaatsten in opvang) staat meer dan eens in uw e-mail, met "
        "verschillende aantallen (2 en 3). Laat één regel staan, met het juiste aantal.",
        'Vraag 8 (Aantal voorlopige voorzieningen): "12 per maand" is geen aantal. Schrijf alleen '
        "een heel getal, bijvoorbeeld 3, of 0 als het er geen waren.",
        'Vraag 9 (Uitkomst voorlopige voorzieningen): "2,5" is geen heel getal. '
        "Een aantal is altijd een heel getal.",
        'De regel "11. Aantal meldingen: 3" noemt vraag 11, maar die vraag staat niet op het '
        "formulier. Controleer het nummer.",
    ]
    read_back = body.split("Dit hebben wij gelezen:\n\n")[1].split("\n\n")[0]
    assert read_back.splitlines() == [
        f"  {line}" for line in MANY_PROBLEMS.splitlines()
        if line and not line.startswith("Wachtwoord")
    ]
    assert SECRET not in sent.raw.decode()


def test_story_an_unreadable_period_is_explained(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    body = MANY_PROBLEMS.replace("Periode: 2026-H1", "Periode: voorjaar 2026")
    imap_account.append(thunderbird_reply(SENDER, body, template_text()))

    run_pass(bot)

    reply = smtp_sink.wait_for(1)[0].message.get_content()
    assert ('  - De periode "voorjaar 2026" kunnen wij niet lezen. Schrijf het halfjaar als '
            "2026-H1 (januari tot en met juni) of 2026-H2 (juli tot en met december).") in reply


def test_story_a_mail_without_a_form_gets_a_short_explanation_and_the_blank_form(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    # From an address registered nowhere: a registered one's goes to a person (test_story_helpdesk).
    imap_account.append(simple_mail("iemand@elders.nl", "Vraag over de cijfers",
                                    "Goedemorgen,\n\nWanneer moeten de cijfers binnen zijn?\n"))

    assert run_pass(bot).outcomes == {"rejected": 1}

    assert submissions(bot) == []
    [sent] = smtp_sink.wait_for(1)
    assert sent.message["Subject"] == "Monitoringsysteem Huisverbod: geen formulier gevonden"
    body = sent.message.get_content()
    assert body.startswith("Geachte heer/mevrouw,\n\nIn uw e-mail hebben wij geen ingevuld "
                           "formulier gevonden.")
    form = "\n".join(f"{key}. {label}:" for key, label in LABELS.items())
    assert "Gemeente:\nNaam:\nE-mailadres:\nWachtwoord:\nPeriode:\n\n" + form in body.replace(
        ": \n", ":\n")


# --- every problem code reads as a Dutch sentence -----------------------------------------------

EXAMPLES = {
    "missing": Problem("missing", "3", ""),
    "negative": Problem("negative", "1", "1: -3", "-3"),
    "not_a_number": Problem("not_a_number", "1", "1: 12 per maand", "12 per maand"),
    "decimal": Problem("decimal", "1", "1: 2,5", "2,5"),
    "range": Problem("range", "1", "1: 3-5", "3-5"),
    "approximate": Problem("approximate", "1", "1: ca. 10", "ca. 10"),
    "unknown_value": Problem("unknown_value", "2", "2: veel", "veel"),
    "conflict": Problem("conflict", "6", "6: 3", "2, 3"),
    "remark_changes_count": Problem("remark_changes_count", "1", "1: 12 (excl. 3 mondeling)",
                                    "excl. 3 mondeling"),
    "label_mismatch": Problem("label_mismatch", "5", "5. Aantal fietsen: 1", ""),
    "unknown_question": Problem("unknown_question", None, "11. Aantal meldingen: 3", "11"),
    "org_missing": Problem("org_missing", None, "Gemeente:"),
    "secret_missing": Problem("secret_missing", None, "Wachtwoord:"),
    "period_missing": Problem("period_missing", None, ""),
    "period_unreadable": Problem("period_unreadable", None, "Periode: voorjaar", "voorjaar"),
    "period_not_ended": Problem("period_not_ended", None, "Periode: 2026-H2", "2026-H2"),
}


@pytest.mark.parametrize("code", PROBLEM_CODES)
def test_every_problem_code_has_its_own_sentence(code: str) -> None:
    sentence = explain(EXAMPLES[code])
    assert "deze regel kunnen wij niet gebruiken" not in sentence  # not the fallback
    assert sentence[0].isupper() and sentence.endswith(".")
    assert "None" not in sentence and "  " not in sentence and '""' not in sentence
    if EXAMPLES[code].question:
        assert f"{EXAMPLES[code].question} ({LABELS[EXAMPLES[code].question]})" in sentence


def test_a_label_that_fits_another_question_names_that_question() -> None:
    problem = Problem("label_mismatch", "5", "5. Aantal ingetrokken huisverboden: 1", "4")
    assert "hoort bij vraag 4 (Aantal ingetrokken huisverboden)" in explain(problem)


def test_the_police_form_names_its_own_organisation_field() -> None:
    assert explain(EXAMPLES["org_missing"], org_field="Politie-eenheid") == (
        'Achter "Politie-eenheid:" staat geen naam.')


def explain(problem: Problem, org_field: str = "Gemeente") -> str:
    """The one bullet the problem reply gives for this problem."""
    body = Renderer().mail(
        "problems.txt.j2", org_name="Utrecht", problems=(problem,), labels=LABELS, lines=(),
        cut=False, org_field=org_field, person_name="",
        last_ended=Period.last_ended(datetime(2026, 7, 6, tzinfo=UTC)),
    ).body
    [bullet] = [line[4:] for line in body.splitlines() if line.startswith("  - ")]
    return bullet
