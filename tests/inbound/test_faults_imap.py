"""The mailbox misbehaving: Dovecot restarting under the daemon, copies of one message, a
UIDVALIDITY change, another worker filing messages first. One submission, one reply each."""

from __future__ import annotations

import re
import signal
import time
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlmodel import Session, select

from bench.fault_injection import Daemon, daemon_env
from mailbot.bot import Bot
from mailbot.config import Settings
from mailbot.inbound.imap import Mailbox
from mailbot.inbound.pipeline import run_pass
from mailbot.store.models import Inbound, Reply
from tests.servers.dovecot import Dovecot, ImapAccount
from tests.stories import FIGURES, reply_from, submissions

UTRECHT = "huisverbod@utrecht.nl"


def without_message_id(raw: bytes) -> bytes:
    return re.sub(rb"Message-ID: [^\r\n]*\r?\n", b"", raw, count=1)


def replies(bot: Bot) -> list[Reply]:
    with Session(bot.engine) as session:
        return list(session.exec(select(Reply)))


def wait_for_log(daemon: Daemon, text: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while text not in daemon.log():
        assert time.monotonic() < deadline, f"{text!r} not logged:\n{daemon.log()}"
        assert daemon.process is not None and daemon.process.poll() is None, daemon.log()
        time.sleep(0.1)


# The IMAP server, not the database is the subject.
@pytest.mark.sqlite_only
def test_the_daemon_survives_a_dovecot_restart_and_answers_mail_sent_after_it(
    bot: Bot, imap_account: ImapAccount, smtp_sink: Any, dovecot: Dovecot, tmp_path: Path
) -> None:
    env = daemon_env(bot.settings.database_url, imap_account, smtp_sink, poll_seconds="300")
    daemon = Daemon(env, tmp_path / "daemon.log")
    daemon.start()
    try:
        imap_account.append(reply_from(UTRECHT))
        smtp_sink.wait_for(1, timeout=30)

        dovecot.halt()
        try:
            wait_for_log(daemon, "mailbox unavailable")  # it noticed, and retries
        finally:
            dovecot.resume()  # other tests share this server
        imap_account.append(reply_from(UTRECHT, figures={**FIGURES, "1": 13}))

        received = smtp_sink.wait_for(2, timeout=60)
    finally:
        assert daemon.process is not None
        daemon.process.send_signal(signal.SIGTERM)
        code = daemon.process.wait(timeout=60)
    assert code == 0, daemon.log()
    assert "Dit is versie 2" in received[1].message.get_content()
    assert [s.revision for s in submissions(bot)] == [1, 2]
    assert imap_account.uids("INBOX") == []
    assert len(imap_account.uids("Verwerkt")) == 2


@pytest.mark.parametrize("message_id", [True, False], ids=["with-message-id", "without"])
def test_two_copies_of_one_message_make_one_submission_and_one_reply(
    bot: Bot, imap_account: ImapAccount, smtp_sink: Any, message_id: bool
) -> None:
    raw = reply_from(UTRECHT)
    raw = raw if message_id else without_message_id(raw)
    imap_account.append(raw)
    imap_account.append(raw)

    run_pass(bot)

    assert len(submissions(bot)) == 1 and len(replies(bot)) == 1
    assert len(smtp_sink.wait_for(1)) == 1
    assert imap_account.uids("INBOX") == []
    assert len(imap_account.uids("Verwerkt")) == 2  # both copies filed


@pytest.mark.parametrize("message_id", [True, False], ids=["with-message-id", "without"])
def test_a_message_delivered_twice_by_the_mta_is_one_submission(
    bot: Bot, imap_account: ImapAccount, smtp_sink: Any, message_id: bool
) -> None:
    # Each delivery adds its own Return-Path, Delivered-To and Received (with a queue id and
    # a time), so the two copies differ in their bytes; what the sender wrote is the same.
    raw = reply_from(UTRECHT)
    raw = raw if message_id else without_message_id(raw)
    imap_account.deliver_lmtp(raw, mail_from=UTRECHT)
    imap_account.deliver_lmtp(raw, mail_from=UTRECHT)
    first, second = imap_account.fetch_all()
    assert first != second

    run_pass(bot)

    assert len(submissions(bot)) == 1 and len(replies(bot)) == 1
    assert len(smtp_sink.wait_for(1)) == 1
    assert len(imap_account.uids("Verwerkt")) == 2


def _crash_before_move(*_args: object) -> None:
    raise KeyboardInterrupt("killed before MOVE")


def _reset_uidvalidity(dovecot: Dovecot, account: ImapAccount) -> None:
    """Make Dovecot forget its UIDs, as a restored or rebuilt mail store does."""
    maildir = dovecot.directory / "mail" / account.user / "Maildir"
    for path in maildir.iterdir():
        if path.name.startswith(("dovecot-uidlist", "dovecot.index")):
            path.unlink()


def _uidvalidity(settings: Settings) -> int:
    with Mailbox(settings) as mailbox:
        return mailbox.uidvalidity()


@pytest.mark.parametrize("message_id", [True, False], ids=["with-message-id", "without"])
def test_a_uidvalidity_change_after_a_crash_before_move_answers_nothing_twice(
    bot: Bot, imap_account: ImapAccount, smtp_sink: Any, dovecot: Dovecot,
    monkeypatch: pytest.MonkeyPatch, message_id: bool,
) -> None:
    raw = reply_from(UTRECHT)
    imap_account.append(raw if message_id else without_message_id(raw))
    with monkeypatch.context() as patched:
        # A submission is filed as its masked copy (Mailbox.replace).
        patched.setattr(Mailbox, "replace", _crash_before_move)
        with pytest.raises(KeyboardInterrupt):
            run_pass(bot)
    smtp_sink.wait_for(1)  # answered before the crash; the message is still in the inbox
    before = _uidvalidity(bot.settings)

    _reset_uidvalidity(dovecot, imap_account)
    assert _uidvalidity(bot.settings) != before
    report = run_pass(bot)

    assert report.sent == 0
    assert len(submissions(bot)) == 1 and len(replies(bot)) == 1
    assert len(smtp_sink.messages) == 1
    assert imap_account.uids("INBOX") == []
    with Session(bot.engine) as session:
        [inbound] = session.exec(select(Inbound)).all()
    assert (inbound.uidvalidity, inbound.state) == (before, "filed")


def test_a_message_moved_back_into_the_inbox_is_filed_again_without_a_reply(
    bot: Bot, imap_account: ImapAccount, smtp_sink: Any
) -> None:
    imap_account.append(reply_from(UTRECHT))
    run_pass(bot)
    with imap_account.client() as client:  # someone drags it back from Verwerkt
        client.select_folder("Verwerkt")
        client.move(client.search("ALL"), "INBOX")

    assert run_pass(bot).sent == 0

    assert len(submissions(bot)) == 1 and len(replies(bot)) == 1
    assert len(smtp_sink.wait_for(1)) == 1
    assert imap_account.uids("INBOX") == []


def three_messages(account: ImapAccount) -> Settings:
    for n in range(3):
        account.append(f"From: a@b.nl\r\nSubject: {n}\r\n\r\nx\r\n".encode())
    return Settings(imap_host=account.host, imap_port=account.port, imap_user=account.user,
                    imap_password=SecretStr(account.password), imap_security="none")


def test_fetching_messages_another_worker_filed_meanwhile_skips_them(
    imap_account: ImapAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = three_messages(imap_account)
    with Mailbox(settings) as ours, Mailbox(settings) as theirs:
        uids = ours.pending_uids()
        fetch = type(ours._imap).fetch

        def sizes_then_the_other_worker_files_two(client: Any, *args: Any) -> Any:
            result = fetch(client, *args)
            if client is ours._imap and args[1] == [b"RFC822.SIZE"]:
                theirs.move(uids[:2], "Verwerkt")  # between our two FETCH commands
            return result

        monkeypatch.setattr(type(ours._imap), "fetch", sizes_then_the_other_worker_files_two)
        fetched = ours.fetch(uids)

    # Dovecot answers BODY[] NIL for the two that are gone; they must not look "too large"
    # (an empty raw), which would quarantine a phantom copy of mail handled elsewhere.
    assert [f.uid for f in fetched] == [uids[2]]
    assert fetched[0].raw == b"From: a@b.nl\r\nSubject: 2\r\n\r\nx\r\n"


def test_moving_messages_another_worker_already_filed_moves_the_rest(
    imap_account: ImapAccount,
) -> None:
    settings = three_messages(imap_account)
    with Mailbox(settings) as ours, Mailbox(settings) as theirs:
        uids = ours.pending_uids()
        theirs.move(uids[:2], "Verwerkt")  # the other daemon was quicker with two of them

        ours.move(uids, "Verwerkt")

    assert imap_account.uids("INBOX") == []
    assert len(imap_account.uids("Verwerkt")) == 3


def test_a_message_archived_by_an_earlier_release_is_not_handled_again(
    bot: Bot, imap_account: ImapAccount, smtp_sink: Any
) -> None:
    raw = reply_from(UTRECHT)
    imap_account.append(raw)
    run_pass(bot)
    smtp_sink.wait_for(1)
    # Earlier releases knew a message with a Message-ID by that id alone.
    with Session(bot.engine) as session:
        row = session.exec(select(Inbound)).one()
        row.dedupe_key = f"mid:{row.message_id}"
        session.add(row)
        session.commit()

    imap_account.append(raw)  # found again: a restored mail store, a copy moved back
    run_pass(bot)

    with Session(bot.engine) as session:
        assert len(session.exec(select(Inbound)).all()) == 1
    assert len(submissions(bot)) == 1 and len(replies(bot)) == 1
    assert imap_account.uids("INBOX") == []
