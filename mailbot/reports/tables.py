"""The report's tables, built from the exact figures; counts below regional level are suppressed.

National totals are exact. Every count in a regional or municipal row goes through the
small-number rule, and so does every ratio built from such counts.
"""

from __future__ import annotations

from collections.abc import Sequence

from mailbot.dates.periods import Period
from mailbot.forms import load_form
from mailbot.reports import rates as r
from mailbot.reports.cells import Cell, Column, Table, dutch
from mailbot.reports.figures import NO_REGION, Org, in_region
from mailbot.reports.police import COVERAGE, RIHG_COLUMNS, RIHG_NOTE, rihg, unit_rows
from mailbot.reports.scope import (
    NATIONAL,
    NO_DATA,
    NO_DATA_NOTE,
    Scope,
    no_data,
    question_columns,
    region_label,
)


def build_all(scope: Scope) -> dict[str, Table]:
    """Every table of the report, keyed by the name of its CSV file and XLSX sheet."""
    tables = (
        response(scope), national(scope, r.GEMEENTE), national_rates(scope),
        by_region(scope), region_rates(scope), trend(scope), national(scope, r.POLITIE),
        police_units(scope), municipalities(scope),
    )
    return {table.key: table for table in tables}


def response(scope: Scope) -> Table:
    """Invited and submitting organisations per region, and for the police."""
    submitted = {org.id for org in scope.dataset.submitters(scope.current, r.GEMEENTE)}
    invited = scope.invitees()
    rows: list[tuple[Cell, ...]] = []
    for region in scope.regional():
        rows.append(_response_row(region_label(region), in_region(invited, region), submitted))
    rows.append(_response_row(NATIONAL, invited, submitted))
    police = {org.id for org in scope.dataset.submitters(scope.current, r.POLITIE)}
    rows.append(_response_row("Politie-eenheden", scope.invitees(r.POLITIE), police))
    return Table(
        "respons", f"Respons {scope.period.dutch}",
        (Column("Regio", "text"), Column("Uitgenodigd"), Column("Ingezonden"),
         Column("Respons", "percent")),
        tuple(rows),
        "Uitgenodigd: de actieve organisaties van die soort. Een inzending van een organisatie "
        "die niet was uitgenodigd telt mee in de totalen, niet in de respons.",
    )


def _response_row(label: str, invited: list[Org], submitted: set[int]) -> tuple[Cell, ...]:
    answered = sum(org.id in submitted for org in invited)
    return (label, len(invited), answered, answered / len(invited) if invited else None)


def national(scope: Scope, kind: str) -> Table:
    """National totals per question, beside the previous period and a year earlier."""
    periods = (scope.current, scope.previous, scope.year_before)
    sums = [scope.dataset.total(p, kind) if scope.has(p, kind) else None for p in periods]
    counts = [len(scope.dataset.submitters(p, kind)) if s is not None else None
              for p, s in zip(periods, sums, strict=True)]
    rows = [_compare_row("", "Ingezonden formulieren", counts)]
    for question in load_form(kind).questions:
        values = [None if s is None else scope.national_cell(p, question.key, s[question.key], kind)
                  for p, s in zip(periods, sums, strict=True)]
        rows.append(_compare_row(question.key, question.label, values))
    who = "gemeenten" if kind == r.GEMEENTE else "politie-eenheden"
    return Table(
        "landelijk" if kind == r.GEMEENTE else "politie_landelijk",
        f"Landelijke totalen {who}",
        (Column("Vraag", "text"), Column("Omschrijving", "text"), Column(scope.current),
         Column(scope.previous), Column("Verschil", "change"), Column(scope.year_before),
         Column("Verschil jaar", "change")),
        tuple(rows),
        f"Som van de laatste versie van elke inzending ({who}); niet afgerond."
        + _low_response_note(scope, kind),
    )


def _low_response_note(scope: Scope, kind: str) -> str:
    """The warning the report opens with, also under the national table (and so in its sheet)."""
    invited = scope.invitees(kind)
    if not invited:
        return ""
    answered = {org.id for org in scope.dataset.submitters(scope.current, kind)}
    share = sum(org.id in answered for org in invited) / len(invited)
    if share >= scope.min_response:
        return ""
    return (f" Let op: lage respons, {dutch(share, 'percent')} van de uitgenodigden zond in; "
            "dit is de som van wie inzond, geen schatting voor heel Nederland.")


