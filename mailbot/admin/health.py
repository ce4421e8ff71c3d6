"""What an operator needs to know, from the database alone (`mailbot status`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.parser import BytesHeaderParser
from email.policy import compat32

from sqlalchemy import ColumnElement, func, update
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from mailbot.config import Settings
from mailbot.inbound.archive import raw_head
from mailbot.login import locks
from mailbot.store.models import AuditEvent, Heartbeat, Inbound, Reply
from mailbot.store.orgs import AdminError, audit

# What needs an admin until one has seen it and dismissed it.
_QUARANTINED = col(Inbound.outcome) == "quarantined"
_OPEN_INBOUND = col(Inbound.dismissed_at).is_(None)
_FAILED = col(Reply.state) == "failed"
_OPEN_REPLY = col(Reply.dismissed_at).is_(None)

# How much of a quarantined message `quarantine list` reads to find its From header.
_HEAD_BYTES = 65536
_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")

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
    locked: tuple[locks.CurrentLock, ...]
    bounced: tuple[str, ...]
    problems: tuple[str, ...]
    without_sender: int = 0  # of the quarantined: mail without a usable From address

    @property
    def needs_operator(self) -> bool:
        return bool(self.problems)


def _count(session: Session, query: object) -> int:
    # Any count query; sqlmodel's exec is typed for its select classes, not `object`.
    return int(session.exec(query).one())  # type: ignore[call-overload]


def check(session: Session, settings: Settings, now: datetime) -> Health:
    """Read the state; problems are the things that need a person."""
    beat_row = session.get(Heartbeat, "poll")
    last_poll = beat_row.at if beat_row else None
    quarantined = _count(session, select(func.count()).where(_QUARANTINED, _OPEN_INBOUND))
    without_sender = _count(session, select(func.count()).where(
        _QUARANTINED, _OPEN_INBOUND, col(Inbound.kind) == "no_sender")) if quarantined else 0
    unhandled = _count(session, select(func.count()).where(Inbound.state == "new"))
    # "sending": claimed by a worker that may have died mid-send; it is still waiting.
    waiting = col(Reply.state).in_(("pending", "sending"))
    pending = _count(session, select(func.count()).where(waiting))
    oldest = session.exec(
        select(Reply.created_at).where(waiting).order_by(col(Reply.created_at)).limit(1)
    ).first()
    failed = _count(session, select(func.count()).where(_FAILED, _OPEN_REPLY))
    locked = locks.current(session, settings, now)
    bounced = session.exec(
        select(AuditEvent.detail).distinct()
        .where(AuditEvent.action == "bounce", col(AuditEvent.at) >= now - timedelta(days=7))
    ).all()
    problems = []
    stale = timedelta(seconds=max(3 * settings.poll_seconds, 300))
    if last_poll is None or now - last_poll > stale:
        problems.append("de inbox is recent niet met succes gelezen")
    if quarantined:
        problems.append(f"{quarantined} bericht(en) in quarantaine (mailbot quarantine list)")
    if failed:
        problems.append(f"{failed} antwoord(en) konden niet worden afgeleverd "
                        "(mailbot outbox failed)")
    if oldest is not None and now - oldest > OUTBOX_STUCK:
        problems.append("uitgaande post wacht al meer dan een uur (is de mailserver bereikbaar?)")
    return Health(last_poll, unhandled, quarantined, pending, failed, tuple(locked),
                  tuple(sorted(bounced)), tuple(problems), without_sender)


# --- what an admin has seen: `mailbot quarantine` and `mailbot outbox` ---------------------------


@dataclass(frozen=True)
class Quarantined:
    """One line of `quarantine list`: a message the reader could not or would not handle."""

    id: int
    received_at: datetime
    sender: str | None
    reason: str | None
    target_folder: str | None
    dismissed_at: datetime | None


@dataclass(frozen=True)
class FailedReply:
    """One line of `outbox failed`: a reply the mail server refused for good."""

    id: int
    created_at: datetime
    recipient: str
    kind: str
    last_error: str | None
    dismissed_at: datetime | None


@dataclass(frozen=True)
class Dismissal:
    """What `dismiss` did: the ids marked as seen now, and those an admin had marked before."""

    dismissed: tuple[int, ...]
    already: tuple[int, ...]


def quarantined(session: Session, include_dismissed: bool = False) -> list[Quarantined]:
    """Quarantined messages, oldest first. The sender is the address read from the mail, or,
    when reading failed, its From header as written (from the head of the raw bytes only)."""
    # The mail itself may be 25 MB. sqlmodel types a column as its value (bytes); at runtime it
    # is the mapped attribute `defer` takes.
    raw = defer(Inbound.raw)  # type: ignore[arg-type]
    query = select(Inbound, raw_head(_HEAD_BYTES)).options(raw).where(_QUARANTINED)
    if not include_dismissed:
        query = query.where(_OPEN_INBOUND)
    return [
        Quarantined(row.id or 0, row.received_at, row.sender or _from_header(first),
                    row.reason, row.target_folder, row.dismissed_at)
        for row, first in session.exec(query.order_by(col(Inbound.id)))
    ]


def _from_header(head: bytes | None) -> str | None:
    """The From header of a message no one could read, on one line without control characters."""
    if not head:
        return None
    value = BytesHeaderParser(policy=compat32).parsebytes(bytes(head)).get("From")
    text = _CONTROLS.sub("", " ".join(str(value or "").split()))
    return text[:200] or None


def failed_replies(session: Session, include_dismissed: bool = False) -> list[FailedReply]:
    """Replies that failed for good, oldest first (without their raw bytes)."""
    raw = defer(Reply.raw)  # type: ignore[arg-type]  # a mapped attribute, as above
    query = select(Reply).options(raw).where(_FAILED)
    if not include_dismissed:
        query = query.where(_OPEN_REPLY)
    return [
        FailedReply(row.id or 0, row.created_at, row.recipient, row.kind, row.last_error,
                    row.dismissed_at)
        for row in session.exec(query.order_by(col(Reply.id)))
    ]


def dismiss_quarantined(session: Session, now: datetime, ids: Sequence[int] | None) -> Dismissal:
    """Mark quarantined messages as seen (None: every one not seen yet); the mail stays."""
    return _dismiss(session, now, Inbound, _QUARANTINED, ids, "quarantine.dismiss",
                    "bericht in quarantaine")


def dismiss_failed(session: Session, now: datetime, ids: Sequence[int] | None) -> Dismissal:
    """Mark failed replies as seen (None: every one not seen yet); the reply stays."""
    return _dismiss(session, now, Reply, _FAILED, ids, "outbox.dismiss", "mislukt antwoord")


def _dismiss(
    session: Session, now: datetime, table: type[Inbound] | type[Reply],
    which: ColumnElement[bool], ids: Sequence[int] | None, action: str, noun: str,
) -> Dismissal:
    """Set `dismissed_at` on the rows not seen yet, with an audit event each; an id that is not
    such a row at all fails the whole command before anything is written."""
    query = select(table.id, table.dismissed_at).where(which)
    if ids is None:
        query = query.where(col(table.dismissed_at).is_(None))
    else:
        query = query.where(col(table.id).in_(ids))
    # The ids selected are stored rows' ids: never None, as sqlmodel's `int | None` allows.
    found: dict[int, datetime | None] = dict(session.exec(query).all())  # type: ignore[arg-type]
    unknown = sorted(set(ids or ()) - found.keys())
    if unknown:
        raise AdminError(f"geen {noun} met nummer {', '.join(map(str, unknown))}")
    dismissed: list[int] = []
    for row_id in sorted(row for row, seen in found.items() if seen is None):
        result = session.exec(
            update(table).execution_options(synchronize_session=False)
            .where(col(table.id) == row_id, col(table.dismissed_at).is_(None))
            .values(dismissed_at=now)
        )
        if result.rowcount == 1:  # not dismissed by another admin in the meantime
            audit(session, now, "admin", action, None, str(row_id))
            dismissed.append(row_id)
    already = sorted(found.keys() - set(dismissed))
    return Dismissal(tuple(dismissed), tuple(already))
