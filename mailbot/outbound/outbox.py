"""Replies are rows first (queued in the handler's transaction) and sent later by `flush`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiosmtplib
from sqlalchemy import (
    BindParameter,
    Connection,
    Engine,
    String,
    bindparam,
    cast,
    exists,
    literal,
    update,
)
from sqlalchemy import select as core_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from mailbot.config import Settings
from mailbot.dates.clock import Clock, RunningClock
from mailbot.dates.localtime import shown, zone_of
from mailbot.inbound.outcome import Draft
from mailbot.outbound import caps
from mailbot.outbound.compose import clean, compose, reply_message_id
from mailbot.outbound.render import Renderer
from mailbot.store import milestones
from mailbot.store.db import full_row, insert_values, table
from mailbot.store.models import Inbound, Milestone, Reply

log = logging.getLogger(__name__)

GIVE_UP_AFTER = timedelta(days=3)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=2)
NOTICE = "admin_delivery_failed"  # the admins' notice of replies that failed for good


# Prebuilt Core, as every mail runs these: see mailbot.store.db.
_REPLY = table(Reply).c
_QUEUED = core_select(_REPLY.id).where(_REPLY.message_id == bindparam("message_id"))


def queue(
    session: Session, settings: Settings, now: datetime, draft: Draft,
    inbound: Inbound | None, index: int = 0, *, basis: str | None = None,
) -> int | None:
    """Add a reply row in the caller's transaction and return its id; None when the daily cap
    says no (see `mailbot.outbound.caps`), or when the reply was queued before.

    `basis` names what caused a reply without an inbound message (an admin action), so the
    same action cannot queue the same mail twice.
    """
    cap = caps.daily_cap(settings, draft, inbound)
    cause = inbound.dedupe_key if inbound is not None else (basis or f"{draft.kind}:{now}")
    message_id = reply_message_id(cause, draft.kind, index, settings)
    # A reply to a mail is queued in the transaction that marks the mail handled, so it cannot
    # exist yet (a second worker on the same mail fails on the unique Message-ID instead).
    if inbound is None and session.execute(_QUEUED, {"message_id": message_id}).first():
        return None
    message = compose(draft, settings, now, message_id, inbound)
    values = {
        "inbound_id": inbound.id if inbound else None, "recipient": draft.to,
        "subject": clean(draft.rendered.subject), "kind": draft.kind, "message_id": message_id,
        "raw": message.as_bytes(), "next_attempt_at": now, "created_at": now,
        "sensitive": draft.sensitive,
    }
    # A second worker on the same mail fails here, inside the transaction that would have
    # marked it handled.
    if cap is None:
        return insert_values(session, Reply, values)
    reply_id = session.execute(caps.INSERT_WITHIN_CAP, {
        **full_row(Reply, values), "since": now - timedelta(days=1), "cap": cap,
    }).scalar_one_or_none()
    if reply_id is None:
        log.warning("reply not queued: daily cap reached kind=%s", draft.kind)
    return reply_id


@dataclass(frozen=True)
class FlushReport:
    """What one flush did."""

    sent: int = 0
    deferred: int = 0
    failed: int = 0


def flush(
    engine: Engine | Connection, settings: Settings, now: datetime, clock: Clock | None = None,
) -> FlushReport:
    """Send every due reply, over up to `smtp_connections` SMTP connections at once; failures
    are recorded, never raised.

    Replies that failed for good since the last flush are first told to the admins. `engine`
    may be a connection the caller holds, used for every transaction instead of the pool.
    `now` is when the flush starts; `clock` tells the time later on, when each chunk of
    replies is taken (by default it runs on from `now` with real time).
    """
    _tell_admins(engine, settings, now)
    with _each_statement_committed(engine) as connection, \
            Session(connection, expire_on_commit=False) as session:
        due = list(session.exec(
            select(Reply)
            .where(col(Reply.state).in_(("pending", "sending")), col(Reply.next_attempt_at) <= now)
            .order_by(col(Reply.id))
        ))
        if not due:
            return FlushReport()
        session.expunge_all()  # each attempt is written by `_save`, not by a flush
        report = asyncio.run(_send_all(session, settings, now, due, clock or RunningClock(now)))
        session.commit()
    return report


@contextlib.contextmanager
def _each_statement_committed(bind: Engine | Connection) -> Iterator[Connection]:
    """A connection in autocommit mode, for the sender's one-statement transactions: on
    PostgreSQL a BEGIN and a COMMIT less, each a round trip, for every reply sent."""
    if isinstance(bind, Engine):
        with bind.connect() as connection:
            yield connection.execution_options(isolation_level="AUTOCOMMIT")
        return
    # The level the caller set, else the dialect's: known without asking the database.
    level = bind.get_execution_options().get("isolation_level", bind.default_isolation_level)
    bind.execution_options(isolation_level="AUTOCOMMIT")
    try:
        yield bind
    finally:
        bind.execution_options(isolation_level=level)


CLAIM_CHUNK = 50  # replies claimed per UPDATE; a dead sender holds at most this many a while


async def _send_all(
    session: Session, settings: Settings, now: datetime, due: list[Reply], clock: Clock,
) -> FlushReport:
    """Send `due` over up to `smtp_connections` connections at once ("lanes").

    Each address's replies go over one lane, in the order they were queued; the lanes of a
    chunk of claimed replies all finish before the next chunk is claimed, so that order holds
    across chunks too. A lane the server drops gives its unsent replies back at once, and the
    other lanes go on.
    """
    lease = timedelta(seconds=settings.claim_seconds)
    wanted = min(max(1, settings.smtp_connections), len({reply.recipient for reply in due}))
    lanes = await _open_lanes(settings, wanted)
    if not lanes:
        return FlushReport(deferred=len(due))
    tally: Counter[str] = Counter()
    try:
        for start in range(0, len(due), CLAIM_CHUNK):
            lanes = [smtp for smtp in lanes if smtp.is_connected]
            if not lanes:
                break
            # The lease counts from the taking: the chunks before may have taken long.
            mine = _claim(session, due[start:start + CLAIM_CHUNK], clock.now(), lease)
            results = await asyncio.gather(*(
                _send_lane(session, settings, now, smtp, replies, tally)
                for smtp, replies in zip(lanes, _by_recipient(mine, len(lanes)), strict=True)
            ), return_exceptions=True)
            for result in results:  # a lane's unexpected error, after every lane has stopped
                if isinstance(result, BaseException):
                    raise result
    finally:
        for smtp in lanes:
            with contextlib.suppress(aiosmtplib.SMTPException, OSError):
                await smtp.quit()
    return FlushReport(sent=tally["sent"], deferred=tally["deferred"], failed=tally["failed"])


async def _open_lanes(settings: Settings, count: int) -> list[aiosmtplib.SMTP]:
    """Up to `count` connections, opened at once; fewer when the server takes fewer."""
    results = await asyncio.gather(*(_connect(settings) for _ in range(count)),
                                   return_exceptions=True)
    lanes = [result for result in results if isinstance(result, aiosmtplib.SMTP)]
    refused = [result for result in results if isinstance(result, BaseException)]
    unexpected = [error for error in refused
                  if not isinstance(error, aiosmtplib.SMTPException | OSError)]
    if unexpected:
        for smtp in lanes:
            smtp.close()
        raise unexpected[0]
    if not lanes:
        log.warning("smtp unavailable, replies wait: %s", refused[0])
    elif refused:
        log.info("smtp took %d of %d connections: %s", len(lanes), count, refused[0])
    return lanes


def _by_recipient(replies: list[Reply], count: int) -> list[list[Reply]]:
    """`replies` split over `count` lanes, all of one address on one lane, in their order;
    each new address goes to the lane with the fewest replies so far."""
    lanes: list[list[Reply]] = [[] for _ in range(count)]
    lane_of: dict[str, int] = {}
    for reply in replies:
        lane = lane_of.get(reply.recipient)
        if lane is None:
            lane = lane_of[reply.recipient] = min(range(count), key=lambda i: len(lanes[i]))
        lanes[lane].append(reply)
    return lanes


async def _send_lane(
    session: Session, settings: Settings, now: datetime, smtp: aiosmtplib.SMTP,
    replies: list[Reply], tally: Counter[str],
) -> None:
    """Send one lane's replies in order, each attempt saved at once; on a dropped connection,
    and on any error, the replies not tried yet are given back."""
    try:
        while replies and smtp.is_connected:
            reply = replies.pop(0)
            result = await _send_one(smtp, reply, settings, now)
            _save(session, reply)  # no await in between: the lanes never interleave here
            tally["deferred" if result == "disconnected" else result] += 1
    finally:
        tally["deferred"] += len(replies)
        _release(session, replies, now)


def _claim(session: Session, replies: list[Reply], now: datetime, lease: timedelta) -> list[Reply]:
    """Take these rows for sending, in one UPDATE; those another worker took are left out.

    A worker that dies mid-send loses its rows after `lease` (`claim_seconds`, as for inbound
    messages).
    """
    until = now + lease
    taken = set(session.exec(
        update(Reply)
        .where(
            col(Reply.id).in_([reply.id for reply in replies]),
            col(Reply.state).in_(("pending", "sending")), col(Reply.next_attempt_at) <= now,
        )
        .values(state="sending", next_attempt_at=until)
        .returning(col(Reply.id))
        .execution_options(synchronize_session=False)
    ).scalars())
    session.commit()
    mine = [reply for reply in replies if reply.id in taken]
    for reply in mine:
        reply.state, reply.next_attempt_at = "sending", until
    return mine


# Prebuilt Core, as every reply runs these: see mailbot.store.db.
_ATTEMPT: dict[str, BindParameter[Any]] = {name: bindparam(name)
            for name in ("state", "attempts", "sent_at", "next_attempt_at", "last_error")}
_WRITE_ATTEMPT = update(table(Reply)).where(_REPLY.id == bindparam("row")).values(_ATTEMPT)
_WRITE_ATTEMPT_AND_WIPE = _WRITE_ATTEMPT.values(raw=b"")


def _save(session: Session, reply: Reply) -> None:
    """Record one attempt at once, so a crash after it never sends the reply again."""
    wiped = reply.sensitive and not reply.raw
    values = {"row": reply.id, **{name: getattr(reply, name) for name in _ATTEMPT}}
    session.execute(_WRITE_ATTEMPT_AND_WIPE if wiped else _WRITE_ATTEMPT, values)
    session.commit()


def _release(session: Session, replies: list[Reply], now: datetime) -> None:
    """Give back rows claimed but not tried (the connection dropped), due at once again."""
    if not replies:
        return
    session.exec(
        update(Reply)
        .where(col(Reply.id).in_([reply.id for reply in replies]), col(Reply.state) == "sending")
        .values(state="pending", next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()


async def _connect(settings: Settings) -> aiosmtplib.SMTP:
    smtp = aiosmtplib.SMTP(
        hostname=settings.smtp_host, port=settings.smtp_port, timeout=30,
        use_tls=settings.smtp_security == "ssl",
        start_tls=settings.smtp_security == "starttls",
    )
    await smtp.connect()
    if settings.smtp_user:
        await smtp.login(settings.smtp_user, settings.smtp_password.get_secret_value())
    return smtp


async def _send_one(smtp: aiosmtplib.SMTP, reply: Reply, settings: Settings, now: datetime) -> str:
    reply.attempts += 1
    try:
        await smtp.sendmail(settings.from_address, [reply.recipient], reply.raw)
    except aiosmtplib.SMTPRecipientsRefused as exc:
        codes = [r.code for r in exc.recipients]
        return _failure(reply, now, min(codes) if codes else 451, str(exc))
    except aiosmtplib.SMTPResponseException as exc:
        return _failure(reply, now, exc.code, exc.message)
    except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPException, OSError) as exc:
        _defer(reply, now, str(exc))
        return "disconnected"
    reply.state = "sent"
    reply.sent_at = now
    reply.last_error = None
    _wipe_if_sensitive(reply)
    return "sent"


def _wipe_if_sensitive(reply: Reply) -> None:
    """A secret lives in the database only as long as its mail is waiting to be sent."""
    if reply.sensitive:
        reply.raw = b""


def _failure(reply: Reply, now: datetime, code: int, message: str) -> str:
    if 500 <= code < 600:
        reply.state = "failed"
        reply.last_error = f"{code} {message}"[:500]
        _wipe_if_sensitive(reply)
        log.error("reply %s failed permanently: %s", reply.id, code)
        return "failed"
    _defer(reply, now, f"{code} {message}")
    return "failed" if reply.state == "failed" else "deferred"


def _defer(reply: Reply, now: datetime, error: str) -> None:
    """Exponential backoff; after three days a temporary failure counts as permanent."""
    reply.last_error = error[:500]
    reply.state = "pending"
    if now - reply.created_at >= GIVE_UP_AFTER:
        reply.state = "failed"
        _wipe_if_sensitive(reply)
        return
    # Doubling stops long past LONGEST_WAIT: 2**40 times 30 seconds overflows a timedelta.
    doublings = min(reply.attempts - 1, 16)
    wait = min(FIRST_RETRY * 2**doublings, LONGEST_WAIT)
    reply.next_attempt_at = now + wait


def _tell_admins(engine: Engine | Connection, settings: Settings, now: datetime) -> None:
    """One notice to the admins listing the replies that failed for good and were not told yet.

    Each told failure is a milestone committed with the notice, so it is told once, after a
    crash or with two daemons too. A notice that fails itself is never told: no loop.
    """
    told = exists().where(
        col(Milestone.key) == literal("reply.failed:") + cast(col(Reply.id), String))
    with Session(engine, expire_on_commit=False) as session:
        failures = list(session.exec(
            select(Reply)
            .where(Reply.state == "failed", Reply.kind != NOTICE, ~told)
            .order_by(col(Reply.id))
        ))
        if not failures:
            return
        for reply in failures:
            milestones.record(session, f"reply.failed:{reply.id}", now)
        try:  # a notice's INSERT (in `queue`) or the commit
            if settings.admin_addresses:
                rendered = Renderer().mail(f"{NOTICE}.txt.j2", failures=[
                    {"recipient": r.recipient, "subject": r.subject, "kind": r.kind,
                     "error": r.last_error or "", "attempts": r.attempts,
                     "created_at": shown(r.created_at, zone_of(settings))} for r in failures
                ])
                basis = f"{NOTICE}:{','.join(str(r.id) for r in failures)}"
                for index, address in enumerate(settings.admin_addresses):
                    queue(session, settings, now, Draft(address, NOTICE, rendered), None,
                          index, basis=basis)
            session.commit()
        except IntegrityError:
            session.rollback()  # another worker told them a moment ago
