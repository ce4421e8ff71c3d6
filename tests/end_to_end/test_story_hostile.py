"""Hostile mail in front of two running daemons: mail shaped to make a reader slow, and mail
that takes longer to read than a worker may spend, ahead of real submissions. The real ones
are confirmed, the slow ones quarantined (each read by one daemon only), both daemons live on.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import Any

import pytest
from sqlmodel import Session, col, select

from mailbot.bot import Bot
from mailbot.store.models import Inbound
from tests import brokenmail
from tests.daemon.test_story_daemon import daemon_env
from tests.pathological import SHAPES
from tests.stories import ZEIST_SECRET, reply_from, submissions

SLOW = 3
SHAPED = ("html-nested-quotes", "html-comment-openers", "text-spaces-in-line",
          "text-thousand-groups", "header-parameter-flood", "mime-nested-multiparts")
STOPPED = "reading stopped after 1 s of CPU time"


def confirmed(smtp_sink: Any, count: int, timeout: float) -> list[Any]:
    """The confirmations, once `count` arrived (strangers get other answers meanwhile)."""
    deadline = time.monotonic() + timeout
    while True:
        arrived = smtp_sink.wait_for(len(smtp_sink.messages) + 1,
                                     timeout=max(deadline - time.monotonic(), 0.1))
        found = [m for m in arrived if "bevestiging" in m.message["Subject"]]
        if len(found) >= count:
            return found


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_story_hostile_mail_ahead_of_real_mail_in_front_of_two_daemons(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    for n in range(SLOW):
        imap_account.append(brokenmail.slow(f"traag{n}@elders.nl", size=5 * 1024 * 1024))
    for name in SHAPED:
        imap_account.append(SHAPES[name](1_000_000))
    imap_account.append(reply_from("huisverbod@utrecht.nl"))
    imap_account.append(reply_from("wth@zeist.nl", "Zeist", ZEIST_SECRET))
    # A worker may spend one second on a mail, and reads every line there is.
    env = daemon_env(bot) | {"MAILBOT_READ_SECONDS": "1", "MAILBOT_POLL_SECONDS": "2",
                             "MAILBOT_READ_MAX_PART_BYTES": str(10**9),
                             "MAILBOT_READ_MAX_FORM_LINES": str(10**8)}
    daemons = [subprocess.Popen([sys.executable, "-m", "mailbot", "run"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
               for _ in range(2)]
    try:
        confirmations = confirmed(smtp_sink, 2, timeout=120)
        assert all(daemon.poll() is None for daemon in daemons)  # both alive
    finally:
        for daemon in daemons:
            daemon.send_signal(signal.SIGTERM)
        outputs = [daemon.communicate(timeout=60)[0] for daemon in daemons]
    assert [daemon.returncode for daemon in daemons] == [0, 0], outputs

    assert sorted(m.rcpt_tos[0] for m in confirmations) == ["huisverbod@utrecht.nl",
                                                            "wth@zeist.nl"]
    assert len(submissions(bot)) == 2
    with Session(bot.engine) as session:
        rows = session.exec(select(Inbound).order_by(col(Inbound.uid))).all()
    hostile = rows[:SLOW + len(SHAPED)]
    assert all(row.outcome in ("quarantined", "rejected", "ignored") for row in hostile)
    assert [row.reason for row in hostile[:SLOW]] == [STOPPED] * SLOW
    # Each slow mail was read, and stopped, by one daemon only.
    said = "\n".join(outputs)
    assert all(said.count(f"inbound={row.id} not read: {STOPPED}") == 1
               for row in rows if row.reason == STOPPED)
    assert imap_account.uids("INBOX") == []
