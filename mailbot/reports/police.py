"""Police figures beside the municipal ones: per police unit, the huisverboden of its area."""

from __future__ import annotations

from collections import defaultdict

from mailbot.forms import load_form
from mailbot.reports.cells import Cell
from mailbot.reports.figures import Org
from mailbot.reports.rates import GEMEENTE, POLITIE
from mailbot.reports.reference import unit_of_police, unit_of_region
from mailbot.reports.scope import NATIONAL, Scope
from mailbot.reports.suppress import ratio

UNKNOWN_UNIT = "(onbekende eenheid)"


def municipal_by_unit(scope: Scope) -> dict[str, int]:
    """Opgelegde huisverboden (vraag 1) of the submitting municipalities, per police unit."""
    sums: dict[str, int] = defaultdict(int)
    for org in scope.dataset.submitters(scope.current, GEMEENTE):
        answers = scope.dataset.of(scope.current, GEMEENTE, org) or {}
        sums[unit_of_region(org.region) or UNKNOWN_UNIT] += answers.get("1", 0)
    return dict(sums)


def unit_rows(scope: Scope) -> list[tuple[Cell, ...]]:
    """One row per police organisation (suppressed), then the exact national row."""
    keys = load_form(POLITIE).keys
    submitted = scope.dataset.submitters(scope.current, POLITIE)
    police = {org.id: org for org in scope.invitees(POLITIE) + submitted}.values()
    municipal = municipal_by_unit(scope)
    rows: list[tuple[Cell, ...]] = []
    for unit, org in sorted(((unit_of_police(o) or UNKNOWN_UNIT, o) for o in police),
                            key=lambda pair: (pair[0] == UNKNOWN_UNIT, pair[0], pair[1].name)):
        rows.append(_unit_row(scope, unit, org, keys, municipal.get(unit, 0)))
    sums = scope.dataset.total(scope.current, POLITIE)
    imposed = scope.dataset.total(scope.current, GEMEENTE)["1"]
    rows.append((NATIONAL, "", *(sums[key] for key in keys), imposed,
                 ratio(imposed, sums["4"]) if submitted else None))
    return rows


def _unit_row(scope: Scope, unit: str, org: Org, keys: tuple[str, ...],
              imposed: int) -> tuple[Cell, ...]:
    answers = scope.dataset.of(scope.current, POLITIE, org)
    values = [None if answers is None else scope.hide(answers.get(key)) for key in keys]
    rihg = None if answers is None else ratio(imposed, answers.get("4", 0), scope.threshold)
    shown = scope.hide(imposed) if unit != UNKNOWN_UNIT else None
    return (unit, org.name, *values, shown, rihg)
