"""The daemon: APScheduler jobs for the mailbox pass and the outbox; SIGTERM stops it cleanly."""

from __future__ import annotations

import logging
import signal
from datetime import UTC
from types import FrameType

from apscheduler.schedulers.blocking import BlockingScheduler

from mailbot import outbox
from mailbot.pipeline import Bot, run_pass

log = logging.getLogger(__name__)


def poll(bot: Bot) -> None:
    """One pass; a server that is away is logged and tried again at the next interval."""
    try:
        report = run_pass(bot)
    except (OSError, ConnectionError) as exc:
        log.warning("mailbox pass failed, will retry: %s", exc)
        return
    except Exception:
        log.exception("mailbox pass failed, will retry")
        return
    if report.handled:
        log.info("pass handled=%d sent=%d", report.handled, report.sent)


def send(bot: Bot) -> None:
    """Send what is due in the outbox (retries included)."""
    try:
        outbox.flush(bot.engine, bot.settings, bot.clock.now())
    except Exception:
        log.exception("outbox flush failed, will retry")


def run_daemon(bot: Bot) -> None:
    """Run until SIGTERM or SIGINT."""
    scheduler = BlockingScheduler(timezone=UTC)
    now = bot.clock.now()
    common = {"max_instances": 1, "coalesce": True, "next_run_time": now}
    scheduler.add_job(poll, "interval", seconds=bot.settings.poll_seconds, args=[bot],
                      id="poll", **common)
    scheduler.add_job(send, "interval", seconds=bot.settings.outbox_seconds, args=[bot],
                      id="outbox", **common)

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %d: stopping", signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("mailbot running: poll every %ds", bot.settings.poll_seconds)
    scheduler.start()
