"""Reading ahead (mailbot.inbound.ahead): reading and argon2 run beside the pipeline, once per
login, only for messages this worker holds, and the pipeline's answers stay what they were."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import pytest

from mailbot.bot import Bot
from mailbot.inbound.ahead import ReadAhead
from mailbot.inbound.pipeline import run_pass
from mailbot.outbound import outbox
from mailbot.reader.reading import Read
from tests.stories import FIGURES, SECRET, reply_from, submissions


def _until(condition: Any, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "read-ahead did not get there"
        time.sleep(0.01)


def _ahead(bot: Bot) -> ReadAhead:
    return ReadAhead(bot.engine, bot.settings, bot.clock, bot.verified_secrets, bot.reader)


def test_the_thread_reads_what_it_is_allowed_and_checks_each_login_on_a_worker(
    db_bot: Bot, argon2_runs: list[str]
) -> None:
    raws = [
        reply_from("huisverbod@utrecht.nl"),
        reply_from("huisverbod@utrecht.nl"),  # the same login: not checked twice
        reply_from("wth@zeist.nl", "Zeist", "fout-fout-fout-fout"),
        reply_from("huisverbod@utrecht.nl", "Nergenshuizen", SECRET),  # burns time ahead
        reply_from("huisverbod@utrecht.nl"),  # not allowed (another worker's): never read
    ]
    with _ahead(db_bot) as ahead:
        for index, raw in enumerate(raws[:4]):
            ahead.allow(index, raw)
        _until(lambda: len(argon2_runs) == 3)
        reads = [ahead.take(index) for index in range(len(raws))]

    assert all(name.startswith("argon2") for name in argon2_runs)
    assert [r.mail.sender if isinstance(r, Read) else None for r in reads] == [
        "huisverbod@utrecht.nl", "huisverbod@utrecht.nl", "wth@zeist.nl",
        "huisverbod@utrecht.nl", None]


def test_taking_a_message_waits_for_its_reading(db_bot: Bot) -> None:
    with _ahead(db_bot) as ahead:
        ahead.allow(0, reply_from("huisverbod@utrecht.nl"))
        taken = ahead.take(0)  # at once: the worker is still reading it
    assert isinstance(taken, Read) and taken.mail.sender == "huisverbod@utrecht.nl"


def test_a_pass_checks_each_login_once_and_answers_as_before(
    bot: Bot, imap_account: Any, smtp_sink: Any, argon2_runs: list[str]
) -> None:
    for figure in (1, 2, 3):
        imap_account.append(reply_from("huisverbod@utrecht.nl", figures={**FIGURES, "1": figure}))
    imap_account.append(reply_from("wth@zeist.nl", "Zeist", "fout-fout-fout-fout"))
    imap_account.append(reply_from("huisverbod@utrecht.nl", "Nergenshuizen", SECRET))

    report = run_pass(bot)

    assert report.outcomes == {"processed": 3, "rejected": 2}
    assert [s.revision for s in submissions(bot)] == [1, 2, 3]
    # Utrecht's secret, Zeist's wrong one, the unknown municipality's burn: once each, however
    # the two threads met.
    assert len(argon2_runs) == 3
    assert len(smtp_sink.wait_for(5)) == 5


def test_a_message_taken_is_let_go_of(db_bot: Bot) -> None:
    with _ahead(db_bot) as ahead:
        for index in range(3):
            ahead.allow(index, reply_from("huisverbod@utrecht.nl", figures={"1": index}))
        assert ahead.take(0) is not None
        _until(lambda: len(ahead._reads) == 2)
        assert 0 not in ahead._reads and ahead.take(0) is None


def test_the_next_batch_is_read_ahead_while_the_replies_go_out(
    bot: Bot, imap_account: Any, smtp_sink: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    steps: list[str] = []
    made, flush = ReadAhead.__init__, outbox.flush
    monkeypatch.setattr(ReadAhead, "__init__",
                        lambda self, *a: steps.append("read") or made(self, *a))
    monkeypatch.setattr(outbox, "flush", lambda *a, **k: steps.append("send") or flush(*a, **k))
    small = dataclasses.replace(bot, settings=bot.settings.model_copy(
        update={"imap_batch_size": 2}))
    for figure in (1, 2, 3, 4):
        imap_account.append(reply_from("huisverbod@utrecht.nl", figures={**FIGURES, "1": figure}))

    assert run_pass(small).outcomes == {"processed": 4}

    # Batch two is being read before batch one's replies are sent; after it, no third batch.
    assert steps == ["read", "read", "send", "send", "send"]
    assert len(smtp_sink.wait_for(4)) == 4
