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
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType

from sqlalchemy import Connection, update
from sqlmodel import Session, col

from mailbot.config import Settings
from mailbot.inbound.archive import copy_marker, full_raw
from mailbot.inbound.imap import Copy, Mailbox
from mailbot.store.models import Inbound


@dataclass
class Filing:
    """What filing one batch takes in the mailbox: messages to move, and masked copies to put
    in place of messages, per folder."""

    moves: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    copies: dict[str, list[Copy]] = field(default_factory=lambda: defaultdict(list))

    def put(self, mailbox: Mailbox) -> None:
        """Do it, on an open mailbox whose configured folder holds the messages."""
        for folder, uids in self.moves.items():
            mailbox.move(uids, folder)
        for folder, items in self.copies.items():
            mailbox.replace(items, folder)


def file_away(
    settings: Settings, connection: Connection, handled: list[tuple[int, Inbound]],
    now: datetime,
) -> Filing:
    """Record that handled messages are filed, and say what filing them takes (to be done
    after: `Filing.put`, or a `Filer`).

    In this order a crash in between heals itself: the next pass finds the message still in
    the inbox, its row filed, and files it. (Moved first, a row would stay `handled` for good,
    its message no longer in the inbox for any pass to find.)
    """
    again = {inbound.id for _, inbound in handled if inbound.state == "filed"}
    ids = [inbound.id for _, inbound in handled]
    with Session(connection) as session:
        session.exec(
            update(Inbound)
            .execution_options(synchronize_session=False)
            .where(col(Inbound.id).in_(ids), col(Inbound.state) == "handled")
            .values(state="filed", filed_at=now)
        )
        session.commit()
    filing = Filing()
    with Session(connection) as session:
        for uid, inbound in handled:
            folder = inbound.target_folder or settings.imap_rejected_folder
            if inbound.redacted and not settings.keep_originals:
                filing.copies[folder].append(_copy(session, uid, inbound, inbound.id in again))
            else:
                filing.moves[folder].append(uid)
    return filing


class Filer:
    """Puts each batch's filing in the mailbox on a connection and a thread of its own, one
    batch after the other, while the pipeline goes on with the next batch: a masked copy is a
    write for the server where a move was a rename. Use it as a context manager; leaving it
    waits for the last batch, and an error of the mailbox's comes out there or at the next
    batch. (A filing not done by a crash is done by the next pass: the rows are filed.)"""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="filer")
        self._mailbox: Mailbox | None = None
        self._pending: Future[None] | None = None

    def file(self, filing: Filing) -> None:
        """Put `filing` in the mailbox once the batch before it is filed."""
        self._wait()
        self._pending = self._thread.submit(self._put, filing)

    def _put(self, filing: Filing) -> None:
        if self._mailbox is None:
            self._mailbox = Mailbox(self._settings).__enter__()
        filing.put(self._mailbox)

    def _wait(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def _close(self) -> None:
        mailbox, self._mailbox = self._mailbox, None
        if mailbox is not None:
            mailbox.__exit__(None, None, None)

    def __enter__(self) -> Filer:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        try:
            if kind is None:
                self._wait()
            elif self._pending is not None:  # the pass failed already: that error counts
                self._pending.exception()
        finally:
            self._thread.submit(self._close).result()
            self._thread.shutdown()


def _copy(session: Session, uid: int, inbound: Inbound, again: bool) -> Copy:
    """The masked copy that replaces the message `uid`, as archived: marked with the
    original's key (so that a copy dragged back into the inbox is known as that mail)."""
    raw = inbound.raw or full_raw(session, inbound)
    return Copy(uid, raw, copy_marker(inbound), inbound.received_at, again)
