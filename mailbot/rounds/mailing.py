"""The mail of a round: invitations, reminders and the admins' overview, queued as outbox rows.

Every mail has a Message-ID derived from what it is (round, step, organisation, address), so
queueing it again is a no-op, and a RoundMail row that lets a reply find its round.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from mailbot.admin.progress import Progress
from mailbot.config import Settings
from mailbot.dates.localtime import DUTCH, zone_of
from mailbot.dates.periods import Period
from mailbot.forms import load_form
from mailbot.inbound.outcome import Draft
from mailbot.outbound import outbox
from mailbot.outbound.compose import reply_message_id
from mailbot.outbound.render import Rendered, Renderer
from mailbot.rounds.timeline import deadline_for, local_day
from mailbot.store import milestones, orgs
from mailbot.store.models import AuditEvent, Organisation, Round, RoundMail, Submission

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Addressed:
    """An organisation, the addresses a round mail goes (or would go) to, and all its
    registered addresses (none: it cannot be reached by mail at all)."""

    org: Organisation
    addresses: tuple[str, ...]
    registered: tuple[str, ...] = ()


def milestone_key(period: Period, step: str) -> str:
    """The milestone of a round step: `open`, `reminder:14`, `overview`."""
    return f"round:{period}:{step}"


def require_ended(period: Period, now: datetime, zone: ZoneInfo = DUTCH) -> None:
    """An AdminError unless the half year is over (figures about it cannot be sent before)."""
    if not period.has_ended(now, zone):
        raise orgs.AdminError(f"De periode {period} is nog niet voorbij")


def require_round(session: Session, period: Period) -> Round:
    """The opened round of a period, or an AdminError."""
    round_ = session.get(Round, str(period))
    if round_ is None:
        raise orgs.AdminError(
            f"De ronde {period} is nog niet geopend (mailbot round open {period})"
        )
    return round_


def active(session: Session) -> list[Organisation]:
    """Every organisation that reports, by name."""
    query = select(Organisation).where(col(Organisation.active)).order_by(Organisation.name)
    return list(session.exec(query))


def has_submitted(session: Session, org: Organisation, period: Period) -> bool:
    """True when the organisation sent figures of its own form for the period."""
    query = select(Submission.id).where(
        Submission.organisation_id == org.id, Submission.period == str(period),
        Submission.form_kind == org.kind,
    )
    return session.exec(query).first() is not None


def missing(session: Session, period: Period) -> list[Addressed]:
    """Active organisations without figures for the period, as of now, with their addresses."""
    absent = [org for org in active(session) if not has_submitted(session, org, period)]
    planned = []
    for org in absent:
        registered = tuple(orgs.addresses_of(session, org))
        planned.append(Addressed(org, registered, registered))
    return planned


def uninvited(session: Session, period: Period) -> list[Addressed]:
    """Active organisations with the addresses that have had no invitation for the period yet."""
    invited = set(session.exec(
        select(RoundMail.organisation_id, RoundMail.recipient)
        .where(RoundMail.period == str(period), RoundMail.kind == "invitation")
    ).all())
    planned = []
    for org in active(session):
        registered = tuple(orgs.addresses_of(session, org))
        addresses = tuple(a for a in registered if (org.id, a) not in invited)
        if addresses or not registered:  # an organisation without an address is reported
            planned.append(Addressed(org, addresses, registered))
    return planned


def reminder_plan(
    session: Session, settings: Settings, round_: Round, step: str
) -> list[Addressed]:
    """Who a reminder of this step would reach now, as `remind` decides it: the organisations
    still missing, at each address this step has not reached yet (a manual step is one a day)."""
    return [
        Addressed(planned.org, tuple(
            a for a in planned.addresses
            if not _queued_before(session, settings, round_, planned.org, a, "reminder", step)
        ), planned.registered)
        for planned in missing(session, Period.parse(round_.period))
    ]


def asked(session: Session, period: Period) -> list[int]:
    """The organisations a round asked for figures: those invited, and any that answered."""
    invited = select(RoundMail.organisation_id).where(
        RoundMail.period == str(period), RoundMail.kind == "invitation")
    answered = select(Submission.organisation_id).where(Submission.period == str(period))
    return sorted(set(session.exec(invited).all()) | set(session.exec(answered).all()))


def bounced(session: Session, org: Organisation, since: datetime) -> tuple[str, ...]:
    """Addresses of the organisation reported undeliverable since a moment."""
    query = select(AuditEvent.detail).distinct().where(
        AuditEvent.action == "bounce", AuditEvent.organisation_id == org.id,
        col(AuditEvent.at) >= since,
    )
    return tuple(sorted(session.exec(query).all()))


def open_round(
    session: Session, settings: Settings, renderer: Renderer, now: datetime, period: Period,
    opened_by: str, progress: Progress | None = None,
) -> tuple[Round, list[Addressed]]:
    """Open the round (once) and invite every address not invited yet; the caller commits.

    Run again, it invites only organisations and addresses added since. A progress step per
    organisation.
    """
    require_ended(period, now, zone_of(settings))
    round_ = session.get(Round, str(period))
    if round_ is None:
        milestones.record(session, milestone_key(period, "open"), now, opened_by)
        round_ = Round(period=str(period), opened_at=now, opened_by=opened_by,
                       deadline=deadline_for(settings, period, local_day(settings, now)))
        session.add(round_)
        session.flush()
    progress = progress or Progress()
    plan = uninvited(session, period)
    progress.start(len(plan))
    invited = []
    for planned in plan:
        rendered = _render(renderer, "invitation.txt.j2", round_, planned.org)
        sent = tuple(a for a in planned.addresses
                     if _queue(session, settings, now, round_, planned.org, a, "invitation", "",
                               rendered))
        invited.append(Addressed(planned.org, sent, planned.registered))
        progress.advance()
    return round_, invited


def remind(
    session: Session, settings: Settings, renderer: Renderer, now: datetime, round_: Round,
    step: str, progress: Progress | None = None,
) -> list[Addressed]:
    """Remind every organisation still missing, at each of its addresses; the caller commits.

    A progress step per organisation.
    """
    progress = progress or Progress()
    absent = missing(session, Period.parse(round_.period))
    progress.start(len(absent))
    reminded = []
    for planned in absent:
        rendered = _render(renderer, "reminder.txt.j2", round_, planned.org)
        sent = tuple(a for a in planned.addresses
                     if _queue(session, settings, now, round_, planned.org, a, "reminder", step,
                               rendered))
        reminded.append(Addressed(planned.org, sent, planned.registered))
        progress.advance()
    return reminded


def overview(
    session: Session, settings: Settings, renderer: Renderer, now: datetime, round_: Round,
) -> list[Addressed]:
    """Tell the admins who is missing after the deadline; returns the missing organisations."""
    period = Period.parse(round_.period)
    absent = missing(session, period)
    submitters = [org for org in active(session) if has_submitted(session, org, period)]
    rendered = renderer.mail(
        "admin_missing.txt.j2", period=str(period), period_dutch=period.dutch,
        deadline=round_.deadline, total=len(submitters) + len(absent),
        submitted=len(submitters), late=sum(_first_late(session, o, period) for o in submitters),
        missing=[{"name": m.org.name, "kind": m.org.kind, "addresses": m.addresses,
                  "bounced": bounced(session, m.org, round_.opened_at)} for m in absent],
    )
    for admin in settings.admin_addresses:
        basis = f"round:{period}:overview:{admin}"
        outbox.queue(session, settings, now, Draft(admin, "round_overview", rendered), None,
                     basis=basis)
    if not settings.admin_addresses:
        log.warning("round %s: no admin addresses, overview not sent", period)
    return absent


def _first_late(session: Session, org: Organisation, period: Period) -> bool:
    query = select(Submission.late).where(
        Submission.organisation_id == org.id, Submission.period == str(period),
        Submission.form_kind == org.kind, Submission.revision == 1,
    )
    return bool(session.exec(query).first())


def _render(renderer: Renderer, template: str, round_: Round, org: Organisation) -> Rendered:
    period = Period.parse(round_.period)
    return renderer.mail(template, form=load_form(org.kind), org_name=org.name,
                         period=str(period), period_dutch=period.dutch, deadline=round_.deadline)


def _basis(round_: Round, org: Organisation, address: str, kind: str, step: str) -> str:
    """What a round mail is, from which its Message-ID is made."""
    return f"round:{round_.period}:{kind}:{step}:{org.id}:{address}"


def _queued_before(
    session: Session, settings: Settings, round_: Round, org: Organisation, address: str,
    kind: str, step: str,
) -> bool:
    """True when this round mail was queued before (its Message-ID is on a RoundMail row)."""
    basis = _basis(round_, org, address, kind, step)
    bare = reply_message_id(basis, kind, 0, settings).strip("<>")
    query = select(RoundMail.id).where(RoundMail.message_id == bare)
    return session.exec(query).first() is not None


def _queue(
    session: Session, settings: Settings, now: datetime, round_: Round, org: Organisation,
    address: str, kind: str, step: str, rendered: Rendered,
) -> bool:
    """Queue one round mail unless it was queued before; False when nothing was queued."""
    if _queued_before(session, settings, round_, org, address, kind, step):
        return False
    basis = _basis(round_, org, address, kind, step)
    bare = reply_message_id(basis, kind, 0, settings).strip("<>")
    reply_id = outbox.queue(session, settings, now, Draft(address, kind, rendered), None,
                            basis=basis)
    if reply_id is None:  # queued before under the same Message-ID
        return False
    assert org.id is not None  # a stored organisation
    session.add(RoundMail(period=round_.period, organisation_id=org.id, kind=kind, step=step,
                          recipient=address, message_id=bare, reply_id=reply_id,
                          created_at=now))
    return True
