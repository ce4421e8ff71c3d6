"""The test servers themselves: each fixture does what the other tests rely on."""

from __future__ import annotations

import re
import smtplib
from email import message_from_bytes, policy

import pytest
import sqlalchemy

from tests.servers.dovecot import Dovecot, ImapAccount
from tests.servers.smtp_sink import SmtpSink


def mail(subject: str, to: str = "someone@example.test") -> bytes:
    return (f"From: Tester <tester@example.test>\r\nTo: {to}\r\nSubject: {subject}\r\n"
            f"Message-ID: <{subject.replace(' ', '.')}@example.test>\r\n\r\nHallo.\r\n").encode()


def test_append_shows_up_under_its_uid(imap_account: ImapAccount) -> None:
    assert imap_account.uids() == []
    imap_account.append(mail("een"))
    imap_account.append(mail("twee"), folder="Archief")
    assert imap_account.uids() == [1]
    assert imap_account.uids("Archief") == [1]
    assert imap_account.uids("Bestaat niet") == []
    assert "Bestaat niet" not in imap_account.folders()
    assert imap_account.fetch_all("Archief") == [mail("twee")]


def test_each_account_starts_empty(imap_account: ImapAccount, dovecot: Dovecot) -> None:
    other = dovecot.account()
    imap_account.append(mail("alleen voor mij"))
    assert other.uids() == []


def test_lmtp_with_null_sender_gives_empty_return_path(imap_account: ImapAccount) -> None:
    imap_account.deliver_lmtp(mail("Undelivered Mail Returned to Sender"))
    [raw] = imap_account.fetch_all("INBOX")
    assert message_from_bytes(raw, policy=policy.default)["Return-Path"] == "<>"


def test_sink_receives_what_smtplib_sends(smtp_sink: SmtpSink) -> None:
    with smtplib.SMTP(smtp_sink.host, smtp_sink.port) as smtp:
        smtp.sendmail("bot@example.test", ["a@example.test", "b@example.test"], mail("hoi"))
    [received] = smtp_sink.wait_for(1)
    assert received.mail_from == "bot@example.test"
    assert received.rcpt_tos == ["a@example.test", "b@example.test"]
    assert received.raw == mail("hoi")
    assert received.message["Subject"] == "hoi"
    assert received.message.get_content() == "Hallo.\n"


def test_sink_fail_next_refuses_once_then_accepts(smtp_sink: SmtpSink) -> None:
    smtp_sink.fail_next(451)
    with smtplib.SMTP(smtp_sink.host, smtp_sink.port) as smtp:
        with pytest.raises(smtplib.SMTPDataError) as refused:
            smtp.sendmail("bot@example.test", ["a@example.test"], mail("eerste"))
        assert refused.value.smtp_code == 451
        smtp.sendmail("bot@example.test", ["a@example.test"], mail("tweede"))
    assert [m.message["Subject"] for m in smtp_sink.wait_for(1)] == ["tweede"]


def test_sink_can_refuse_recipients_until_it_recovers(smtp_sink: SmtpSink) -> None:
    smtp_sink.fail_always(550, at="RCPT")
    with smtplib.SMTP(smtp_sink.host, smtp_sink.port) as smtp:
        for _ in range(2):
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                smtp.sendmail("bot@example.test", ["weg@example.test"], mail("nee"))
            smtp.rset()
        smtp_sink.recover()
        smtp.sendmail("bot@example.test", ["weer@example.test"], mail("ja"))
    [received] = smtp_sink.wait_for(1)
    assert received.rcpt_tos == ["weer@example.test"]


def test_sink_outage_and_return_on_the_same_port(smtp_sink: SmtpSink) -> None:
    smtp_sink.stop()
    with pytest.raises(OSError):
        smtplib.SMTP(smtp_sink.host, smtp_sink.port, timeout=5)
    smtp_sink.start()
    with smtplib.SMTP(smtp_sink.host, smtp_sink.port) as smtp:
        smtp.sendmail("bot@example.test", ["a@example.test"], mail("terug"))
    assert len(smtp_sink.wait_for(1)) == 1


def test_sink_wait_for_names_what_did_arrive(smtp_sink: SmtpSink) -> None:
    with smtplib.SMTP(smtp_sink.host, smtp_sink.port) as smtp:
        smtp.sendmail("bot@example.test", ["a@example.test"], mail("de enige"))
    expected = re.escape("'de enige' from bot@example.test to a@example.test")
    with pytest.raises(AssertionError, match=expected):
        smtp_sink.wait_for(2, timeout=0.5)


def test_database_url_connects(database_url: str) -> None:
    engine = sqlalchemy.create_engine(database_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(sqlalchemy.text("SELECT 1")).scalar() == 1
    finally:
        engine.dispose()
