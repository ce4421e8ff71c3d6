"""A crash between any two steps of a pass leaves a state the next pass finishes.

The crash is a BaseException raised at the step (no `except Exception` catches it, as nothing
catches SIGKILL); the next pass is a fresh one on the same database and mailbox.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import aiosmtplib
import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from mailbot.bot import Bot
from mailbot.inbound import steps
from mailbot.inbound.imap import Mailbox
from mailbot.inbound.pipeline import run_pass
from mailbot.outbound import outbox
from mailbot.store.models import Answer, Inbound, Reply, Submission
from tests.stories import FIGURES, SECRET, reply_from, submissions

UTRECHT = "huisverbod@utrecht.nl"


class Killed(BaseException):
    """The process died here."""


def killed(*_args: object, **_kwargs: object) -> Any:
    raise Killed


def crash_once(monkeypatch: pytest.MonkeyPatch, target: object, name: str, bot: Bot) -> None:
    """Run a pass that dies at `target.name`; the patch is gone afterwards."""
    with monkeypatch.context() as patched:
        patched.setattr(target, name, killed)
        with pytest.raises(Killed):
            run_pass(bot)


def crash_at_step(monkeypatch: pytest.MonkeyPatch, name: str, bot: Bot) -> None:
    """Run a pass that dies when a message comes to the step `name` (mailbot.inbound.steps)."""
    with monkeypatch.context() as patched:
        patched.setattr(steps, "STEPS",
                        tuple(killed if step.__name__ == name else step for step in steps.STEPS))
        with pytest.raises(Killed):
            run_pass(bot)


def assert_finished_once(bot: Bot, imap_account: Any, smtp_sink: Any) -> None:
    assert len(submissions(bot)) == 1
    with Session(bot.engine) as session:
        [reply] = session.exec(select(Reply)).all()
        [inbound] = session.exec(select(Inbound)).all()
    assert (reply.kind, reply.state) == ("confirmation", "sent")
    assert (inbound.outcome, inbound.state) == ("processed", "filed")
    [sent] = smtp_sink.wait_for(1)
    assert "bevestiging Utrecht" in sent.message["Subject"]
    assert imap_account.uids("INBOX") == [] and len(imap_account.uids("Verwerkt")) == 1


def test_crash_after_archiving_before_handling(
    bot: Bot, imap_account: Any, smtp_sink: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A new message is archived already claimed (one commit for both): the raw bytes are safe,
    # and the next pass leaves the message to the dead worker until its claim goes stale.
    imap_account.append(reply_from(UTRECHT))
    crash_at_step(monkeypatch, "read", bot)
    with Session(bot.engine) as session:
        inbound = session.exec(select(Inbound)).one()
    assert inbound.state == "working" and b"Utrecht" in inbound.raw

    assert run_pass(bot).handled == 0
    bot.clock.advance(seconds=bot.settings.claim_seconds + 1)  # type: ignore[attr-defined]
    run_pass(bot)

    assert_finished_once(bot, imap_account, smtp_sink)


def test_an_archived_unclaimed_message_is_claimed_and_handled_at_once(
    bot: Bot, imap_account: Any, smtp_sink: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Rows in state "new" (archived by an earlier version, or released by an admin) are taken
    # by the claim UPDATE without waiting.
    imap_account.append(reply_from(UTRECHT))
    crash_at_step(monkeypatch, "read", bot)
    with Session(bot.engine) as session:
        session.exec(update(Inbound).values(state="new", claimed_at=None))  # type: ignore[call-overload]
        session.commit()

    run_pass(bot)

    assert_finished_once(bot, imap_account, smtp_sink)


def test_crash_while_handling_waits_for_the_claim_to_go_stale(
    bot: Bot, imap_account: Any, smtp_sink: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    imap_account.append(reply_from(UTRECHT))
    crash_once(monkeypatch, steps, "dispatch", bot)

    assert run_pass(bot).handled == 0  # the claim might be a live worker's: leave it alone
    assert submissions(bot) == [] and imap_account.uids("INBOX") != []
    bot.clock.advance(seconds=bot.settings.claim_seconds + 1)  # type: ignore[attr-defined]
    run_pass(bot)

    assert_finished_once(bot, imap_account, smtp_sink)


def test_crash_after_commit_before_sending(
    bot: Bot, imap_account: Any, smtp_sink: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    imap_account.append(reply_from(UTRECHT))
    crash_once(monkeypatch, outbox, "flush", bot)
    assert smtp_sink.messages == []

    run_pass(bot)

    assert_finished_once(bot, imap_account, smtp_sink)


# A submission is filed as its masked copy (Mailbox.replace); with MAILBOT_KEEP_ORIGINALS,
# as it came (Mailbox.move). Both must survive a crash at any point.
FILING = pytest.mark.parametrize(("keep_originals", "filing"),
                                 [(False, "replace"), (True, "move")], ids=["copy", "original"])


def keeping(bot: Bot, keep_originals: bool) -> Bot:
    return dataclasses.replace(
        bot, settings=bot.settings.model_copy(update={"keep_originals": keep_originals}))


@FILING
def test_crash_after_commit_before_move(
    bot: Bot, imap_account: Any, smtp_sink: Any, monkeypatch: pytest.MonkeyPatch,
    keep_originals: bool, filing: str,
) -> None:
    bot = keeping(bot, keep_originals)
    imap_account.append(reply_from(UTRECHT))
    crash_once(monkeypatch, Mailbox, filing, bot)
    assert imap_account.uids("INBOX") != []

    assert run_pass(bot).sent == 0

    assert_finished_once(bot, imap_account, smtp_sink)


@FILING
def test_crash_right_after_the_move_leaves_no_row_waiting_to_be_filed(
    bot: Bot, imap_account: Any, smtp_sink: Any, monkeypatch: pytest.MonkeyPatch,
    keep_originals: bool, filing: str,
) -> None:
    # The row is marked filed before the move: moved first, a crash here would leave it
    # "handled" for good, its message gone from the inbox for any pass to find.
    bot = keeping(bot, keep_originals)
    imap_account.append(reply_from(UTRECHT))
    file = getattr(Mailbox, filing)

    def filed_then_killed(self: Mailbox, items: Any, folder: str) -> None:
        file(self, items, folder)
        raise Killed

    with monkeypatch.context() as patched:
        patched.setattr(Mailbox, filing, filed_then_killed)
        with pytest.raises(Killed):
            run_pass(bot)

    assert_finished_once(bot, imap_account, smtp_sink)


def test_crash_between_the_copy_and_the_removal_files_one_copy(
    bot: Bot, imap_account: Any, smtp_sink: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The masked copy is in Verwerkt, the original still in the inbox: the next pass finds
    # the copy by the original's hash, adds no second one, and removes the original.
    imap_account.append(reply_from(UTRECHT))
    crash_once(monkeypatch, Mailbox, "_remove", bot)
    assert len(imap_account.uids("INBOX")) == 1 and len(imap_account.uids("Verwerkt")) == 1

    assert run_pass(bot).sent == 0

    assert_finished_once(bot, imap_account, smtp_sink)
    [copy] = imap_account.fetch_all("Verwerkt")
    assert SECRET.encode() not in copy
    with Session(bot.engine) as session:
        key = session.exec(select(Inbound.dedupe_key)).one()
    assert f"X-Mailbot-Original: {key}".encode() in copy


def test_crash_in_the_middle_of_sending_sends_once_after_the_lease(
    bot: Bot, imap_account: Any, smtp_sink: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    imap_account.append(reply_from(UTRECHT))
    crash_once(monkeypatch, aiosmtplib.SMTP, "sendmail", bot)  # claimed, not yet sent

    assert run_pass(bot).sent == 0  # filed; the reply is leased to the dead sender a while
    assert smtp_sink.messages == []
    bot.clock.advance(seconds=bot.settings.claim_seconds + 1)  # type: ignore[attr-defined]
    run_pass(bot)

    assert_finished_once(bot, imap_account, smtp_sink)


def test_crash_after_the_server_took_the_reply_resends_it_with_the_same_message_id(
    bot: Bot, imap_account: Any, smtp_sink: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The one duplicate SMTP allows: the server said 250, the process died before recording
    # it. The copy carries the same Message-ID, so the recipient's client shows it once.
    imap_account.append(reply_from(UTRECHT))
    sendmail = aiosmtplib.SMTP.sendmail

    async def sent_then_killed(self: aiosmtplib.SMTP, *args: Any, **kwargs: Any) -> Any:
        await sendmail(self, *args, **kwargs)
        raise Killed

    with monkeypatch.context() as patched:
        patched.setattr(aiosmtplib.SMTP, "sendmail", sent_then_killed)
        with pytest.raises(Killed):
            run_pass(bot)
    bot.clock.advance(seconds=bot.settings.claim_seconds + 1)  # type: ignore[attr-defined]
    run_pass(bot)

    first, second = smtp_sink.wait_for(2)
    assert first.message["Message-ID"] == second.message["Message-ID"]
    assert len(submissions(bot)) == 1 and imap_account.uids("INBOX") == []


def test_a_correction_never_overtakes_the_mail_a_dead_worker_was_handling(
    bot: Bot, imap_account: Any, smtp_sink: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    imap_account.append(reply_from(UTRECHT, figures={**FIGURES, "1": 12}))
    crash_once(monkeypatch, steps, "dispatch", bot)
    imap_account.append(reply_from(UTRECHT, figures={**FIGURES, "1": 13}))  # the correction

    run_pass(bot)  # the first mail is still claimed: the correction must wait behind it
    bot.clock.advance(seconds=bot.settings.claim_seconds + 1)  # type: ignore[attr-defined]
    run_pass(bot)

    with Session(bot.engine) as session:
        current = session.exec(
            select(Answer.value).join(Submission).where(Answer.question == "1")
            .order_by(Submission.revision.desc())  # type: ignore[attr-defined]
        ).first()
    assert [s.revision for s in submissions(bot)] == [1, 2]
    assert current == 13  # the last mail's figure
    assert imap_account.uids("INBOX") == []


def test_a_mail_that_keeps_killing_its_worker_is_quarantined_and_the_next_one_goes_on(
    bot: Bot, imap_account: Any, smtp_sink: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    imap_account.append(reply_from(UTRECHT))
    # e.g. the OOM killer, every time this mail is read. The limit is four deaths: three while
    # a mail is in hand, and the one its archive group may charge it with (MAX_ATTEMPTS).
    for _ in range(4):
        crash_once(monkeypatch, steps, "dispatch", bot)
        bot.clock.advance(seconds=bot.settings.claim_seconds + 1)  # type: ignore[attr-defined]
    imap_account.append(reply_from(UTRECHT, figures={**FIGURES, "1": 13}))

    assert run_pass(bot).outcomes == {"quarantined": 1, "processed": 1}

    with Session(bot.engine) as session:
        first = session.exec(select(Inbound).order_by(Inbound.id)).first()  # type: ignore[arg-type]
    assert first is not None and first.attempts == 5
    assert first.reason == "worker stopped 4 times on this message"
    assert len(imap_account.uids("Quarantaine")) == 1 and imap_account.uids("INBOX") == []
    assert [s.revision for s in submissions(bot)] == [1]
