"""The daemon: the mailbox watched with IDLE (polling where the server lacks it), and
APScheduler jobs for the outbox, the admins' digest of requests and the half-year rounds.
SIGTERM stops it cleanly between two messages."""

from __future__ import annotations

import dataclasses
import imaplib
import logging
import signal
import threading
import time
from datetime import UTC, datetime
from types import FrameType

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from mailbot import rounds
from mailbot.bot import Bot
from mailbot.daemon.watchdog import Watchdog
from mailbot.inbound.imap import Mailbox
from mailbot.inbound.pipeline import drain
from mailbot.outbound import outbox
from mailbot.store import requests

log = logging.getLogger(__name__)

IDLE_SLICE = 5.0  # seconds; how quickly a stop request is noticed while waiting for mail
LONGEST_BACKOFF = 60.0


def send(bot: Bot) -> None:
    """Send what is due in the outbox (retries included)."""
    try:
        outbox.flush(bot.engine, bot.settings, bot.clock.now(), bot.clock)
    except Exception:
        log.exception("outbox flush failed, will retry")


def tell_admins_of_requests(bot: Bot) -> None:
    """Queue the admins' digest of new ACCOUNT and WACHTWOORD requests when one is due; the
    outbox job sends it."""
    try:
        with Session(bot.engine, expire_on_commit=False) as session:
            try:
                told = requests.tell_admins(session, bot.settings, bot.renderer,
                                            bot.clock.now())
                session.commit()
            except IntegrityError:
                session.rollback()  # another daemon told them a moment ago
                return
        if told:
            log.info("requests told to the admins: %s", ", ".join(str(r.id) for r in told))
    except Exception:
        log.exception("request digest failed, will retry")


def advance_rounds(bot: Bot) -> None:
    """Open due rounds, send due reminders and overviews (each once; catches up after downtime)."""
    try:
        rounds.tick(bot)
    except Exception:
        log.exception("round job failed, will retry")


def watch(bot: Bot, stop: threading.Event) -> None:
    """Handle the inbox now and whenever mail arrives; reconnect with backoff when it drops."""
    backoff = 1.0
    while not stop.is_set():
        try:
            with Mailbox(bot.settings) as mailbox:
                backoff = 1.0
                _serve(bot, mailbox, stop)
        except (OSError, imaplib.IMAP4.error) as exc:
            log.warning("mailbox unavailable, retry in %.0fs: %s", backoff, exc)
        except Exception:
            log.exception("mailbox pass failed, retry in %.0fs", backoff)
        _wait(bot, stop, backoff)
        backoff = min(backoff * 2, LONGEST_BACKOFF)


def _serve(bot: Bot, mailbox: Mailbox, stop: threading.Event) -> None:
    """Drain, then wait for news (IDLE) at most `poll_seconds` before draining again."""
    while not stop.is_set():
        report = drain(bot, mailbox)
        bot.progress()
        if report.handled:
            log.info("pass handled=%d sent=%d", report.handled, report.sent)
        if not mailbox.can_idle():
            _wait(bot, stop, bot.settings.poll_seconds)
            continue
        waited = 0.0
        while not stop.is_set() and waited < bot.settings.poll_seconds:
            if mailbox.idle(min(IDLE_SLICE, bot.settings.poll_seconds - waited)):
                break
            waited += IDLE_SLICE
            bot.progress()


def _wait(bot: Bot, stop: threading.Event, seconds: float) -> None:
    """Wait for `seconds` (or a stop), telling the watchdog all is well meanwhile."""
    deadline = time.monotonic() + seconds
    while not stop.is_set() and (left := deadline - time.monotonic()) > 0:
        stop.wait(min(IDLE_SLICE, left))
        bot.progress()


def run_daemon(bot: Bot, watchdog: Watchdog | None = None) -> None:
    """Run until SIGTERM or SIGINT, telling systemd (when it runs the daemon) when it is
    ready and that it is making progress (mailbot.daemon.watchdog)."""
    watchdog = watchdog or Watchdog()
    bot = dataclasses.replace(bot, progress=watchdog.alive)
    stop = threading.Event()
    scheduler = BackgroundScheduler(timezone=UTC)
    scheduler.add_job(send, "interval", seconds=bot.settings.outbox_seconds, args=[bot],
                      id="outbox", max_instances=1, coalesce=True)
    scheduler.add_job(tell_admins_of_requests, "interval", seconds=bot.settings.outbox_seconds,
                      args=[bot], id="requests", max_instances=1, coalesce=True)
    # First run at start-up, so a round whose opening day passed while we were down opens now.
    scheduler.add_job(advance_rounds, "interval", seconds=bot.settings.round_seconds, args=[bot],
                      id="rounds", max_instances=1, coalesce=True, next_run_time=datetime.now(UTC))

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %d: stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    scheduler.start()
    log.info("mailbot running: IDLE on %s, at least every %ds", bot.settings.imap_folder,
             bot.settings.poll_seconds)
    watchdog.ready()
    try:
        watch(bot, stop)
    finally:
        watchdog.stopping()
        scheduler.shutdown(wait=True)
        log.info("mailbot stopped")
