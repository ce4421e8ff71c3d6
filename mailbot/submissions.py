"""Submissions as revisions: a correction is a new revision, never an overwrite."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ScalarSelect, func, insert
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from mailbot.forms import Form
from mailbot.models import Answer, Organisation, Submission


@dataclass(frozen=True)
class Change:
    """One answer that differs from the previous revision."""

    question: str
    before: int | None
    after: int | None


def latest(session: Session, org: Organisation, period: str, kind: str) -> Submission | None:
    """The current revision for an organisation, period and form kind, if any."""
    query = (
        select(Submission)
        .where(
            Submission.organisation_id == org.id,
            Submission.period == period,
            Submission.form_kind == kind,
        )
        .order_by(col(Submission.revision).desc())
    )
    return session.exec(query).first()


def answers_of(session: Session, submission: Submission) -> dict[str, int]:
    """The answers of one revision, question key to value."""
    rows = session.exec(select(Answer).where(Answer.submission_id == submission.id))
    return {row.question: row.value for row in rows}


@dataclass(frozen=True)
class Stored:
    """What `store` did: the new revision and how it differs from the one it replaces."""

    submission: Submission
    replaced: Submission | None
    changes: tuple[Change, ...]


def store(
    session: Session,
    now: datetime,
    org: Organisation,
    period: str,
    form: Form,
    answers: dict[str, int],
    *,
    sender: str,
    person_name: str | None,
    inbound_id: int | None,
    late: bool = False,
) -> Stored:
    """Add a revision with these answers (not committed; the caller's transaction decides)."""
    previous = latest(session, org, period, form.kind)
    submission = Submission(
        organisation_id=org.id, period=period, form_kind=form.kind, form_version=form.version,
        revision=(previous.revision + 1) if previous else 1, inbound_id=inbound_id,
        sender=sender, person_name=person_name, late=late, created_at=now,
    )
    session.add(submission)
    session.flush()
    # One multi-row INSERT instead of a unit of work per answer: this runs for every mail.
    session.execute(insert(Answer), [
        {"submission_id": submission.id, "question": key, "value": value}
        for key, value in answers.items()
    ])
    changes = _diff(answers_of(session, previous) if previous else {}, answers, form)
    return Stored(submission, previous, changes if previous else ())


def _diff(before: dict[str, int], after: dict[str, int], form: Form) -> tuple[Change, ...]:
    return tuple(
        Change(key, before.get(key), after.get(key))
        for key in form.keys
        if before.get(key) != after.get(key)
    )


def current_rows(
    session: Session, period: str | None = None, history: bool = False,
    org: Organisation | None = None,
) -> list[tuple[Submission, Organisation, Answer]]:
    """Answers of the current revisions (or of every revision with history), with their org."""
    query = (
        select(Submission, Organisation, Answer)
        .join(Organisation, col(Organisation.id) == col(Submission.organisation_id))
        .join(Answer, col(Answer.submission_id) == col(Submission.id))
    )
    if period is not None:
        query = query.where(Submission.period == period)
    if org is not None:
        query = query.where(Submission.organisation_id == org.id)
    if not history:
        query = query.where(Submission.revision == _newest_revision())
    return list(session.exec(query))


def _newest_revision() -> ScalarSelect[int]:
    other = aliased(Submission)
    return (
        select(func.max(other.revision))
        .where(
            other.organisation_id == Submission.organisation_id,
            other.period == Submission.period,
            other.form_kind == Submission.form_kind,
        )
        .scalar_subquery()
    )
