"""What an operator needs to know, from the database alone (`mailbot status`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from mailbot.config import Settings
from mailbot.models import AuditEvent, Heartbeat, Inbound, Organisation, Reply

# A reply still waiting this long after it was queued means the mail server keeps refusing.
OUTBOX_STUCK = timedelta(hours=1)


def beat(session: Session, name: str, now: datetime, detail: str = "") -> None:
    """Record that a job finished successfully just now."""
    row = session.get(Heartbeat, name) or Heartbeat(name=name, at=now)
    row.at, row.detail = now, detail
    session.add(row)


@dataclass(frozen=True)
class Health:
    """The figures `mailbot status` prints, and whether someone must act."""

    last_poll: datetime | None
    unhandled: int
    quarantined: int
    outbox_pending: int
    outbox_failed: int
    locked: tuple[str, ...]
    bounced: tuple[str, ...]
    problems: tuple[str, ...]

    @property
    def needs_operator(self) -> bool:
        return bool(self.problems)


def _count(session: Session, query: object) -> int:
    return session.exec(query).one()  # type: ignore[call-overload]


def check(session: Session, settings: Settings, now: datetime) -> Health:
    """Read the state; problems are the things that need a person."""
    beat_row = session.get(Heartbeat, "poll")
    last_poll = beat_row.at if beat_row else None
    quarantined = _count(session, select(func.count()).where(Inbound.outcome == "quarantined"))
    unhandled = _count(session, select(func.count()).where(Inbound.state == "new"))
    # "sending": claimed by a worker that may have died mid-send; it is still waiting.
    waiting = col(Reply.state).in_(("pending", "sending"))
    pending = _count(session, select(func.count()).where(waiting))
    oldest = session.exec(
        select(Reply.created_at).where(waiting).order_by(col(Reply.created_at)).limit(1)
    ).first()
    failed = _count(session, select(func.count()).where(Reply.state == "failed"))
    since = now - timedelta(minutes=settings.lockout_minutes)
    locked = session.exec(
        select(Organisation.name).distinct()
        .join(AuditEvent, col(AuditEvent.organisation_id) == col(Organisation.id))
        .where(AuditEvent.action == "login.locked", col(AuditEvent.at) >= since)
    ).all()
    bounced = session.exec(
        select(AuditEvent.detail).distinct()
        .where(AuditEvent.action == "bounce", col(AuditEvent.at) >= now - timedelta(days=7))
    ).all()
    problems = []
    stale = timedelta(seconds=max(3 * settings.poll_seconds, 300))
    if last_poll is None or now - last_poll > stale:
        problems.append("de inbox is recent niet met succes gelezen")
    if quarantined:
        problems.append(f"{quarantined} bericht(en) in quarantaine")
    if failed:
        problems.append(f"{failed} antwoord(en) konden niet worden afgeleverd")
    if oldest is not None and now - oldest > OUTBOX_STUCK:
        problems.append("uitgaande post wacht al meer dan een uur (is de mailserver bereikbaar?)")
    return Health(last_poll, unhandled, quarantined, pending, failed, tuple(locked),
                  tuple(sorted(bounced)), tuple(problems))
