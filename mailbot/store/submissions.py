"""Submissions as revisions: a correction is a new revision, never an overwrite."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ScalarSelect, bindparam, func, insert
from sqlalchemy import select as core_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from mailbot.forms import Form
from mailbot.store.db import insert_values, table
from mailbot.store.models import Answer, Organisation, Submission


@dataclass(frozen=True)
class Change:
    """One answer that differs from the previous revision."""

    question: str
    before: int | None
    after: int | None


# Prebuilt Core, as every mail runs these: see mailbot.store.db.
_SUBMISSION = table(Submission).c
_LATEST = (
    core_select(_SUBMISSION.id, _SUBMISSION.revision, _SUBMISSION.form_version,
                _SUBMISSION.late, _SUBMISSION.created_at)
    .where(
        _SUBMISSION.organisation_id == bindparam("org"),
        _SUBMISSION.period == bindparam("period"),
        _SUBMISSION.form_kind == bindparam("kind"),
    )
    .order_by(_SUBMISSION.revision.desc())
    .limit(1)
)
_ANSWER = table(Answer).c
_ANSWERS_OF = core_select(_ANSWER.question, _ANSWER.value).where(
    _ANSWER.submission_id == bindparam("submission")
)
_INSERT_ANSWERS = insert(table(Answer))


@dataclass(frozen=True)
class Revision:
    """One stored revision of a submission, as plain values."""

    id: int
    revision: int
    form_version: int
    late: bool
    created_at: datetime


def latest(session: Session, org: Organisation, period: str, kind: str) -> Revision | None:
    """The current revision for an organisation, period and form kind, if any."""
    params = {"org": org.id, "period": period, "kind": kind}
    row = session.execute(_LATEST, params).first()
    return Revision(*row) if row is not None else None


def answers_of(session: Session, submission: Submission | Revision) -> dict[str, int]:
    """The answers of one revision, question key to value."""
    rows = session.execute(_ANSWERS_OF, {"submission": submission.id})
    return {question: value for question, value in rows}


@dataclass(frozen=True)
class Stored:
    """What `store` did: the new revision and how it differs from the one it replaces."""

    submission: Revision
    replaced: Revision | None
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
    notes: dict[str, str] | None = None,
) -> Stored:
    """Add a revision with these answers, and per question the remark kept with it, if any
    (not committed; the caller's transaction decides)."""
    notes = notes or {}
    previous = latest(session, org, period, form.kind)
    revision = (previous.revision + 1) if previous else 1
    # The revision is unique per organisation, period and form kind, so a concurrent store
    # fails here.
    row_id = insert_values(session, Submission, {
        "organisation_id": org.id, "period": period, "form_kind": form.kind,
        "form_version": form.version, "revision": revision, "inbound_id": inbound_id,
        "sender": sender, "person_name": person_name, "late": late, "created_at": now,
    })
    session.execute(_INSERT_ANSWERS, [
        {"submission_id": row_id, "question": key, "value": value, "note": notes.get(key)}
        for key, value in answers.items()
    ])
    changes = _diff(answers_of(session, previous) if previous else {}, answers, form)
    stored = Revision(row_id, revision, form.version, late, now)
    return Stored(stored, previous, changes if previous else ())


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
        query = query.where(Submission.revision == newest_revision())
    return list(session.exec(query))


def newest_revision() -> ScalarSelect[int]:
    """The newest revision of the submission's organisation, period and form (a subquery)."""
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
