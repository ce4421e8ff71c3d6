"""Sending a period's report to the analysts, and each municipality its own comparison, once.

Both only queue outbox rows in the caller's transaction, together with a milestone, so a
second call (a restart, a second daemon) queues nothing. The daemon calls `deliver` after a
round's deadline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from mailbot.config import Settings
from mailbot.dates.periods import Period
from mailbot.forms import load_form
from mailbot.inbound.outcome import Attachment, Draft
from mailbot.outbound import outbox
from mailbot.outbound.render import Rendered, Renderer
from mailbot.reports import figures, files, html, xlsx
from mailbot.reports.cells import Cell, Kind, dutch
from mailbot.reports.figures import NO_REGION, Org, in_region
from mailbot.reports.rates import GEMEENTE, RATIOS, rates
from mailbot.reports.report import Report, build
from mailbot.reports.scope import Scope
from mailbot.store import milestones
from mailbot.store.models import Organisation
from mailbot.store.orgs import addresses_of

FEEDBACK_HTML = "feedback.html.j2"


@dataclass(frozen=True)
class Delivery:
    """What one call queued."""

    report_recipients: int = 0
    feedback_orgs: int = 0


def deliver(
    session: Session, settings: Settings, renderer: Renderer, now: datetime,
    period: Period | str, invited: figures.Invited = figures.active_orgs,
) -> Delivery:
    """Queue the report to `settings.report_addresses` and, when switched on, the feedback to
    every municipality that submitted; each at most once per period."""
    parsed = Period.parse(str(period))
    key = f"report:{parsed}"
    sent = 0
    if settings.report_addresses and not milestones.reached(session, key):
        report = build(session, parsed, now, settings.report_threshold, invited,
                       settings.report_min_response)
        draft_for = _report_drafts(report, renderer)
        for index, address in enumerate(settings.report_addresses):
            queued = outbox.queue(session, settings, now, draft_for(address), None, index,
                                  basis=key)
            sent += queued is not None
        milestones.record(session, key, now, f"{sent} ontvanger(s)")
    return Delivery(sent, feedback(session, settings, renderer, now, parsed))


def _report_drafts(report: Report, renderer: Renderer) -> Callable[[str], Draft]:
    """A function from recipient to the report mail: text and HTML body, HTML and XLSX files."""
    name = f"huisverbod-{report.period}"
    attachments = (
        Attachment(f"{name}.html", "text/html", html.render(report, renderer).encode()),
        Attachment(f"{name}.xlsx", xlsx.CONTENT_TYPE, files.workbook(report)),
    )
    rendered = renderer.mail("report_mail.txt.j2", summary=report.summary, show=dutch,
                             threshold=report.threshold, files=[a.filename for a in attachments])
    body = html.render(report, renderer, mail=True)

    def draft(address: str) -> Draft:
        return Draft(address, "report", rendered, attachments, html=body)

    return draft


def feedback(
    session: Session, settings: Settings, renderer: Renderer, now: datetime,
    period: Period | str,
) -> int:
    """Queue to each submitting municipality its figures beside its region's and the national
    rates; returns how many municipalities got one now. Off when `report_feedback` is false."""
    if not settings.report_feedback:
        return 0
    parsed = str(Period.parse(str(period)))
    scope = Scope(figures.load(session), Period.parse(parsed), settings.report_threshold,
                  figures.active_orgs, settings.report_min_response)
    dataset = scope.dataset
    count = 0
    for org in dataset.submitters(parsed, GEMEENTE):
        key = f"feedback:{parsed}:{org.id}"
        model = session.get(Organisation, org.id)
        addresses = addresses_of(session, model) if model is not None else []
        if not addresses or milestones.reached(session, key):
            continue
        rendered, body = _feedback_mail(scope, org, renderer)
        for index, address in enumerate(addresses):
            outbox.queue(session, settings, now, Draft(address, "feedback", rendered, html=body),
                         None, index, basis=key)
        milestones.record(session, key, now)
        count += 1
    return count


def _feedback_mail(scope: Scope, org: Org, renderer: Renderer) -> tuple[Rendered, str]:
    """The municipality's own figures (exact: they are its own) beside its region's and the
    nation's as published, so that no withheld count of a neighbour can be worked out; as
    text and as an HTML alternative whose tables hold in any font."""
    dataset, period = scope.dataset, scope.current
    own = rates(dataset, period, [org])
    national = scope.national_rates(period)
    region, regional = None, None
    if org.region != NO_REGION:
        members = in_region(dataset.submitters(period, GEMEENTE), org.region)
        region = scope.region_rates(period, org.region, members)
        regional = scope.region_cell(period, org.region, "1", region.imposed)
    rows: list[tuple[str, Kind, Cell, Cell, Cell]] = [
        ("Opgelegde huisverboden", "count", own.imposed, regional,
         scope.national_cell(period, "1", national.imposed))]
    rows += [(label, _kind(name), own.get(name), region.get(name) if region else None,
              national.get(name)) for name, label in RATIOS]
    context = {"org": org, "period": scope.period, "form": load_form(GEMEENTE),
               "answers": dataset.of(period, GEMEENTE, org) or {}, "rows": rows, "show": dutch,
               "threshold": scope.threshold}
    html_page = renderer.env.overlay(autoescape=True).get_template(FEEDBACK_HTML)
    return renderer.mail("feedback.txt.j2", **context), html_page.render(**context)


def _kind(name: str) -> Kind:
    return "rate" if name == "per_100k" else "ratio"
