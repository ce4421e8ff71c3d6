"""Replies go out over several SMTP connections at once ("lanes"), each address's over one of
them in the order queued; a lane the server drops gives its replies back, the others go on."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, col, select

from mailbot.bot import Bot
from mailbot.inbound.outcome import Draft
from mailbot.outbound import outbox
from mailbot.outbound.render import Rendered
from mailbot.store.models import Reply
from tests.servers.smtp_sink import SmtpSink

ADDRESSES = ["a@utrecht.nl", "b@zeist.nl", "c@houten.nl", "d@nieuwegein.nl"]


def with_lanes(bot: Bot, count: int) -> Bot:
    return dataclasses.replace(bot, settings=bot.settings.model_copy(
        update={"smtp_connections": count}))


def queue_replies(bot: Bot, each: int) -> None:
    """`each` replies to every address, queued interleaved: a0 b0 c0 d0 a1 b1 ..."""
    now = bot.clock.now()
    with Session(bot.engine) as session:
        for number in range(each):
            for address in ADDRESSES:
                draft = Draft(address, "test", Rendered(f"{address} {number}", "tekst\n"))
                outbox.queue(session, bot.settings, now, draft, None,
                             basis=f"lanes:{address}:{number}")
        session.commit()


def replies(bot: Bot) -> list[Reply]:
    with Session(bot.engine) as session:
        return list(session.exec(select(Reply).order_by(col(Reply.id))))


def flush(bot: Bot) -> outbox.FlushReport:
    return outbox.flush(bot.engine, bot.settings, bot.clock.now())


def test_replies_go_over_several_connections_each_address_in_order(
    bot: Bot, smtp_sink: SmtpSink
) -> None:
    bot = with_lanes(bot, 3)
    queue_replies(bot, 5)

    assert flush(bot).sent == 20

    received = smtp_sink.wait_for(20)
    connections: dict[str, set[str]] = defaultdict(set)
    subjects: dict[str, list[str]] = defaultdict(list)
    for message in received:
        address = message.rcpt_tos[0]
        connections[address].add(message.connection)
        subjects[address].append(str(message.message["Subject"]))
    assert len({message.connection for message in received}) == 3
    assert all(len(used) == 1 for used in connections.values())  # one lane per address
    assert subjects == {address: [f"{address} {n}" for n in range(5)] for address in ADDRESSES}
    assert {reply.state for reply in replies(bot)} == {"sent"}


def test_one_reply_due_opens_one_connection(
    bot: Bot, smtp_sink: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = with_lanes(bot, 3)
    now = bot.clock.now()
    with Session(bot.engine) as session:
        draft = Draft(ADDRESSES[0], "test", Rendered("een", "tekst\n"))
        outbox.queue(session, bot.settings, now, draft, None, basis="lanes:one")
        session.commit()
    connects: list[Any] = []
    original = outbox._connect

    async def counting(settings: Any) -> Any:
        connects.append(settings)
        return await original(settings)

    monkeypatch.setattr(outbox, "_connect", counting)
    assert flush(bot).sent == 1
    assert len(connects) == 1


def test_a_dropped_lane_gives_its_replies_back_and_the_others_go_on(
    bot: Bot, smtp_sink: SmtpSink
) -> None:
    bot = with_lanes(bot, 3)
    queue_replies(bot, 3)  # 12 replies; one address per lane for three, two on one lane
    smtp_sink.hang_up_next()

    report = flush(bot)

    dropped = [r for r in replies(bot) if r.state == "pending" and r.attempts == 1]
    assert len(dropped) == 1  # the reply whose DATA the server hung up on
    lane = {dropped[0].recipient}
    # Its lane's address(es): every reply not sent waits, untried, due at once.
    waiting = [r for r in replies(bot) if r.state == "pending" and r.attempts == 0]
    lane |= {r.recipient for r in waiting}
    assert all(r.next_attempt_at == bot.clock.now() for r in waiting)
    others = [r for r in replies(bot) if r.recipient not in lane]
    assert others and {r.state for r in others} == {"sent"}
    assert report.sent == len(others) and report.deferred == 12 - len(others)
    assert len(smtp_sink.messages) == len(others)

    # The untried ones go at the next flush; the dropped one after its backoff.
    assert flush(bot).sent == len(waiting)
    bot.clock.advance(minutes=1)  # type: ignore[attr-defined]
    assert flush(bot).sent == 1
    received = smtp_sink.wait_for(12)
    assert sorted(str(m.message["Subject"]) for m in received) == sorted(
        f"{address} {n}" for address in ADDRESSES for n in range(3))
    assert {reply.state for reply in replies(bot)} == {"sent"}


def test_a_server_that_takes_fewer_connections_gets_all_replies_over_those(
    bot: Bot, smtp_sink: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = with_lanes(bot, 3)
    queue_replies(bot, 2)
    original = outbox._connect
    opened: list[int] = []

    async def one_only(settings: Any) -> Any:
        opened.append(1)
        if len(opened) > 1:
            raise OSError("421 too many connections")
        return await original(settings)

    monkeypatch.setattr(outbox, "_connect", one_only)
    assert flush(bot).sent == 8
    received = smtp_sink.wait_for(8)
    assert len({message.connection for message in received}) == 1


def test_a_chunk_taken_late_in_a_flush_is_leased_from_the_moment_it_is_taken(
    bot: Bot, smtp_sink: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue_replies(bot, 1)
    clock = bot.clock
    lease = timedelta(seconds=bot.settings.claim_seconds)
    monkeypatch.setattr(outbox, "CLAIM_CHUNK", 1)  # each reply taken just before it is sent
    leased: list[bool] = []
    original = outbox._send_one

    async def slow_send(smtp: Any, reply: Reply, *args: Any) -> str:
        # What another worker would find now: the reply still held by this flush.
        with Session(bot.engine) as session:
            row = session.get(Reply, reply.id)
            assert row is not None
            leased.append(row.state == "sending" and row.next_attempt_at > clock.now())
        result = await original(smtp, reply, *args)
        clock.advance(seconds=2 * lease.total_seconds())  # type: ignore[attr-defined]
        return result

    monkeypatch.setattr(outbox, "_send_one", slow_send)
    assert outbox.flush(bot.engine, bot.settings, clock.now(), clock).sent == 4

    assert leased == [True] * 4
    assert len(smtp_sink.wait_for(4)) == 4
