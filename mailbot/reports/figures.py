"""The figures a report is made of: the current revision of every answer, and their sums.

Everything here is exact; the small-number rule is applied only where tables are published.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Select
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from mailbot.forms import load_form
from mailbot.store.models import Answer, Organisation, Submission
from mailbot.store.submissions import newest_revision

NO_REGION = ""


@dataclass(frozen=True)
class Org:
    """An organisation as a report sees it."""

    id: int
    name: str
    kind: str
    code: str | None
    region: str
    population: int | None
    active: bool


# (period, form kind, organisation id) -> question -> value
Key = tuple[str, str, int]


@dataclass(frozen=True)
class Dataset:
    """Every organisation and the answers of every current revision."""

    orgs: dict[int, Org]
    answers: dict[Key, dict[str, int]] = field(default_factory=dict)

    def periods(self, kind: str) -> list[str]:
        """The periods with at least one submission of this form kind, oldest first."""
        return sorted({period for period, form_kind, _ in self.answers if form_kind == kind})

    def submitters(self, period: str, kind: str) -> list[Org]:
        """The organisations with a current revision of this form for the period, by name."""
        found = [self.orgs[org_id] for p, k, org_id in self.answers if p == period and k == kind]
        return sorted(found, key=lambda org: org.name)

    def of(self, period: str, kind: str, org: Org) -> dict[str, int] | None:
        """One organisation's answers, or None when it did not submit."""
        return self.answers.get((period, kind, org.id))

    def total(self, period: str, kind: str, orgs: Iterable[Org] | None = None) -> dict[str, int]:
        """The sum per question over these organisations (default: every submitter)."""
        chosen = self.submitters(period, kind) if orgs is None else orgs
        sums = dict.fromkeys(load_form(kind).keys, 0)
        for org in chosen:
            for question, value in (self.of(period, kind, org) or {}).items():
                sums[question] = sums.get(question, 0) + value
        return sums


def load(session: Session) -> Dataset:
    """Read every organisation and the current revision of every answer in two queries."""
    orgs = {
        org.id: Org(org.id, org.name, org.kind, org.code, org.region or NO_REGION,
                    org.population, org.active)
        for org in session.exec(select(Organisation))
        if org.id is not None
    }
    answers: dict[Key, dict[str, int]] = defaultdict(dict)
    for period, kind, org_id, question, value in session.execute(_current_answers()):
        answers[(period, kind, org_id)][question] = value
    return Dataset(orgs, dict(answers))


def _current_answers() -> Select[str, str, int, str, int]:
    return (
        core_select(col(Submission.period), col(Submission.form_kind),
                    col(Submission.organisation_id), col(Answer.question), col(Answer.value))
        .join(Answer, col(Answer.submission_id) == col(Submission.id))
        .where(col(Submission.revision) == newest_revision())
    )


# Who was asked for figures: today every active organisation of the kind. A half-year round
# can pass its own list of invited organisation ids instead.
Invited = Callable[[Dataset, str, str], Sequence[Org]]


def active_orgs(dataset: Dataset, kind: str, period: str) -> list[Org]:
    """The default denominator of the response rate: active organisations of this kind."""
    return sorted((org for org in dataset.orgs.values() if org.kind == kind and org.active),
                  key=lambda org: org.name)


def invited_ids(ids: Iterable[int]) -> Invited:
    """An `Invited` for a round's own list of invited organisation ids."""
    chosen = frozenset(ids)

    def invited(dataset: Dataset, kind: str, period: str) -> list[Org]:
        return sorted((dataset.orgs[i] for i in chosen
                       if i in dataset.orgs and dataset.orgs[i].kind == kind),
                      key=lambda org: org.name)

    return invited


def regions(orgs: Iterable[Org]) -> list[str]:
    """The regions these organisations lie in, by name; 'no region' last."""
    names = {org.region for org in orgs}
    return sorted(names - {NO_REGION}) + ([NO_REGION] if NO_REGION in names else [])


def in_region(orgs: Iterable[Org], region: str) -> list[Org]:
    """The organisations of one region."""
    return [org for org in orgs if org.region == region]
