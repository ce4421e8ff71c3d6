"""The way of one message: claim, read, classify, handle, record (then the pass files it away).

Each step is a function of the same shape, `step(bot, session, message)`, that reads what the
steps before it left in `Message` and adds its own part. A message goes through them in one
transaction of its own, committed by `record`. A step that sets the message aside (a mail
nobody can read, one its workers kept dying on) names the reason in `message.quarantine`: the
steps up to `record` are then skipped. Batching, archiving a group at a time and reading ahead
(mailbot.inbound.pipeline, mailbot.inbound.ahead) only prepare what `claim` and `read` would
otherwise do here.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BindParameter, Connection, Engine, bindparam, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from mailbot.bot import Bot
from mailbot.handlers import dispatch
from mailbot.inbound import claims
from mailbot.inbound.archive import Identity, archive, keep_redacted, load_full_raw, write_pieces
from mailbot.inbound.classify import classify as kind_of
from mailbot.inbound.imap import Fetched
from mailbot.inbound.outcome import Context, Outcome
from mailbot.outbound import outbox
from mailbot.reader.masking import mask_secret_lines
from mailbot.reader.reading import Read, Unread
from mailbot.store.db import table
from mailbot.store.deadlines import Deadlines
from mailbot.store.models import Inbound

log = logging.getLogger(__name__)

# Workers a message may see die before it is quarantined: three while they handled it, plus
# the one death its archive group may charge it with when the worker died on another message
# of the group (a row is in at most one group; the daemon cannot tell which row was in hand).
MAX_ATTEMPTS = 4


@dataclass
class Message:
    """One message on its way: what the steps found so far."""

    fetched: Fetched | None  # as fetched; dropped once archived (the row holds its bytes)
    identity: Identity | None = None  # its dedupe key, when the batch worked it out already
    maybe_archived: bool = True  # False: the batch looked, and no row holds it yet
    row: Inbound | None = None  # its archived row; given when the batch archived and claimed it
    read: Read | Unread | None = None  # given when read ahead (mailbot.inbound.ahead)
    deadlines: Deadlines | None = None  # the rounds' deadlines, read once per batch
    held: bool = False  # another worker holds it: it waits for a later pass
    done_before: bool = False  # handled (by another worker or an earlier pass) already
    quarantine: str | None = None  # why a step set it aside
    outcome: Outcome | None = None  # what its handler decided
    recorded: bool = False  # its outcome is written and committed

    @property
    def inbound(self) -> Inbound:
        """The archived row (set by `claim`, the first step)."""
        assert self.row is not None, "claim is the first step"
        return self.row

    @property
    def as_read(self) -> Read:
        """The message as read (set by `read`, which quarantines what it cannot read)."""
        assert isinstance(self.read, Read), "read comes before this step"
        return self.read


Step = Callable[[Bot, Session, Message], None]


def claim(bot: Bot, session: Session, message: Message) -> None:
    """Make the message this worker's: archive it (claimed), keep the claim the batch took, or
    take an archived row whose claim went stale. Sets `held` or `done_before` when not."""
    now, claim_seconds = bot.clock.now(), bot.settings.claim_seconds
    if message.row is not None:  # archived and claimed by the batch ahead of its turn
        message.held = not claims.still_ours(session, message.row, now, claim_seconds)
        return
    assert message.fetched is not None
    row, new = archive(session, message.fetched, now, message.identity,
                       maybe_archived=message.maybe_archived)
    message.row, message.fetched = row, None  # the row holds the same bytes
    if new:
        return
    message.read = None  # the archived row's bytes count, not the fetched ones
    if row.state in ("handled", "filed"):
        message.done_before = True
    elif not claims.take(session, row, now, claim_seconds):
        message.held = True
    elif row.attempts > MAX_ATTEMPTS:
        # Each earlier worker died on it (a crash no `except` catches, or the kernel's OOM
        # killer): trying again would stop the mail behind it for good.
        message.quarantine = f"worker stopped {row.attempts - 1} times on this message"
    else:
        load_full_raw(session, row)  # re-handled: a large message's bytes are in its pieces
    # The row is written once, by `record`, not at every flush a handler's queries cause.
    if row in session:
        session.expunge(row)


def read(bot: Bot, session: Session, message: Message) -> None:
    """Read the mail in the reading worker (unless read ahead); keep its masked copy."""
    row = message.inbound
    if not row.raw:
        message.quarantine = f"too large: {row.size} bytes"
        return
    if message.read is None:
        message.read = bot.reader.read(row.raw, bot.settings)
    if isinstance(message.read, Unread):
        log.error("inbound=%s not read: %s", row.id, message.read.reason)
        message.quarantine = message.read.reason
    elif message.read.masked is not None:
        keep_redacted(row, message.read.masked)


def classify(bot: Bot, session: Session, message: Message) -> None:
    """What kind of mail it is (a form, a command, a bounce, ...), from whom, about what."""
    row, read = message.inbound, message.as_read
    row.sender, row.subject = read.mail.sender, read.subject[:500]
    row.kind = kind_of(read.mail, bot.settings)


def handle(bot: Bot, session: Session, message: Message) -> None:
    """Let the handler of its kind decide, and queue the replies it asks for."""
    row, read, now = message.inbound, message.as_read, bot.clock.now()
    ctx = Context(session, bot.settings, now, bot.renderer, row, read.mail, bot.verified_secrets,
                  message.deadlines, read.scans)
    message.outcome = dispatch(row.kind or "", ctx)
    for index, draft in enumerate(message.outcome.replies):
        outbox.queue(session, bot.settings, now, draft, row, index)


def record(bot: Bot, session: Session, message: Message) -> None:
    """Write the outcome and what reading changed, and commit the message's transaction."""
    row, settings = message.inbound, bot.settings
    if message.quarantine is not None:
        if row.raw and not row.redacted:
            # Not read (or not to the end): mask what can be found without reading it.
            masked = mask_secret_lines(row.raw)
            if masked is not None:
                keep_redacted(row, masked)
        row.outcome, row.reason = "quarantined", message.quarantine[:500]
        row.target_folder = settings.imap_quarantine_folder
    else:
        assert message.outcome is not None
        row.outcome, row.reason = message.outcome.status, message.outcome.reason[:500]
        row.target_folder = {"processed": settings.imap_done_folder,
                             "quarantined": settings.imap_quarantine_folder,
                             }.get(message.outcome.status, settings.imap_rejected_folder)
    row.state, row.handled_at = "handled", bot.clock.now()
    _write(session, row)
    session.commit()
    message.recorded = True


