"""Caps stop loops, not service: what mail without a secret can trigger is capped per kind;
a confirmation or problems list to a registered address that gave the right secret never is."""

from __future__ import annotations

import dataclasses
from typing import Any

from mailbot.bot import Bot
from mailbot.config import Settings
from mailbot.inbound.pipeline import run_pass
from tests.mails import simple_mail
from tests.stories import FIGURES, reply_from, submissions

UTRECHT = "huisverbod@utrecht.nl"


def forge_help(imap_account: Any, count: int) -> None:
    """HELP mails with Utrecht's registered address written in From by someone else."""
    for _ in range(count):
        imap_account.append(simple_mail(UTRECHT, "HELP"))


def test_forged_help_does_not_silence_the_real_confirmation(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    forge_help(imap_account, 10)
    run_pass(bot)
    smtp_sink.messages.clear()

    imap_account.append(reply_from(UTRECHT))
    run_pass(bot)

    [confirmed] = smtp_sink.wait_for(1)
    assert confirmed.rcpt_tos == [UTRECHT] and "bevestiging" in confirmed.message["Subject"]
    assert len(submissions(bot)) == 1


def test_forged_help_does_not_silence_the_real_problems_list(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    forge_help(imap_account, 10)
    run_pass(bot)
    smtp_sink.messages.clear()

    imap_account.append(reply_from(UTRECHT, figures={**FIGURES, "1": "-3"}))
    run_pass(bot)

    [problems] = smtp_sink.wait_for(1)
    assert problems.rcpt_tos == [UTRECHT]
    assert "niet verwerkt" in problems.message["Subject"]
    assert "Vraag 1 (Aantal opgelegde huisverboden)" in problems.message.get_content()
    assert submissions(bot) == []


def test_every_correction_is_confirmed_however_many_a_day(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    for value in range(12):
        imap_account.append(reply_from(UTRECHT, figures={**FIGURES, "1": value}))

    report = run_pass(bot)

    assert len(submissions(bot)) == 12
    assert report.sent == 12 > bot.settings.max_replies_per_day


def test_each_kind_of_answer_has_its_own_daily_cap(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    forge_help(imap_account, 12)
    assert run_pass(bot).sent == bot.settings.max_replies_per_day == 10

    imap_account.append(simple_mail(UTRECHT, "GEGEVENS"))  # another kind: not used up
    assert run_pass(bot).sent == 1
    forge_help(imap_account, 1)
    assert run_pass(bot).sent == 0

    bot.clock.advance(days=1)  # type: ignore[attr-defined]
    forge_help(imap_account, 1)
    assert run_pass(bot).sent == 1


def test_a_kind_can_have_a_cap_of_its_own(
    bot: Bot, imap_account: Any, smtp_sink: Any, monkeypatch: Any
) -> None:
    monkeypatch.setenv("MAILBOT_REPLY_CAPS", "help=2, no_form=1")
    caps = Settings().reply_caps
    assert caps == {"help": 2, "no_form": 1}
    strict = dataclasses.replace(bot, settings=bot.settings.model_copy(
        update={"reply_caps": caps}))
    forge_help(imap_account, 3)
    assert run_pass(strict).sent == 2
