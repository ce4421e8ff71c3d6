"""The daemon: answers within seconds while waiting in IDLE, and stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

import pytest

from mailbot.bot import Bot
from tests.mails import simple_mail
from tests.stories import ADMIN, reply_from, submissions


def daemon_env(bot: Bot) -> dict[str, str]:
    s = bot.settings
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILBOT_")}
    env.update({
        "MAILBOT_CONFIG": "/nonexistent/mailbot.toml",
        "MAILBOT_DATABASE_URL": s.database_url,
        "MAILBOT_IMAP_HOST": s.imap_host, "MAILBOT_IMAP_PORT": str(s.imap_port),
        "MAILBOT_IMAP_USER": s.imap_user,
        "MAILBOT_IMAP_PASSWORD": s.imap_password.get_secret_value(),
        "MAILBOT_IMAP_SECURITY": "none",
        "MAILBOT_SMTP_HOST": s.smtp_host, "MAILBOT_SMTP_PORT": str(s.smtp_port),
        "MAILBOT_SMTP_SECURITY": "none", "MAILBOT_FROM_ADDRESS": s.from_address,
        "MAILBOT_ROUND_AUTO": "false",  # the daemon runs on the real clock
        "MAILBOT_POLL_SECONDS": "300",  # far away: only IDLE can make it answer in time
    })
    return env


def test_story_daemon_answers_a_reply_while_idle_and_stops_on_sigterm(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    daemon = subprocess.Popen(
        [sys.executable, "-m", "mailbot", "run"], env=daemon_env(bot),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        imap_account.append(b"Subject: warming up\r\nFrom: x@y.nl\r\n\r\nniets\r\n")
        smtp_sink.wait_for(1, timeout=30)  # the daemon is up and has done its first pass

        imap_account.append(reply_from("huisverbod@utrecht.nl"))

        try:
            received = smtp_sink.wait_for(2, timeout=20)
        finally:
            daemon.send_signal(signal.SIGTERM)
            output, _ = daemon.communicate(timeout=30)
        assert "bevestiging Utrecht" in received[1].message["Subject"], output
        assert len(submissions(bot)) == 1
    finally:
        if daemon.poll() is None:
            daemon.kill()
    assert daemon.returncode == 0, output
    assert "mailbot stopped" in output
    assert "apscheduler" not in output  # no library's news on a normal run
    assert imap_account.uids("INBOX") == []


def test_story_one_pass_tells_the_admins_of_a_new_account_request(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    imap_account.append(simple_mail("p.jansen@utrecht.nl", "ACCOUNT", "Gemeente: Utrecht\n"))

    done = subprocess.run(
        [sys.executable, "-m", "mailbot", "run", "--once"],
        env={**daemon_env(bot), "MAILBOT_ADMIN_ADDRESSES": ADMIN},
        capture_output=True, text=True, timeout=60, check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "verzonden: 2" in done.stdout
    received = smtp_sink.wait_for(2)
    assert sorted(m.rcpt_tos[0] for m in received) == sorted([ADMIN, "p.jansen@utrecht.nl"])


# The daemon's timing, not the database is the subject.
@pytest.mark.sqlite_only
def test_story_daemon_tells_the_admins_of_a_new_account_request(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    daemon = subprocess.Popen(
        [sys.executable, "-m", "mailbot", "run"],
        env={**daemon_env(bot), "MAILBOT_ADMIN_ADDRESSES": ADMIN},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        imap_account.append(simple_mail("p.jansen@utrecht.nl", "ACCOUNT",
                                        "Gemeente: Utrecht\n"))
        try:
            received = smtp_sink.wait_for(2, timeout=30)
        finally:
            daemon.send_signal(signal.SIGTERM)
            output, _ = daemon.communicate(timeout=30)
        digest = next(m for m in received if m.rcpt_tos == [ADMIN])
        assert "1 nieuwe aanvraag" in digest.message["Subject"], output
    finally:
        if daemon.poll() is None:
            daemon.kill()
