"""The way of one message (mailbot.inbound.steps) read on its own: the pass without its speed work
(archiving groups ahead, reading ahead) handles a batch as the full pass does."""

from __future__ import annotations

from typing import Any

import pytest

from mailbot.bot import Bot
from mailbot.inbound import pipeline, steps
from mailbot.inbound.imap import Mailbox
from tests.mails import simple_mail
from tests.stories import FIGURES, reply_from, statements, submissions

UTRECHT = "huisverbod@utrecht.nl"


def test_the_steps_are_named_in_the_order_a_message_takes() -> None:
    assert [step.__name__ for step in steps.STEPS] == [
        "claim", "read", "classify", "handle", "record"]


def test_a_pass_without_its_speed_work_handles_the_batch_as_the_full_pass_does(
    bot: Bot, imap_account: Any, smtp_sink: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_reading_ahead(*_args: object) -> None:
        raise AssertionError("read ahead although switched off")

    monkeypatch.setattr(pipeline, "ReadAhead", no_reading_ahead)
    for first in (3, 4):
        imap_account.append(reply_from(UTRECHT, figures={**FIGURES, "1": first}))
    imap_account.append(simple_mail("huisverbod@utrecht.nl", "HELP"))
    imap_account.append(b"From: x\r\n\r\n" + b"\x00" * 10)
    seen = statements(bot)

    with Mailbox(bot.settings) as mailbox:
        report = pipeline.drain(bot, mailbox, ahead=False)

    assert report.outcomes == {"processed": 3, "quarantined": 1}  # no usable sender
    inserts = [s for s in seen if s.startswith("INSERT INTO inbound ")]
    assert len(inserts) == 4  # one by one: no group archived ahead
    assert [s.revision for s in submissions(bot)] == [1, 2]
    assert len(smtp_sink.wait_for(3)) == 3 and imap_account.uids("INBOX") == []
