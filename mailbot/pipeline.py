"""One pass over the mailbox: fetch, archive, classify, handle, commit, send, file away.

Every message is handled by `process` on its own, in its own transaction; new ones are
archived a group at a time just ahead of their turn (one INSERT and one commit), each claimed
as if archived alone. A crash at any line leaves the database in a state from which the next
pass finishes the work (archived rows are re-handled, handled rows are only filed), and nothing
is answered twice (reply Message-IDs are unique).
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import islice

from sqlalchemy import Connection, Engine, bindparam, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from mailbot import claims, health, outbox
from mailbot.ahead import ReadAhead
from mailbot.archive import (
    GROUP_BYTES,
    Identity,
    archive,
    archive_group,
    archived,
    dedupe_key,
    groupable,
    keep_redacted,
    load_full_raw,
    write_pieces,
)
from mailbot.classify import classify
from mailbot.clock import Clock
from mailbot.config import Settings
from mailbot.filing import Filer, file_away
from mailbot.handlers import dispatch
from mailbot.mail.imap import Fetched, Mailbox
from mailbot.masking import mask_secret_lines
from mailbot.memory import return_large_blocks
from mailbot.models import Inbound
from mailbot.outcome import Context
from mailbot.passwords import VerifiedSecrets
from mailbot.reading import Read, Unread
from mailbot.render import Renderer
from mailbot.rounds import Deadlines
from mailbot.worker import Reader

log = logging.getLogger(__name__)

# Workers a message may see die before it is quarantined: three while they handled it, plus
# the one death its archive group may charge it with when the worker died on another message
# of the group (a row is in at most one group; the daemon cannot tell which row was in hand).
MAX_ATTEMPTS = 4


@dataclass
class PassReport:
    """Counts of one pass, by outcome."""

    outcomes: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    sent: int = 0

    @property
    def handled(self) -> int:
        return sum(self.outcomes.values())


@dataclass(frozen=True)
class Bot:
    """Everything a pass needs, built once by the caller and passed down."""

    settings: Settings
    engine: Engine
    clock: Clock
    renderer: Renderer
    verified_secrets: VerifiedSecrets = field(default_factory=VerifiedSecrets)
    reader: Reader = field(default_factory=Reader)  # the reading worker process
    # Called after each message: the daemon tells systemd's watchdog it is making progress.
    progress: Callable[[], None] = field(default=lambda: None)

    def __post_init__(self) -> None:
        # A bot reads 25 MB mails: their memory goes back to the system once they are done.
        return_large_blocks()


def run_pass(bot: Bot) -> PassReport:
    """Connect, handle every message in the inbox, send the outbox, file the messages away."""
    with Mailbox(bot.settings) as mailbox:
        return drain(bot, mailbox)


def drain(bot: Bot, mailbox: Mailbox) -> PassReport:
    """One pass over an open mailbox, batch by batch."""
    report = PassReport()
    batches = mailbox.batches()
    # One connection for the pass's transactions, instead of a checkout from the pool (and on
    # PostgreSQL a liveness ping) for each of them.
    with bot.engine.connect() as connection, Filer(bot.settings) as filer:
        upcoming = _begin(bot, connection, next(batches, None))
        try:
            while upcoming is not None:
                batch, upcoming = upcoming, None
                handled, held = _process_in_order(bot, Shared(connection), batch)
                # The next batch is read, and its secrets checked, while this one's replies go
                # out.
                upcoming = None if held else _begin(bot, connection, next(batches, None))
                for _, inbound in handled:
                    report.outcomes[inbound.outcome or "unknown"] += 1
                report.sent += outbox.flush(connection, bot.settings, bot.clock.now()).sent
                filer.file(file_away(bot.settings, connection, handled, bot.clock.now()))
        except Exception:
            if upcoming is not None:
                upcoming.end(connection)
            raise
        finally:
            if upcoming is not None:
                upcoming.ahead.stop()  # claims go stale if the worker dies: as for a killed one
    report.sent += outbox.flush(bot.engine, bot.settings, bot.clock.now()).sent
    with Session(bot.engine) as session:
        health.beat(session, "poll", bot.clock.now(), f"handled={report.handled}")
        session.commit()
    return report


@dataclass(frozen=True)
class Shared:
    """What the messages of one batch share: a connection, and the rounds' deadlines read
    once (so a deadline an admin moves counts from the next batch)."""

    connection: Connection
    deadlines: Deadlines = field(default_factory=Deadlines)


@dataclass
class Batch:
    """A fetched batch on its way through the pipeline, oldest message first.

    `waiting` holds the messages whose turn has not come (index in the batch, the message,
    its identity); `claimed` the rows archived ahead of their turn, still this worker's;
    `ahead` reads those (and only those) beside the pipeline.
    """

    waiting: deque[tuple[int, Fetched, Identity]]
    seen: set[str]  # dedupe keys archived before: such a message may be another worker's
    ahead: ReadAhead
    claimed: dict[int, Inbound] = field(default_factory=dict)

    def end(self, engine: Engine | Connection) -> None:
        """Stop reading ahead and give back the claims whose turn did not come."""
        self.ahead.stop()
        claims.give_back(engine, self.claimed.values())
        self.claimed.clear()


def _begin(bot: Bot, connection: Connection, fetched: list[Fetched] | None) -> Batch | None:
    """The batch with its first group archived and claimed, and read ahead; None for none."""
    if fetched is None:
        return None
    identities = [dedupe_key(one) for one in fetched]
    with Session(connection) as session:
        seen = archived(session, identities)
    ahead = ReadAhead(bot.engine, bot.settings, bot.clock, bot.verified_secrets, bot.reader)
    batch = Batch(deque(zip(range(len(fetched)), fetched, identities, strict=True)), seen, ahead)
    fetched.clear()  # the batch holds the only references: a message goes once handled
    _archive_ahead(bot, connection, batch)
    ahead.start()
    return batch


def _process_in_order(
    bot: Bot, shared: Shared, batch: Batch
) -> tuple[list[tuple[int, Inbound]], bool]:
    """Handle messages oldest first, stopping at one another worker holds (True).

    The rest waits for a later pass: a correction must never be stored before the mail it
    corrects, and two workers must never store revisions of one municipality side by side.
    """
    handled: list[tuple[int, Inbound]] = []
    try:
        held = _take_turns(bot, shared, batch, handled)
    except Exception:
        batch.end(shared.connection)
        raise
    finally:
        # A worker that dies (KeyboardInterrupt, SystemExit) keeps its claims, as one killed
        # would: they go stale and count its death (MAX_ATTEMPTS).
        batch.ahead.stop()
    batch.end(shared.connection)
    return handled, held


def _take_turns(
    bot: Bot, shared: Shared, batch: Batch, handled: list[tuple[int, Inbound]]
) -> bool:
    """Process the waiting messages in order into `handled`; True when one was held."""
    while batch.waiting:
        if len(batch.claimed) < GROUP:
            _archive_ahead(bot, shared.connection, batch)
        index, fetched, identity = batch.waiting.popleft()
        uid = fetched.uid
        # The read mail counts only for a new row: an archived row's bytes may differ.
        inbound = process(bot, fetched, identity, seen=identity.key in batch.seen,
                          read=batch.ahead.take(index), row=batch.claimed.pop(index, None),
                          shared=shared)
        del fetched  # process() held the only other reference to its raw bytes
        if inbound is None:
            return True
        handled.append((uid, inbound))
        bot.progress()
    return False


GROUP = 32  # messages archived in one statement, ahead of their turn


def _archive_ahead(bot: Bot, connection: Connection, batch: Batch) -> None:
    """Archive the next waiting messages not seen before in one statement and one commit,
    claimed by this worker, and have them read ahead. Up to `GROUP` at a time, called while
    fewer than `GROUP` are claimed ahead: the read-ahead thread always has a group in hand
    beyond the one the pipeline is in, and the claims stay fresh until their turn."""
    group: list[tuple[int, Fetched, Identity]] = []
    size = 0
    for index, fetched, identity in islice(batch.waiting, 2 * GROUP):
        if index in batch.claimed or identity.key in batch.seen or not groupable(fetched):
            continue
        if len(group) == GROUP or (group and size + len(fetched.raw) > GROUP_BYTES):
            break
        group.append((index, fetched, identity))
        batch.seen.add(identity.key)  # a second copy in the batch maps onto the first one's row
        size += len(fetched.raw)
    if not group:
        return
    with Session(connection) as session:
        rows = archive_group(session, [(fetched, identity) for _, fetched, identity in group],
                             bot.clock.now())
    if rows is None:  # another worker archived one of them meanwhile: one by one, looked up
        return
    for (index, fetched, _), row in zip(group, rows, strict=True):
        batch.claimed[index] = row
        batch.ahead.allow(index, fetched.raw)


def process(
    bot: Bot, fetched: Fetched, identity: Identity | None = None, *, seen: bool = True,
    read: Read | Unread | None = None, row: Inbound | None = None, shared: Shared | None = None,
) -> Inbound | None:
    """Archive one message and, unless that was done before, handle it in one transaction.

    None when another worker holds the message right now. `seen` False skips looking for an
    archived copy (the caller looked for the whole batch); `read` is the message as read ahead
    (mailbot.ahead); `row` is the message archived and claimed by the caller already
    (`archive_group`); `shared` is what the batch shares, used instead of the engine's pool.
    """
    started = time.monotonic()
    bind = shared.connection if shared is not None else bot.engine
    with Session(bind, expire_on_commit=False) as session:
        if row is None:
            inbound, claimed = archive(session, fetched, bot.clock.now(), identity, seen=seen)
        elif claims.still_ours(session, row, bot.clock.now(), bot.settings.claim_seconds):
            inbound, claimed = row, True
        else:
            return None
        del fetched  # inbound.raw holds the same bytes
        if not claimed:
            read = None  # the archived row's bytes count, not the fetched ones
            if inbound.state in ("handled", "filed"):
                return inbound
            if not claims.take(session, inbound, bot.clock.now(), bot.settings.claim_seconds):
                return None
            if inbound.attempts > MAX_ATTEMPTS:
                # Each earlier worker died on it (a crash no `except` catches, or the kernel's
                # OOM killer): trying again would stop the mail behind it for good.
                session.expunge(inbound)
                _quarantine(bot, session, inbound,
                            f"worker stopped {inbound.attempts - 1} times on this message")
                return inbound
            # Re-handled (a worker died on it): a large message's bytes are in its pieces.
            load_full_raw(session, inbound)
        # Handlers may change the row (sender, kind, a masked secret); it is written once, by
        # `_record`, instead of at every flush a handler's queries cause. (A new row was
        # inserted without the session, and is not in it.)
        if inbound in session:
            session.expunge(inbound)
        try:
            _handle(bot, session, inbound, read,
                    shared.deadlines if shared is not None else None)
        except Exception as exc:  # the one catch-all per message: quarantine, go on
            session.rollback()
            state = session.exec(select(Inbound.state).where(Inbound.id == inbound.id)).one()
            if isinstance(exc, IntegrityError) and state in ("handled", "filed"):
                # Another worker took over a stale claim and committed first: its outcome stands.
                inbound.state = state
                return inbound
            log.exception("quarantined inbound=%s", inbound.id)
            # The first line only: a database error goes on with the statement's parameters.
            first_line = str(exc).partition("\n")[0]
            _quarantine(bot, session, inbound, f"{type(exc).__name__}: {first_line}")
    log.info(
        "handled inbound=%s message_id=%s sender=%s kind=%s outcome=%s ms=%d",
        inbound.id, inbound.message_id, inbound.sender, inbound.kind, inbound.outcome,
        (time.monotonic() - started) * 1000,
    )
    return inbound


def _handle(
    bot: Bot, session: Session, inbound: Inbound, read: Read | Unread | None,
    deadlines: Deadlines | None,
) -> None:
    if not inbound.raw:
        _quarantine(bot, session, inbound, f"too large: {inbound.size} bytes")
        return
    if read is None:
        read = bot.reader.read(inbound.raw, bot.settings)
    if isinstance(read, Unread):
        _quarantine(bot, session, inbound, read.reason)
        return
    if read.masked is not None:
        keep_redacted(inbound, read.masked)
    mail = read.mail
    inbound.sender, inbound.subject = mail.sender, read.subject[:500]
    inbound.kind = classify(mail, bot.settings)
    now = bot.clock.now()
    ctx = Context(session, bot.settings, now, bot.renderer, inbound, mail, bot.verified_secrets,
                  deadlines, read.scans)
    outcome = dispatch(inbound.kind, ctx)
    for index, draft in enumerate(outcome.replies):
        outbox.queue(session, bot.settings, now, draft, inbound, index)
    folders = {
        "processed": bot.settings.imap_done_folder,
        "rejected": bot.settings.imap_rejected_folder,
        "ignored": bot.settings.imap_rejected_folder,
        "quarantined": bot.settings.imap_quarantine_folder,
    }
    inbound.outcome, inbound.reason = outcome.status, outcome.reason[:500]
    _record(bot, session, inbound, folders[outcome.status])


def _quarantine(bot: Bot, session: Session, inbound: Inbound, reason: str) -> None:
    if inbound.raw and not inbound.redacted:
        # Not read (or not to the end): mask what can be found without reading it.
        masked = mask_secret_lines(inbound.raw)
        if masked is not None:
            keep_redacted(inbound, masked)
    inbound.outcome, inbound.reason = "quarantined", reason[:500]
    _record(bot, session, inbound, bot.settings.imap_quarantine_folder)


# Built once with bound parameters: the statement is compiled once, not for every message.
_OUTCOME = {
    "state": bindparam("state"), "handled_at": bindparam("handled_at"),
    "outcome": bindparam("outcome"), "reason": bindparam("reason"),
    "target_folder": bindparam("target_folder"), "sender": bindparam("sender"),
    "subject": bindparam("subject"), "kind": bindparam("kind"),
    "redacted": bindparam("redacted"),
}
# Core over the table: no ORM bulk-update step, no cache key built again for every message.
_INBOUND = Inbound.__table__.c  # type: ignore[attr-defined]
_WRITE_OUTCOME = update(Inbound.__table__).where(_INBOUND.id == bindparam("row")).values(_OUTCOME)
_WRITE_OUTCOME_AND_RAW = _WRITE_OUTCOME.values(raw=bindparam("raw"))


def _record(bot: Bot, session: Session, inbound: Inbound, folder: str) -> None:
    """Write the outcome and what reading changed (sender, kind, the copy with its secrets
    masked), and commit the whole transaction."""
    inbound.target_folder = folder
    inbound.state, inbound.handled_at = "handled", bot.clock.now()
    values = {"row": inbound.id, **{name: getattr(inbound, name) for name in _OUTCOME}}
    if not inbound.redacted:
        session.execute(_WRITE_OUTCOME, values)
    elif inbound.chunked:  # the masked copy of a message stored in pieces
        session.execute(_WRITE_OUTCOME, values)
        write_pieces(session, inbound)
    else:  # the masked copy
        session.execute(_WRITE_OUTCOME_AND_RAW, {**values, "raw": inbound.raw})
    session.commit()
