"""One pass over the mailbox: the messages batch by batch, each along its steps
(mailbot.inbound.steps), then the outbox sent and the batch filed away.

Around the one-message way, and apart from it, a batch adds two things for speed: new messages
are archived a group at a time just ahead of their turn (one INSERT and one commit, each row
claimed as if archived alone), and a second thread reads them ahead (mailbot.inbound.ahead). Both
only prepare what the steps `claim` and `read` would do; `drain(..., ahead=False)` leaves them out.
A crash at any line leaves the database in a state from which the next pass finishes the work
(archived rows are re-handled, handled rows are only filed), and nothing is answered twice
(reply Message-IDs are unique).
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass, field
from itertools import islice

from sqlalchemy import Connection
from sqlmodel import Session

from mailbot.admin import health
from mailbot.bot import Bot
from mailbot.inbound import claims
from mailbot.inbound.ahead import ReadAhead
from mailbot.inbound.archive import (
    GROUP_BYTES,
    Identity,
    archive_group,
    archived,
    dedupe_key,
    groupable,
)
from mailbot.inbound.filing import Filer, file_away
from mailbot.inbound.imap import Fetched, Mailbox
from mailbot.inbound.steps import Message, take
from mailbot.outbound import outbox
from mailbot.store.deadlines import Deadlines
from mailbot.store.models import Inbound

GROUP = 32  # messages archived in one statement, ahead of their turn


@dataclass
class PassReport:
    """Counts of one pass, by outcome."""

    outcomes: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    sent: int = 0

    @property
    def handled(self) -> int:
        return sum(self.outcomes.values())


def run_pass(bot: Bot) -> PassReport:
    """Connect, handle every message in the inbox, send the outbox, file the messages away."""
    with Mailbox(bot.settings) as mailbox:
        return drain(bot, mailbox)


def drain(bot: Bot, mailbox: Mailbox, *, ahead: bool = True) -> PassReport:
    """One pass over an open mailbox, batch by batch; `ahead` False takes every message along
    its steps alone, without archiving groups or reading ahead (the same outcome, slower)."""
    report = PassReport()
    fetched_batches = mailbox.batches()
    # One connection for the pass's transactions, instead of a checkout from the pool (and on
    # PostgreSQL a liveness ping) for each of them.
    with bot.engine.connect() as connection, Filer(bot.settings) as filer:
        upcoming = _begin(bot, connection, next(fetched_batches, None), ahead)
        try:
            while upcoming is not None:
                batch, upcoming = upcoming, None
                handled, held = _take_in_order(bot, batch)
                # The next batch is read, and its secrets checked, while this one's replies go
                # out.
                upcoming = None if held else _begin(bot, connection,
                                                    next(fetched_batches, None), ahead)
                for _, inbound in handled:
                    report.outcomes[inbound.outcome or "unknown"] += 1
                report.sent += outbox.flush(connection, bot.settings, bot.clock.now()).sent
                filer.file(file_away(bot.settings, connection, handled, bot.clock.now()))
        except Exception:
            if upcoming is not None:
                upcoming.end()
            raise
        finally:
            if upcoming is not None:
                upcoming.stop_reading()  # claims go stale if the worker dies: as if killed
    report.sent += outbox.flush(bot.engine, bot.settings, bot.clock.now()).sent
    with Session(bot.engine) as session:
        health.beat(session, "poll", bot.clock.now(), f"handled={report.handled}")
        session.commit()
    return report


@dataclass
class Batch:
    """A fetched batch on its way, oldest message first, and what its messages share.

    `waiting` holds the messages whose turn has not come, each with its place in the batch
    (which the read-ahead thread knows it by); those archived ahead carry their claimed row.
    """

    connection: Connection  # every message's transaction runs on it
    waiting: deque[tuple[int, Message]]
    archived_before: set[str]  # keys with a row before this pass: such a message may be held
    reading_ahead: ReadAhead | None  # None: each message is read in its own turn
    # The rounds' deadlines, read once (a deadline an admin moves counts from the next batch).
    deadlines: Deadlines = field(default_factory=Deadlines)

    def claimed_ahead(self) -> list[Inbound]:
        """The rows of the waiting messages archived and claimed ahead of their turn (they
        stand among the first `2 * GROUP`, where `_archive_ahead` looks)."""
        return [message.row for _, message in islice(self.waiting, 2 * GROUP)
                if message.row is not None]

    def stop_reading(self) -> None:
        if self.reading_ahead is not None:
            self.reading_ahead.stop()

    def end(self) -> None:
        """Stop reading ahead and give back the claims whose turn did not come."""
        self.stop_reading()
        claims.give_back(self.connection, self.claimed_ahead())
        for _, message in self.waiting:
            message.row = None


def _begin(
    bot: Bot, connection: Connection, fetched: list[Fetched] | None, ahead: bool
) -> Batch | None:
    """The batch with its first group archived and claimed, and read ahead; None for none."""
    if fetched is None:
        return None
    identities = [dedupe_key(one) for one in fetched]
    with Session(connection) as session:
        before = archived(session, identities)
    reading = (ReadAhead(bot.engine, bot.settings, bot.clock, bot.verified_secrets, bot.reader)
               if ahead else None)
    batch = Batch(connection, deque(), before, reading)
    for index, (one, identity) in enumerate(zip(fetched, identities, strict=True)):
        batch.waiting.append((index, Message(one, identity, deadlines=batch.deadlines)))
    fetched.clear()  # the batch holds the only references: a message goes once handled
    if reading is not None:
        _archive_ahead(bot, batch)
        reading.start()
    return batch


def _take_in_order(bot: Bot, batch: Batch) -> tuple[list[tuple[int, Inbound]], bool]:
    """Take the messages along their steps oldest first, stopping at one another worker holds
    (True).

    The rest waits for a later pass: a correction must never be stored before the mail it
    corrects, and two workers must never store revisions of one municipality side by side.
    """
    handled: list[tuple[int, Inbound]] = []
    try:
        held = _take_turns(bot, batch, handled)
    except Exception:
        batch.end()
        raise
    finally:
        # A worker that dies (KeyboardInterrupt, SystemExit) keeps its claims, as one killed
        # would: they go stale and count its death (steps.MAX_ATTEMPTS).
        batch.stop_reading()
    batch.end()
    return handled, held


def _take_turns(bot: Bot, batch: Batch, handled: list[tuple[int, Inbound]]) -> bool:
    """Take the waiting messages in order into `handled`; True when one was held."""
    while batch.waiting:
        if batch.reading_ahead is not None and len(batch.claimed_ahead()) < GROUP:
            _archive_ahead(bot, batch)
        index, message = batch.waiting.popleft()
        assert message.fetched is not None and message.identity is not None
        uid = message.fetched.uid
        # Archived ahead, or a copy of one that was (or a message archived before this pass):
        # look for its row before inserting one.
        message.maybe_archived = message.identity.key in batch.archived_before
        if batch.reading_ahead is not None:
            # The read mail counts only for a row archived ahead: an older row's bytes may differ.
            message.read = batch.reading_ahead.take(index)
        inbound = take(bot, batch.connection, message)
        del message  # it held the only other reference to the raw bytes
        if inbound is None:
            return True
        handled.append((uid, inbound))
        bot.progress()
    return False


def _archive_ahead(bot: Bot, batch: Batch) -> None:
    """Archive the next waiting messages not archived before in one statement and one commit,
    claimed by this worker, and have them read ahead. Up to `GROUP` at a time, called while
    fewer than `GROUP` are claimed ahead: the read-ahead thread always has a group in hand
    beyond the one the pipeline is in, and the claims stay fresh until their turn."""
    group: list[tuple[int, Message, Fetched, Identity]] = []
    size = 0
    for index, message in islice(batch.waiting, 2 * GROUP):
        fetched, identity = message.fetched, message.identity
        if (message.row is not None or fetched is None or identity is None
                or identity.key in batch.archived_before or not groupable(fetched)):
            continue
        if len(group) == GROUP or (group and size + len(fetched.raw) > GROUP_BYTES):
            break
        group.append((index, message, fetched, identity))
        # A second copy in the batch maps onto the first one's row.
        batch.archived_before.add(identity.key)
        size += len(fetched.raw)
    if not group:
        return
    with Session(batch.connection) as session:
        rows = archive_group(session, [(fetched, identity) for _, _, fetched, identity in group],
                             bot.clock.now())
    if rows is None:  # another worker archived one of them meanwhile: one by one, looked up
        return
    for (index, message, fetched, _), row in zip(group, rows, strict=True):
        message.row = row
        if batch.reading_ahead is not None:
            batch.reading_ahead.allow(index, fetched.raw)
