"""Where a round stands (`mailbot round status`): its steps, and per organisation its figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from mailbot.config import Settings
from mailbot.dates.periods import Period
from mailbot.rounds.mailing import active, bounced, milestone_key
from mailbot.rounds.timeline import Timeline, timeline
from mailbot.store.models import Milestone, Organisation, Round, RoundMail, Submission


@dataclass(frozen=True)
class Step:
    """One scheduled step of a round: when it falls and, once done, what happened."""

    name: str  # open | reminder:14 | overview | report
    at: datetime
    done: Milestone | None


@dataclass(frozen=True)
class Standing:
    """One organisation in a round: first figures, current revision, reminders, bounces."""

    organisation: str
    kind: str
    submitted_at: datetime | None
    revision: int | None
    late: bool
    reminders: int
    bounced: tuple[str, ...]


@dataclass(frozen=True)
class RoundView:
    """All `round status` shows."""

    period: Period
    round: Round | None
    timeline: Timeline
    steps: tuple[Step, ...]
    standings: tuple[Standing, ...]


def view(session: Session, settings: Settings, period: Period) -> RoundView:
    """The round of a period as it stands now (also before it is opened)."""
    round_ = session.get(Round, str(period))
    plan = timeline(settings, period, round_.deadline if round_ else None)
    moments = [("open", plan.opens)]
    moments += [(r.step, r.at) for r in plan.reminders]
    moments += [("overview", plan.overview), ("report", plan.overview)]
    steps = tuple(Step(name, at, _done(session, period, name, round_)) for name, at in moments)
    standings = tuple(_standing(session, org, period, round_) for org in active(session))
    return RoundView(period, round_, plan, steps, standings)


def _done(session: Session, period: Period, name: str, round_: Round | None) -> Milestone | None:
    """The milestone of a step; the opening is the round itself (an admin may open it late)."""
    key = milestone_key(period, name)
    if name == "open" and round_ is not None:
        return Milestone(key=key, at=round_.opened_at, detail=round_.opened_by)
    return session.get(Milestone, key)


def _standing(
    session: Session, org: Organisation, period: Period, round_: Round | None
) -> Standing:
    revisions = list(session.exec(
        select(Submission)
        .where(Submission.organisation_id == org.id, Submission.period == str(period),
               Submission.form_kind == org.kind)
        .order_by(col(Submission.revision))
    ))
    reminders = session.exec(
        select(func.count(func.distinct(RoundMail.step))).where(
            RoundMail.period == str(period), RoundMail.organisation_id == org.id,
            RoundMail.kind == "reminder",
        )
    ).one()
    first = revisions[0] if revisions else None
    return Standing(
        organisation=org.name, kind=org.kind,
        submitted_at=first.created_at if first else None,
        revision=revisions[-1].revision if revisions else None,
        late=bool(first and first.late), reminders=reminders,
        bounced=bounced(session, org, round_.opened_at) if round_ else (),
    )