def _compare_row(key: str, label: str, values: Sequence[Cell]) -> tuple[Cell, ...]:
    now, before, year = values
    return (key, label, now, before, _change(now, before), year, _change(now, year))


def _change(now: Cell, before: Cell) -> float | None:
    """The relative change, only between two published counts."""
    if not isinstance(now, int) or not isinstance(before, int):
        return None
    return r.change(now, before)


RATE_COLUMNS = (
    Column("Opgelegde huisverboden per 100.000 inwoners", "rate"),
    Column("Verlengingen per opgelegd huisverbod", "ratio"),
    Column("Ingetrokken per opgelegd huisverbod", "ratio"),
    Column("Voorlopige voorzieningen", "count"),
    Column("Voorlopige voorzieningen per opgelegd huisverbod", "ratio"),
    Column("Ongegrond verklaard per voorlopige voorziening", "ratio"),
)


def _rate_cells(rates: r.Rates, provisional: Cell) -> tuple[Cell, ...]:
    return (rates.per_100k, rates.extended_per_imposed, rates.withdrawn_per_imposed,
            provisional, rates.provisional_per_imposed, rates.unfounded_per_provisional)


def national_rates(scope: Scope) -> Table:
    """The ratios nationally, this period beside the previous one and a year earlier."""
    rows: list[tuple[Cell, ...]] = []
    for period in (scope.current, scope.previous, scope.year_before):
        if not scope.has(period):
            rows.append((period, None, None, *(None,) * (len(RATE_COLUMNS) + 2)))
            continue
        rates = scope.national_rates(period)
        rows.append((period, rates.submitted, scope.national_cell(period, "1", rates.imposed),
                     *_rate_cells(rates, scope.national_cell(period, "8", rates.provisional)),
                     *rihg(scope, period)))
    return Table(
        "kengetallen", "Kengetallen landelijk",
        (Column("Periode", "text"), Column("Ingezonden gemeenten"),
         Column("Opgelegde huisverboden"), *RATE_COLUMNS, *RIHG_COLUMNS),
        tuple(rows),
        "Per 100.000 inwoners: alleen gemeenten die inzonden en waarvan het inwonertal bekend "
        f"is. {RIHG_NOTE}",
    )


def by_region(scope: Scope) -> Table:
    """Every question per veiligheidsregio, suppressed; the national row exact."""
    submitted = scope.dataset.submitters(scope.current, r.GEMEENTE)
    invited = scope.invitees()
    keys = load_form(r.GEMEENTE).keys
    rows: list[tuple[Cell, ...]] = []
    for region in scope.regional():
        members = in_region(submitted, region)
        sums = scope.dataset.total(scope.current, r.GEMEENTE, members)
        cells = [scope.region_cell(scope.current, region, key, sums[key]) for key in keys]
        rows.append((region_label(region), len(in_region(invited, region)), len(members),
                     *(cells if members else no_data(len(keys)))))
    sums = scope.dataset.total(scope.current, r.GEMEENTE, submitted)
    rows.append((NATIONAL, len(invited), len(submitted),
                 *(scope.national_cell(scope.current, key, sums[key]) for key in keys)))
    return Table(
        "regios", f"Per veiligheidsregio, {scope.period.dutch}",
        (Column("Regio", "text"), Column("Gemeenten"), Column("Ingezonden"),
         *question_columns(r.GEMEENTE)),
        tuple(rows),
        NO_DATA_NOTE,
    )


def region_rates(scope: Scope) -> Table:
    """Huisverboden and ratios per region, with the same period before."""
    submitted = scope.dataset.submitters(scope.current, r.GEMEENTE)
    rows: list[tuple[Cell, ...]] = []
    for region in scope.regional():
        earlier = [_regional_imposed(scope, period, region)
                   for period in (scope.previous, scope.year_before)]
        members = in_region(submitted, region)
        if not members:
            rows.append((region_label(region), NO_DATA, *earlier, *(None,) * len(RATE_COLUMNS)))
            continue
        rates = scope.region_rates(scope.current, region, members)
        cell = scope.region_cell
        rows.append((region_label(region), cell(scope.current, region, "1", rates.imposed),
                     *earlier, *_rate_cells(rates, cell(scope.current, region, "8",
                                                        rates.provisional))))
    rows.append(_national_rates_row(scope))
    return Table(
        "kengetallen_regios", f"Kengetallen per veiligheidsregio, {scope.period.dutch}",
        (Column("Regio", "text"), Column(f"Opgelegd {scope.current}"),
         Column(f"Opgelegd {scope.previous}"), Column(f"Opgelegd {scope.year_before}"),
         *RATE_COLUMNS),
        tuple(rows),
        "Een verhouding staat er alleen als beide aantallen ervan getoond mogen worden. "
        + NO_DATA_NOTE,
    )


