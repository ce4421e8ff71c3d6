"""The daemon's round job: open due rounds, send due reminders, the overview and the report,
once each.

State lives in the database only (milestones recorded in the transaction that queues the
mail), so the job can run any time, on any number of daemons, and after downtime it catches
up: a round whose opening day passed while the daemon was down opens when it starts. After a
long outage only the latest due reminder goes out, and nothing is sent for a round whose
deadline passed before it was opened (the admin can still open it by hand).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from mailbot import reports
from mailbot.admin import health
from mailbot.bot import Bot
from mailbot.dates.localtime import zone_of
from mailbot.dates.periods import Period
from mailbot.reports.figures import invited_ids
from mailbot.rounds.mailing import asked, milestone_key, open_round, overview, remind
from mailbot.rounds.timeline import is_after, timeline
from mailbot.store import milestones
from mailbot.store.models import Round

log = logging.getLogger(__name__)

Step = Callable[[Session, "Bot", Period, datetime], "str | None"]


def tick(bot: Bot) -> list[str]:
    """Do every round step that is due by the bot's clock; returns one line per step done."""
    if not bot.settings.round_auto:
        return []
    now = bot.clock.now()
    latest = Period.last_ended(now, zone_of(bot.settings))
    done = [
        line
        for period in (latest.previous(), latest)
        for step in (_open, _remind, _overview, _report)
        if (line := _in_transaction(bot, step, period, now)) is not None
    ]
    for line in done:
        log.info("%s", line)
    _beat(bot, now, "; ".join(done))
    return done


def _beat(bot: Bot, now: datetime, detail: str) -> None:
    """Record the run for `mailbot status`; a second daemon beating at once may win."""
    with Session(bot.engine) as session:
        health.beat(session, "rounds", now, detail[:500])
        try:
            session.commit()
        except IntegrityError:
            session.rollback()


def _in_transaction(bot: Bot, step: Step, period: Period, now: datetime) -> str | None:
    """One step, its milestone and its mail in one transaction; a lost race changes nothing."""
    with Session(bot.engine, expire_on_commit=False) as session:
        try:
            line = step(session, bot, period, now)
            session.commit()
        except IntegrityError:
            session.rollback()
            log.info("round %s: another worker took the step %s", period, step.__name__)
            return None
    return line


def _open(session: Session, bot: Bot, period: Period, now: datetime) -> str | None:
    key = milestone_key(period, "open")
    plan = timeline(bot.settings, period)
    ended = period.has_ended(now, zone_of(bot.settings))
    if now < plan.opens or not ended or milestones.reached(session, key):
        return None
    if is_after(bot.settings, plan.deadline, now):
        milestones.record(session, key, now, "skipped: the deadline had passed")
        return f"round {period} not opened: its deadline {plan.deadline} has passed"
    _, invited = open_round(session, bot.settings, bot.renderer, now, period, "mailbot")
    count = sum(len(item.addresses) for item in invited)
    return f"round {period} opened: {count} invitation(s)"


def _remind(session: Session, bot: Bot, period: Period, now: datetime) -> str | None:
    round_ = session.get(Round, str(period))
    if round_ is None or is_after(bot.settings, round_.deadline, now):
        return None
    due = [
        r for r in timeline(bot.settings, period, round_.deadline).reminders
        if r.at <= now and not milestones.reached(session, milestone_key(period, r.step))
    ]
    if not due:
        return None
    *passed, current = due
    for reminder in passed:
        milestones.record(session, milestone_key(period, reminder.step), now,
                          "skipped: a later reminder was due")
    key = milestone_key(period, current.step)
    if current.at < round_.opened_at:
        milestones.record(session, key, now, "skipped: before the round opened")
        return None
    milestones.record(session, key, now, "sent")
    reminded = remind(session, bot.settings, bot.renderer, now, round_, current.key)
    count = sum(len(item.addresses) for item in reminded)
    return f"round {period}: reminder {current.key} days before the deadline, {count} mail(s)"


def _after_deadline(
    session: Session, bot: Bot, period: Period, now: datetime, step: str
) -> Round | None:
    """The open round when a step that follows its deadline is due and not done yet."""
    round_ = session.get(Round, str(period))
    if round_ is None or milestones.reached(session, milestone_key(period, step)):
        return None
    if now < timeline(bot.settings, period, round_.deadline).overview:
        return None
    return round_


def _overview(session: Session, bot: Bot, period: Period, now: datetime) -> str | None:
    round_ = _after_deadline(session, bot, period, now, "overview")
    if round_ is None:
        return None
    milestones.record(session, milestone_key(period, "overview"), now, "sent")
    absent = overview(session, bot.settings, bot.renderer, now, round_)
    return f"round {period}: overview to the admins, {len(absent)} missing"


def _report(session: Session, bot: Bot, period: Period, now: datetime) -> str | None:
    """With the overview, the report to the analysts and each submitter's feedback, once.

    The response rate counts the organisations the round invited (and any that answered
    without an invitation), not whoever is active on the day the report is made.
    """
    if _after_deadline(session, bot, period, now, "report") is None:
        return None
    delivery = reports.deliver(session, bot.settings, bot.renderer, now, period,
                               invited=invited_ids(asked(session, period)))
    detail = (f"{delivery.report_recipients} analist(en), "
              f"{delivery.feedback_orgs} terugkoppeling(en)")
    milestones.record(session, milestone_key(period, "report"), now, detail)
    return (f"round {period}: report to {delivery.report_recipients} analyst(s), "
            f"feedback to {delivery.feedback_orgs} municipality(ies)")
