"""GEGEVENS / "Mijn gegevens opvragen": every stored figure, only to a registered address."""

from __future__ import annotations

from dataclasses import dataclass, field

from mailbot.dates.localtime import shown, shown_day, zone_of
from mailbot.forms import Form, load_form
from mailbot.handlers.refusal import registered_sender
from mailbot.inbound.outcome import Attachment, Context, Draft, Outcome
from mailbot.reports import xlsx
from mailbot.reports.export import DUTCH_HISTORY_HEADER, Row, to_excel_csv
from mailbot.store.models import Organisation
from mailbot.store.submissions import current_rows


def handle(ctx: Context) -> Outcome:
    """Reply to the sender only when it is a registered address; never to Reply-To or the body."""
    found = registered_sender(ctx, "gegevens")
    if isinstance(found, Outcome):
        return found
    sender, acting = found
    overviews = [_overview(ctx, org) for org in acting]
    rows = [row for overview in overviews for row in overview.rows]
    rendered = ctx.renderer.mail("gegevens.txt.j2", organisations=overviews)
    # The figures are tables: an HTML alternative keeps them in columns in any font.
    page = ctx.renderer.env.overlay(autoescape=True).get_template("gegevens.html.j2")
    return Outcome("processed", f"gegevens sent for {len(acting)} organisation(s)",
                   (Draft(sender, "gegevens", rendered, files(rows),
                          html=page.render(organisations=overviews)),))


def files(rows: list[Row]) -> tuple[Attachment, ...]:
    """The overview as a workbook and as a CSV that Dutch Excel opens in columns."""
    return (
        Attachment("gegevens.xlsx", xlsx.CONTENT_TYPE,
                   xlsx.workbook([xlsx.Sheet("gegevens", DUTCH_HISTORY_HEADER, rows)])),
        Attachment("gegevens.csv", "text/csv", to_excel_csv(DUTCH_HISTORY_HEADER, rows)),
    )


@dataclass
class PeriodFigures:
    """One half year's current figures of an organisation, as the mail shows them."""

    revision: int
    date: str
    form: Form
    answers: dict[str, int] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)  # the remarks kept with answers


@dataclass
class Overview:
    """An organisation's current figures per half year, and the same as rows for the files."""

    name: str
    periods: dict[str, PeriodFigures]
    rows: list[Row]


def _overview(ctx: Context, org: Organisation) -> Overview:
    """The current figures of one organisation, grouped per period, for template and files."""
    periods: dict[str, PeriodFigures] = {}
    rows: list[Row] = []
    zone = zone_of(ctx.settings)
    for sub, _, answer in sorted(current_rows(ctx.session, org=org),
                                 key=lambda r: (r[0].period, r[0].form_kind)):
        form = load_form(sub.form_kind, sub.form_version)
        entry = periods.setdefault(sub.period, PeriodFigures(
            sub.revision, shown_day(sub.created_at, zone), form))
        entry.form = form
        entry.answers[answer.question] = answer.value
        if answer.note:
            entry.notes[answer.question] = answer.note
        rows.append((sub.period, org.name, sub.form_kind, answer.question,
                     _label(form, answer.question), answer.value, sub.revision,
                     shown(sub.created_at, zone), sub.form_version, answer.note or ""))
    return Overview(org.name, dict(sorted(periods.items())), rows)


def _label(form: Form, key: str) -> str:
    """The question's label as the form words it; empty for a key the form no longer has."""
    return form.question(key).label if key in form.keys else ""