STEPS: tuple[Step, ...] = (claim, read, classify, handle, record)


def take(bot: Bot, bind: Engine | Connection, message: Message) -> Inbound | None:
    """Take one message along the steps in a transaction of its own; its row as it ends, or
    None when another worker holds it (it waits for a later pass)."""
    started = time.monotonic()
    with Session(bind, expire_on_commit=False) as session:
        for step in STEPS:
            if message.quarantine is None or step is record:
                _run(step, bot, session, message)
            if message.held:
                return None
            if message.done_before:
                return message.inbound
        if not message.recorded:  # `record` itself failed: set aside, with that reason
            record(bot, session, message)
    row = message.inbound
    log.info("handled inbound=%s message_id=%s sender=%s kind=%s outcome=%s ms=%d", row.id,
             row.message_id, row.sender, row.kind, row.outcome,
             (time.monotonic() - started) * 1000)
    return row


def process(bot: Bot, fetched: Fetched) -> Inbound | None:
    """Take one fetched message along the steps on its own (no batch around it)."""
    return take(bot, bot.engine, Message(fetched))


def _run(step: Step, bot: Bot, session: Session, message: Message) -> None:
    """Run a step; after `claim`, an error sets the message aside (`record` writes that) and
    the daemon goes on."""
    if step is claim:
        step(bot, session, message)  # an archive the database refuses stops the pass
        return
    try:
        step(bot, session, message)
    except Exception as exc:  # the one catch-all per message: quarantine, go on
        session.rollback()
        row = message.inbound
        state = session.exec(select(Inbound.state).where(Inbound.id == row.id)).one()
        if isinstance(exc, IntegrityError) and state in ("handled", "filed"):
            # Another worker took over a stale claim and committed first: its outcome stands.
            row.state = "handled" if state == "handled" else "filed"
            message.done_before = True
            return
        log.exception("quarantined inbound=%s", row.id)
        # The first line only: a database error goes on with the statement's parameters.
        first_line = str(exc).partition("\n")[0]
        message.quarantine = f"{type(exc).__name__}: {first_line}"


# Prebuilt Core, as every mail runs these: see mailbot.store.db.
_OUTCOME: dict[str, BindParameter[Any]] = {
    name: bindparam(name) for name in ("state", "handled_at", "outcome", "reason",
                                        "target_folder", "sender", "subject", "kind", "redacted")
}
_INBOUND = table(Inbound).c
_WRITE_OUTCOME = update(table(Inbound)).where(_INBOUND.id == bindparam("row")).values(_OUTCOME)
_WRITE_OUTCOME_AND_RAW = _WRITE_OUTCOME.values(raw=bindparam("raw"))


def _write(session: Session, row: Inbound) -> None:
    """The outcome, and what reading changed (sender, kind, the copy with secrets masked)."""
    values = {"row": row.id, **{name: getattr(row, name) for name in _OUTCOME}}
    if not row.redacted:
        session.execute(_WRITE_OUTCOME, values)
    elif row.chunked:  # the masked copy of a message stored in pieces
        session.execute(_WRITE_OUTCOME, values)
        write_pieces(session, row)
    else:  # the masked copy
        session.execute(_WRITE_OUTCOME_AND_RAW, {**values, "raw": row.raw})
