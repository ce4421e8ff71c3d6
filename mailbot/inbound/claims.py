"""Who works on an archived message: a claim is a worker's for `claim_seconds`, then anyone's.

A claim is taken with one conditional UPDATE and committed before the work starts, so two
workers never handle a message side by side, and a worker that died lets go of it in time.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, and_, or_, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col

from mailbot.store.models import Inbound


def take(session: Session, inbound: Inbound, now: datetime, claim_seconds: int) -> bool:
    """Atomically take an archived message: new, or claimed by a worker whose claim has gone
    stale. Counts an attempt."""
    stale = now - timedelta(seconds=claim_seconds)
    result = session.exec(
        update(Inbound)
        .execution_options(synchronize_session=False)
        .where(
            col(Inbound.id) == inbound.id,
            or_(col(Inbound.state) == "new",
                and_(col(Inbound.state) == "working", col(Inbound.claimed_at) < stale)),
        )
        .values(state="working", claimed_at=now, attempts=col(Inbound.attempts) + 1)
    )
    session.commit()
    if result.rowcount != 1:
        return False
    session.refresh(inbound, ["state", "claimed_at", "attempts"])  # not the raw blob again
    return True


def still_ours(session: Session, row: Inbound, now: datetime, claim_seconds: int) -> bool:
    """Whether the claim on a row archived ahead still holds when its turn comes: renewed
    first when half its time has gone by, in case the turn came late (False when it went
    stale and another worker took the row over meanwhile)."""
    assert row.claimed_at is not None
    if now - row.claimed_at < timedelta(seconds=claim_seconds / 2):
        return True
    result = session.exec(
        update(Inbound)
        .execution_options(synchronize_session=False)
        .where(col(Inbound.id) == row.id, col(Inbound.state) == "working",
               col(Inbound.claimed_at) == row.claimed_at)
        .values(claimed_at=now)
    )
    session.commit()
    if result.rowcount != 1:
        return False
    set_committed_value(row, "claimed_at", now)
    return True


def give_back(connection: Engine | Connection, rows: Iterable[Inbound]) -> None:
    """Give back the claims of rows archived ahead whose turn will not come in this pass, so
    that a later pass (or another worker) need not wait until they go stale."""
    ids = [row.id for row in rows]
    if not ids:
        return
    with Session(connection) as session:
        session.exec(
            update(Inbound)
            .execution_options(synchronize_session=False)
            .where(col(Inbound.id).in_(ids), col(Inbound.state) == "working")
            .values(state="new", attempts=col(Inbound.attempts) - 1)
        )
        session.commit()
