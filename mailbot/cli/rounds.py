"""Half-year rounds: open one, see where it stands, remind who is missing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

import typer
from sqlmodel import Session

from mailbot import rounds
from mailbot.admin import progress
from mailbot.cli import common
from mailbot.config import Settings
from mailbot.dates import workdays
from mailbot.dates.localtime import zone_name, zone_of
from mailbot.dates.periods import Period
from mailbot.dates.workdays import SATURDAY
from mailbot.outbound.render import Renderer
from mailbot.store.models import Round

round_app = common.group("Halfjaarrondes: uitnodigingen, herinneringen, wie ontbreekt.")

PeriodArgument = Annotated[str, typer.Argument(metavar="PERIODE",
                                               help="het halfjaar, bv. 2026-H1")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="toon wat er zou gaan; verstuur niets")]


def register(app: typer.Typer) -> None:
    """Add the `round` command group to the main app."""
    round_app.command("open")(round_open)
    round_app.command("status")(round_status)
    round_app.command("remind")(round_remind)
    app.add_typer(round_app, name="round")


def round_open(period: PeriodArgument, dry_run: DryRun = False) -> None:
    """Open een ronde: mail elke actieve organisatie haar formulier voor de periode, op elk
    adres.

    De daemon doet dit zelf op de openingsdag; nog eens uitgevoerd nodigt het alleen nieuwe
    adressen uit.

    Voorbeeld: mailbot round open 2026-H1 --dry-run
    """
    settings, parsed = Settings(), common.period(period)
    now = common.now()
    with common.session() as session:
        if dry_run:
            rounds.require_ended(parsed, now, zone_of(settings))
            _echo_opening(session, settings, parsed, now)
            _echo_summary(INVITATIONS, rounds.uninvited(session, parsed), dry_run=True)
            _echo_working_day(settings, now, dry_run=True)
            return
        with progress.bar("Uitnodigingen klaarzetten") as steps:
            round_, invited = rounds.open_round(
                session, settings, Renderer.for_settings(settings), now, parsed, "admin", steps)
    common.echo(f"Ronde {parsed} is open; uiterste datum {round_.deadline:%d-%m-%Y}.")
    _echo_summary(INVITATIONS, invited, dry_run=False)
    _echo_working_day(settings, now, dry_run=False)
    with progress.bar("Uitnodigingen versturen"):  # no count: the outbox sends what is due
        common.flush(settings)


def round_status(period: PeriodArgument) -> None:
    """Toon een ronde: haar stappen, en per organisatie de cijfers, herinneringen en
    onbestelbare adressen.

    Voorbeeld: mailbot round status 2026-H1
    """
    settings, parsed = Settings(), common.period(period)
    with common.session() as session:
        view = rounds.view(session, settings, parsed)
    _echo_header(view)
    common.echo("")
    common.echo(f"{'organisatie':<28} {'soort':<9} {'ingestuurd':<17} {'versie':>6}  "
                f"{'herinneringen':>13}  {'te laat':<7}  onbestelbaar")
    for row in view.standings:
        submitted = _when(row.submitted_at) if row.submitted_at else "-"
        revision = str(row.revision) if row.revision else "-"
        late = ("ja" if row.late else "nee") if row.submitted_at else "-"
        common.echo(f"{row.organisation:<28} {row.kind:<9} {submitted:<17} {revision:>6}  "
                    f"{row.reminders:>13}  {late:<7}  {', '.join(row.bounced) or '-'}")
    missing = sum(row.submitted_at is None for row in view.standings)
    common.echo("")
    common.echo(f"{len(view.standings) - missing} van {len(view.standings)} ingestuurd, "
                f"{missing} ontbreken.")


def round_remind(period: PeriodArgument, dry_run: DryRun = False) -> None:
    """Herinner nu elke organisatie zonder cijfers voor de periode (hoogstens één keer per dag).

    De daemon verstuurt de geplande herinneringen zelf; deze komt daar bovenop.

    Voorbeeld: mailbot round remind 2026-H1 --dry-run
    """
    settings, parsed = Settings(), common.period(period)
    now = common.now()
    with common.session() as session:
        round_ = rounds.require_round(session, parsed)
        step = f"manual:{rounds.local_day(settings, now)}"  # one manual reminder a day
        if dry_run:
            plan = rounds.reminder_plan(session, settings, round_, step)
            _echo_summary(REMINDERS, plan, dry_run=True)
            _echo_working_day(settings, now, dry_run=True)
            return
        with progress.bar("Herinneringen klaarzetten") as steps:
            reminded = rounds.remind(session, settings, Renderer.for_settings(settings), now,
                                     round_, step, steps)
    _echo_summary(REMINDERS, reminded, dry_run=False)
    _echo_working_day(settings, now, dry_run=False)
    with progress.bar("Herinneringen versturen"):  # no count: the outbox sends what is due
        common.flush(settings)


@dataclass(frozen=True)
class Wording:
    """How the summary of one kind of round mail is worded."""

    mails: str  # "Uitnodigingen"
    had: str  # said of organisations whose every address had this mail already


INVITATIONS = Wording("Uitnodigingen", "al eerder uitgenodigd")
REMINDERS = Wording("Herinneringen", "vandaag al herinnerd")


def _echo_summary(wording: Wording, plan: list[rounds.Addressed], *, dry_run: bool) -> None:
    """How many mails to how many organisations, and by name only the organisations that no
    mail can reach: with hundreds of municipalities a line each would hide them."""
    reached = [item for item in plan if item.addresses]
    mails = sum(len(item.addresses) for item in reached)
    verb = "zouden gaan (--dry-run: niets verstuurd)" if dry_run else "klaargezet"
    common.echo(f"{wording.mails}: {mails} e-mail(s) aan {len(reached)} organisatie(s) {verb}.")
    had = sum(1 for item in plan if item.registered and not item.addresses)
    if had:
        common.echo(f"Geen e-mail: {had} organisatie(s) {wording.had}.")
    unreachable = [item.org for item in plan if not item.registered]
    if unreachable:
        common.echo(f"Zonder geregistreerd e-mailadres, geen e-mail: {len(unreachable)} "
                    "organisatie(s) (mailbot address add NAAM ADRES):")
        for org in unreachable:
            common.echo(f"  {org.name} ({org.kind})")


def _echo_opening(session: Session, settings: Settings, period: Period, now: datetime) -> None:
    """For a dry run: the deadline the round would get, or the one it has."""
    round_ = session.get(Round, str(period))
    if round_ is not None:
        common.echo(f"Ronde {period} is al open; uiterste datum {round_.deadline:%d-%m-%Y}.")
        return
    deadline = rounds.deadline_for(settings, period, rounds.local_day(settings, now))
    common.echo(f"Ronde {period} zou nu openen; uiterste datum {deadline:%d-%m-%Y}.")


def _echo_working_day(settings: Settings, now: datetime, *, dry_run: bool) -> None:
    """Round mail by hand goes when the admin says, but not unnoticed on a day off."""
    today = rounds.local_day(settings, now)
    if workdays.is_working_day(today):
        return
    name = workdays.holiday(today) or ("zaterdag" if today.weekday() == SATURDAY else "zondag")
    common.echo(f"Let op: vandaag is geen werkdag ({name}); de e-mails "
                f"{'zouden toch nu gaan' if dry_run else 'gaan toch nu'}.")


def _echo_header(view: rounds.RoundView) -> None:
    period: Period = view.period
    if view.round is None:
        common.echo(f"Ronde {period} ({period.dutch}): nog niet geopend.")
    else:
        common.echo(f"Ronde {period} ({period.dutch}): geopend {_when(view.round.opened_at)} "
                    f"door {view.round.opened_by}.")
    common.echo(f"Uiterste datum: {view.timeline.deadline:%d-%m-%Y}. "
                f"Tijden in {zone_name(common.zone())}.")
    for step in view.steps:
        state = f"gedaan {_when(step.done.at)} ({step.done.detail})" if step.done else "gepland"
        common.echo(f"  {step.name:<13} {_when(step.at)}  {state}")


def _when(moment: datetime) -> str:
    """A moment as the admin reads it, on the clock of the configured zone."""
    return common.when(moment)
