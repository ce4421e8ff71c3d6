"""The questionnaires are data: the seed's words, validated, and all in the template mail."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from mailbot.forms import KINDS, load_form
from mailbot.outbound.render import Renderer

SEED_BIJLAGE = {
    "1": "aantal keer dat een beschikking huisverbod is uitgevaardigd (ook mondeling)",
    "5": "aantal keer dat de burgemeester de termijn van 10 dagen huisverbod verlengt tot "
    "maximaal 28 dagen",
    "9": "aantal keren dat het opgelegde huisverbod (ook bij verlengingen) door de rechter "
    "ongegrond wordt verklaard",
}


def test_municipal_form_has_the_seed_questions_in_order() -> None:
    form = load_form("gemeente")
    assert form.keys == ("1", "2", "3", "4", "5", "6", "7a", "7b", "7c", "8", "9", "10")
    assert form.question("1").label == "Aantal opgelegde huisverboden"
    assert form.question("10").label == "Aantal (hoger) beroepen"
    for key, text in SEED_BIJLAGE.items():
        assert form.question(key).toelichting == text
    assert form.group("7").toelichting.startswith("het aantal hulpverleningstrajecten dat start")


def test_police_form_has_the_five_police_figures() -> None:
    form = load_form("politie")
    labels = [q.label.lower() for q in form.questions]
    for word in ("incidenten", "meldingen", "aangiften", "risicotaxatie", "overtredingen"):
        assert any(word in label for label in labels), word


@pytest.mark.parametrize("kind", KINDS)
def test_every_question_appears_in_the_template_mail(kind: str) -> None:
    form = load_form(kind)
    mail = Renderer().mail("template.txt.j2", form=form, org_name="", period="2026-H1",
                           period_dutch="eerste halfjaar van 2026")
    for q in form.questions:
        assert f"\n{q.key}. {q.label}:\n" in mail.body
    for field in (form.org_field, "Naam", "E-mailadres", "Wachtwoord", "Periode"):
        assert re.search(rf"^{field}:", mail.body, re.M), field


def _literals(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.value for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def test_no_question_text_lives_in_code() -> None:
    strings = " | ".join(
        text for p in Path("mailbot").rglob("*.py") for text in _literals(p)
    )
    for kind in KINDS:
        for q in load_form(kind).questions:
            assert q.label not in strings


def test_plausibility_rules_come_from_the_form() -> None:
    form = load_form("gemeente")
    warnings = form.warnings({"1": 1, "5": 5, "4": 4, "8": 1, "9": 2, "7a": 3})
    assert len(warnings) == 4
    assert form.warnings({"1": 5, "5": 2, "4": 1, "8": 3, "9": 1, "7a": 2}) == []
