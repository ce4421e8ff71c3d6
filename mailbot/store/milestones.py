"""Once-only work: a job claims its milestone key in the transaction that does the work."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from mailbot.store.models import Milestone


def reached(session: Session, key: str) -> bool:
    """True when the milestone was already recorded."""
    return session.get(Milestone, key) is not None


def record(session: Session, key: str, now: datetime, detail: str = "") -> bool:
    """Record the milestone in the caller's transaction; False when it was there already.

    Two workers racing for the same key: the second commit fails on the primary key, so the
    caller's whole transaction (the work with it) rolls back.
    """
    if reached(session, key):
        return False
    session.add(Milestone(key=key, at=now, detail=detail))
    session.flush()
    return True
