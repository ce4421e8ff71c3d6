"""How a pass uses the database: one connection per batch for the pipeline's transactions,
the sender's one-statement transactions committed as they run, and the caller's connection
handed back as it was lent."""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

from sqlalchemy import event, update
from sqlmodel import Session, select

from mailbot.bot import Bot
from mailbot.inbound.pipeline import run_pass
from mailbot.outbound import outbox
from mailbot.store.models import Reply, Submission
from tests.mails import simple_mail
from tests.stories import FIGURES, reply_from, statements, submissions

UTRECHT = "huisverbod@utrecht.nl"


def test_the_pipeline_takes_one_connection_from_the_pool_per_pass(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    bot = dataclasses.replace(bot, settings=bot.settings.model_copy(
        update={"imap_batch_size": 3}))
    for figure in range(1, 7):  # two batches
        imap_account.append(reply_from(UTRECHT, figures={**FIGURES, "1": figure}))
    checkouts: list[str] = []
    event.listen(bot.engine.pool, "checkout",
                 lambda *_: checkouts.append(threading.current_thread().name))

    assert run_pass(bot).outcomes == {"processed": 6}

    # Both batches: one. After the last: the final flush, the admins' notice check, the beat.
    # (The read-ahead thread takes its own, to check secrets beside the pipeline.)
    assert checkouts.count(threading.main_thread().name) == 1 + 3
    assert [s.revision for s in submissions(bot)] == [1, 2, 3, 4, 5, 6]
    assert len(smtp_sink.wait_for(6)) == 6


def test_the_sender_hands_back_the_callers_connection_as_it_was_lent(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    imap_account.append(reply_from(UTRECHT))
    run_pass(bot)
    with Session(bot.engine) as session:
        session.exec(select(Reply)).one()

    with bot.engine.connect() as connection:
        level = connection.get_isolation_level()
        outbox.flush(connection, bot.settings, bot.clock.now())
        assert connection.get_isolation_level() == level != "AUTOCOMMIT"
        connection.execute(update(Reply).values(subject="overschreven"))
        connection.rollback()  # a transaction again: the change is gone with it

    with Session(bot.engine) as session:
        assert session.exec(select(Reply.subject)).one() != "overschreven"


def test_a_reply_is_queued_within_its_kinds_daily_cap_in_one_statement(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    imap_account.append(simple_mail(UTRECHT, "HELP"))  # anyone can send this one: capped
    imap_account.append(reply_from(UTRECHT))  # the right secret: a confirmation, never capped
    seen = statements(bot)

    assert run_pass(bot).outcomes == {"processed": 2}
    about_replies = [s for s in seen if "reply" in s.split("WHERE")[0].lower()]

    help_reply, confirmation = [s for s in about_replies if s.startswith("INSERT INTO reply")]
    assert "count(*)" in help_reply and "reply.kind" in help_reply  # the cap, in the INSERT
    assert "count(*)" not in confirmation
    assert not [s for s in about_replies if s.startswith("SELECT count(*)")]


def test_storing_a_correction_and_queueing_its_reply_build_no_model_objects(
    bot: Bot, imap_account: Any, smtp_sink: Any, monkeypatch: Any
) -> None:
    # Building a SQLModel object costs more than the INSERT it feeds: the rows every mail
    # writes go in from plain values.
    imap_account.append(reply_from(UTRECHT))
    imap_account.append(reply_from(UTRECHT, figures={**FIGURES, "1": 13}))  # a correction
    built: list[str] = []
    for model in (Submission, Reply):
        original = model.__init__

        def counting(self: Any, *args: Any, __original: Any = original, **kwargs: Any) -> None:
            built.append(type(self).__name__)
            __original(self, *args, **kwargs)

        monkeypatch.setattr(model, "__init__", counting)

    assert run_pass(bot).outcomes == {"processed": 2}

    assert built == []
    assert [s.revision for s in submissions(bot)] == [1, 2]
    assert len(smtp_sink.wait_for(2)) == 2  # both confirmed
