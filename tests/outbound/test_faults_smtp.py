"""The SMTP server away, refusing for a while, or refusing for good: figures are stored and
filed regardless, replies wait and go exactly once, a permanent failure reaches the admins."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlmodel import Session, select

from mailbot.admin import health
from mailbot.bot import Bot
from mailbot.inbound.pipeline import run_pass
from mailbot.outbound import outbox
from mailbot.store.models import Reply
from tests.servers.smtp_sink import SmtpSink
from tests.stories import ADMIN, reply_from, submissions

UTRECHT = "huisverbod@utrecht.nl"


def flush(bot: Bot) -> outbox.FlushReport:
    return outbox.flush(bot.engine, bot.settings, bot.clock.now())


def the_reply(bot: Bot) -> Reply:
    with Session(bot.engine) as session:
        return session.exec(select(Reply).where(Reply.recipient == UTRECHT)).one()


def test_an_smtp_outage_delays_the_confirmation_and_loses_nothing(
    bot: Bot, imap_account: Any, smtp_sink: SmtpSink
) -> None:
    smtp_sink.stop()
    imap_account.append(reply_from(UTRECHT))
    imap_account.append(reply_from("wth@zeist.nl", "Zeist", "zeist-zeist-zeist"))

    report = run_pass(bot)  # does not raise, does not wait for the mail server

    assert report.outcomes == {"processed": 2} and report.sent == 0
    assert len(submissions(bot)) == 2
    assert imap_account.uids("INBOX") == [] and len(imap_account.uids("Verwerkt")) == 2
    assert the_reply(bot).state == "pending"

    smtp_sink.start()
    bot.clock.advance(minutes=5)  # type: ignore[attr-defined]
    assert flush(bot).sent == 2
    assert flush(bot).sent == 0
    run_pass(bot)

    received = smtp_sink.wait_for(2)
    assert sorted(m.rcpt_tos[0] for m in received) == [UTRECHT, "wth@zeist.nl"]
    assert len(smtp_sink.messages) == 2  # each exactly once
    assert the_reply(bot).state == "sent"


@pytest.mark.parametrize("stage", ["RCPT", "DATA"])
def test_a_temporary_refusal_is_retried_after_the_backoff(
    bot: Bot, imap_account: Any, smtp_sink: SmtpSink, stage: Any
) -> None:
    smtp_sink.fail_next(451, at=stage)
    imap_account.append(reply_from(UTRECHT))

    assert run_pass(bot).sent == 0

    waiting = the_reply(bot)
    assert (waiting.state, waiting.attempts) == ("pending", 1)
    assert waiting.last_error is not None and waiting.last_error.startswith("451")
    assert flush(bot).sent == 0  # not due yet: the first retry waits 30 seconds
    bot.clock.advance(seconds=31)  # type: ignore[attr-defined]
    assert flush(bot).sent == 1
    assert flush(bot).sent == 0
    assert len(smtp_sink.wait_for(1)) == 1
    assert the_reply(bot).state == "sent"


def test_the_wait_between_retries_doubles_and_after_three_days_the_reply_fails(
    bot: Bot, imap_account: Any, smtp_sink: SmtpSink
) -> None:
    smtp_sink.fail_always(451)
    imap_account.append(reply_from(UTRECHT))
    run_pass(bot)
    waits = []
    while the_reply(bot).state == "pending":
        due = the_reply(bot).next_attempt_at
        waits.append(int((due - bot.clock.now()).total_seconds()))
        bot.clock.current = due  # type: ignore[attr-defined]
        flush(bot)
    assert waits[:5] == [30, 60, 120, 240, 480]
    assert max(waits) == 2 * 3600
    failed = the_reply(bot)
    assert failed.state == "failed"
    assert bot.clock.now() - failed.created_at >= outbox.GIVE_UP_AFTER
    smtp_sink.recover()
    flush(bot)  # the admins hear of it
    [notice] = [m for m in smtp_sink.wait_for(1) if m.rcpt_tos == [ADMIN]]
    assert UTRECHT in notice.message.get_content()


def test_a_permanent_refusal_fails_the_reply_tells_the_admins_once_and_shows_in_status(
    bot: Bot, imap_account: Any, smtp_sink: SmtpSink
) -> None:
    smtp_sink.fail_next(550, at="RCPT")
    imap_account.append(reply_from(UTRECHT))

    run_pass(bot)  # the reply fails; the flush at the end of the pass tells the admins

    failed = the_reply(bot)
    assert (failed.state, failed.attempts) == ("failed", 1)
    assert failed.last_error is not None and failed.last_error.startswith("550")
    [notice] = smtp_sink.wait_for(1)
    assert notice.rcpt_tos == [ADMIN]
    assert "niet afgeleverd" in notice.message["Subject"]
    body = notice.message.get_content()
    assert UTRECHT in body and "550" in body and "bevestiging Utrecht" in body
    # The notice names the reply (and when it was queued), not its figures.
    assert "12" not in re.sub(r"\d\d-\d\d-\d{4} \d\d:\d\d", "", body)

    bot.clock.advance(hours=1)  # type: ignore[attr-defined]
    flush(bot)
    run_pass(bot)
    assert len(smtp_sink.messages) == 1  # told once
    with Session(bot.engine) as session:
        state = health.check(session, bot.settings, bot.clock.now())
    assert state.outbox_failed == 1 and state.needs_operator
    assert any("niet worden afgeleverd" in problem for problem in state.problems)


def test_a_notice_that_fails_itself_is_not_told_again(
    bot: Bot, imap_account: Any, smtp_sink: SmtpSink
) -> None:
    smtp_sink.fail_always(550, at="RCPT")
    imap_account.append(reply_from(UTRECHT))

    for _ in range(3):
        run_pass(bot)
        bot.clock.advance(minutes=10)  # type: ignore[attr-defined]

    with Session(bot.engine) as session:
        rows = session.exec(select(Reply).order_by(Reply.id)).all()  # type: ignore[arg-type]
    assert [(r.kind, r.recipient, r.state) for r in rows] == [
        ("confirmation", UTRECHT, "failed"), (outbox.NOTICE, ADMIN, "failed")]
    assert smtp_sink.messages == []
