"""Filing handled messages away: out of the inbox, into the folder their outcome names.

A message whose archived copy had secrets masked (`Inbound.redacted`) is filed as that copy:
the copy is appended to the folder, then the original is removed from the inbox. A crash in
between leaves both, never neither: the next pass finds the original again and appends the
copy only when the folder does not hold it yet (each copy names the original it replaces in
an `X-Mailbot-Original` header: its key in the archive). `MAILBOT_KEEP_ORIGINALS` files the
originals instead, for a site that must keep mail as it came; the database keeps only the
masked copy either way.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import Connection, update
from sqlmodel import Session, col

from mailbot.archive import copy_marker, full_raw
from mailbot.config import Settings
from mailbot.mail.imap import Copy, Mailbox
from mailbot.models import Inbound


def file_away(
    settings: Settings, connection: Connection, mailbox: Mailbox,
    handled: list[tuple[int, Inbound]], now: datetime,
) -> None:
    """Record that handled messages are filed, then move (or replace) them, per folder.

    In this order a crash in between heals itself: the next pass finds the message still in
    the inbox, its row filed, and files it. (Moved first, a row would stay `handled` for good,
    its message no longer in the inbox for any pass to find.)
    """
    again = {inbound.id for _, inbound in handled if inbound.state == "filed"}
    ids = [inbound.id for _, inbound in handled]
    with Session(connection) as session:
        session.exec(  # type: ignore[call-overload]
            update(Inbound)
            .execution_options(synchronize_session=False)
            .where(col(Inbound.id).in_(ids), col(Inbound.state) == "handled")
            .values(state="filed", filed_at=now)
        )
        session.commit()
    moves: dict[str, list[int]] = defaultdict(list)
    copies: dict[str, list[Copy]] = defaultdict(list)
    with Session(connection) as session:
        for uid, inbound in handled:
            folder = inbound.target_folder or settings.imap_rejected_folder
            if inbound.redacted and not settings.keep_originals:
                copies[folder].append(_copy(session, uid, inbound, inbound.id in again))
            else:
                moves[folder].append(uid)
    for folder, uids in moves.items():
        mailbox.move(uids, folder)
    for folder, items in copies.items():
        mailbox.replace(items, folder)


def _copy(session: Session, uid: int, inbound: Inbound, again: bool) -> Copy:
    """The masked copy that replaces the message `uid`, as archived: marked with the
    original's key (so that a copy dragged back into the inbox is known as that mail)."""
    raw = inbound.raw or full_raw(session, inbound)
    return Copy(uid, raw, copy_marker(inbound), inbound.received_at, again)
