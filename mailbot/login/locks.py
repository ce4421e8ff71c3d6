"""Lockout: an organisation whose registered addresses sent too many wrong secrets refuses every
login for a while. Only such guesses count: a stranger's secret is never even checked
(mailbot.login.strangers), so counting it would protect nothing and let anyone lock anyone out.
Admins see the locks in `mailbot status` and lift one with `mailbot org unlock`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, bindparam, func, update
from sqlmodel import Session, col, select

from mailbot.config import Settings
from mailbot.store import orgs
from mailbot.store.models import AuditEvent, Lockout, Organisation, stored_id

FAILED = "login.failed"  # a wrong secret from a registered address: counts toward a lock


@dataclass(frozen=True)
class CurrentLock:
    """One line of `mailbot status`: who is locked, when, and whose guesses did it."""

    org_name: str
    since: datetime
    until: datetime
    attempts: int  # refused logins from registered addresses, the lock's own and since
    senders: tuple[str, ...]  # the registered addresses they came from


def _holding(now: datetime) -> tuple[ColumnElement[bool], ...]:
    """The conditions of a lock that holds at `now`."""
    return col(Lockout.lifted_at).is_(None), col(Lockout.until) > now


def is_locked(session: Session, now: datetime, org: Organisation) -> bool:
    """Whether a lock on the organisation holds now."""
    query = select(func.count()).where(Lockout.organisation_id == org.id, *_holding(now))
    return session.exec(query).one() > 0


def record_guess(
    session: Session, settings: Settings, now: datetime, org: Organisation, sender: str
) -> bool:
    """Note a refused login from an address registered for `org`; True when it has just locked
    the organisation (the caller tells the admins)."""
    orgs.audit(session, now, sender, FAILED, org, "")
    session.flush()  # a failure noted in this transaction counts
    if is_locked(session, now, org):
        return False
    start = _counted_from(session, settings, now, org.id)
    if sum(_failures(session, org.id, start, now).values()) < settings.lockout_attempts:
        return False
    until = now + timedelta(minutes=settings.lockout_minutes)
    session.add(Lockout(organisation_id=stored_id(org), since=now, until=until))
    orgs.audit(session, now, "mailbot", "login.locked", org,
               f"{settings.lockout_attempts} wrong secrets")
    return True


def current(session: Session, settings: Settings, now: datetime) -> list[CurrentLock]:
    """The locks that hold now, by organisation name."""
    found = session.exec(
        select(Lockout, Organisation.name)
        .join(Organisation, col(Organisation.id) == col(Lockout.organisation_id))
        .where(*_holding(now)).order_by(col(Organisation.name), col(Lockout.since))
    ).all()
    return [_describe(session, settings, now, lock, name) for lock, name in found]


def lift(session: Session, now: datetime, org_name: str, actor: str = "admin") -> int:
    """End the organisation's lock now; its wrong secrets are counted afresh from here.
    AdminError when it is not locked."""
    org = orgs.require(session, org_name)
    lifted = session.exec(
        update(Lockout).execution_options(synchronize_session=False)
        .where(col(Lockout.organisation_id) == org.id, *_holding(now))
        .values(lifted_at=now, lifted_by=actor)
    ).rowcount
    if not lifted:
        raise orgs.AdminError(f"{org.name} is niet geblokkeerd")
    orgs.audit(session, now, actor, "login.unlocked", org, "")
    return int(lifted)


def _counted_from(
    session: Session, settings: Settings, moment: datetime, org_id: int | None
) -> datetime:
    """Where counting wrong secrets starts (exclusive): the lockout window, or the last lift
    within it."""
    start = moment - timedelta(minutes=settings.lockout_minutes)
    lifted = session.exec(
        select(func.max(Lockout.lifted_at))
        .where(Lockout.organisation_id == org_id, col(Lockout.lifted_at) <= moment)
    ).one()
    return max(start, lifted) if lifted is not None else start


_FAILURES = (
    select(AuditEvent.actor, func.count())
    .where(col(AuditEvent.organisation_id) == bindparam("org"), AuditEvent.action == FAILED,
           col(AuditEvent.at) > bindparam("start"), col(AuditEvent.at) <= bindparam("end"))
    .group_by(col(AuditEvent.actor)).order_by(col(AuditEvent.actor))
)


def _failures(
    session: Session, org_id: int | None, start: datetime, end: datetime
) -> dict[str, int]:
    """Wrong secrets after `start` up to `end`, per registered address."""
    params = {"org": org_id, "start": start, "end": end}
    return dict(session.exec(_FAILURES, params=params).all())


def _describe(
    session: Session, settings: Settings, now: datetime, lock: Lockout, name: str
) -> CurrentLock:
    """A lock with the wrong secrets that led to it and came since."""
    start = _counted_from(session, settings, lock.since, lock.organisation_id)
    failures = _failures(session, lock.organisation_id, start, now)
    return CurrentLock(name, lock.since, lock.until, sum(failures.values()), tuple(failures))