def _national_rates_row(scope: Scope) -> tuple[Cell, ...]:
    rates = scope.national_rates(scope.current)
    earlier = [scope.national_cell(p, "1", scope.dataset.total(p, r.GEMEENTE)["1"])
               if scope.has(p) else None for p in (scope.previous, scope.year_before)]
    return (NATIONAL, scope.national_cell(scope.current, "1", rates.imposed), *earlier,
            *_rate_cells(rates, scope.national_cell(scope.current, "8", rates.provisional)))


def _regional_imposed(scope: Scope, period: str, region: str) -> Cell:
    members = in_region(scope.dataset.submitters(period, r.GEMEENTE), region)
    if not members:
        return None
    return scope.region_cell(period, region, "1",
                             scope.dataset.total(period, r.GEMEENTE, members)["1"])


def trend(scope: Scope) -> Table:
    """National counts and rates over every period up to this one."""
    rows = []
    for period in scope.dataset.periods(r.GEMEENTE):
        if Period.parse(period) > scope.period:
            continue
        rates = scope.national_rates(period)
        counts = (scope.national_cell(period, key, value) for key, value in (
            ("1", rates.imposed), ("5", rates.extended), ("4", rates.withdrawn),
            ("8", rates.provisional)))
        rows.append((period, rates.submitted, *counts, rates.per_100k,
                     rates.extended_per_imposed))
    return Table(
        "trend", "Landelijk verloop per halfjaar",
        (Column("Periode", "text"), Column("Ingezonden gemeenten"),
         Column("Opgelegde huisverboden"), Column("Verlengingen"), Column("Ingetrokken"),
         Column("Voorlopige voorzieningen"), RATE_COLUMNS[0], RATE_COLUMNS[1]),
        tuple(rows),
        "Let op: het aantal gemeenten dat inzond verschilt per halfjaar.",
    )


def police_units(scope: Scope) -> Table:
    """Police figures per unit beside the huisverboden of the municipalities in that unit."""
    return Table(
        "politie_eenheden", f"Politie per eenheid, {scope.period.dutch}",
        (Column("Politie-eenheid", "text"), Column("Organisatie", "text"),
         *question_columns(r.POLITIE), Column("Opgelegde huisverboden (gemeenten)"),
         COVERAGE, Column("Huisverboden per ingevuld RiHG", "ratio")),
        tuple(unit_rows(scope)),
        "Gemeenten horen bij de eenheid van hun veiligheidsregio. De huisverboden tellen alleen "
        "de gemeenten die inzonden; een verhouding staat er alleen als ten minste "
        f"{scope.min_response:.0%} van de gemeenten in het gebied inzond.".replace("%", " %"),
    )


def municipalities(scope: Scope) -> Table:
    """Every invited or submitting municipality with its figures, suppressed, per region."""
    submitted = scope.dataset.submitters(scope.current, r.GEMEENTE)
    everyone = {org.id: org for org in scope.invitees() + submitted}.values()
    rows: list[tuple[Cell, ...]] = []
    keys = load_form(r.GEMEENTE).keys
    for org in sorted(everyone, key=lambda o: (o.region == NO_REGION, o.region, o.name)):
        answers = scope.dataset.of(scope.current, r.GEMEENTE, org)
        values = [None if answers is None else scope.hide(answers.get(key)) for key in keys]
        rows.append((region_label(org.region), org.name, org.code or "", org.population,
                     "ja" if answers is not None else "nee", *values))
    return Table(
        "gemeenten", f"Gemeenten per veiligheidsregio, {scope.period.dutch}",
        (Column("Regio", "text"), Column("Gemeente", "text"), Column("CBS-code", "text"),
         Column("Inwoners"), Column("Ingezonden", "text"), *question_columns(r.GEMEENTE)),
        tuple(rows),
    )
