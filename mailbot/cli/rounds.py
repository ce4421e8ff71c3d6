"""Half-year rounds: open one, see where it stands, remind who is missing."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from mailbot import progress, rounds
from mailbot.cli import common
from mailbot.config import Settings
from mailbot.periods import Period
from mailbot.render import Renderer

round_app = common.group("Half-year rounds: invitations, reminders, who is missing.")

DryRun = Annotated[bool, typer.Option("--dry-run", help="show who would get what; send nothing")]


def register(app: typer.Typer) -> None:
    """Add the `round` command group to the main app."""
    round_app.command("open")(round_open)
    round_app.command("status")(round_status)
    round_app.command("remind")(round_remind)
    app.add_typer(round_app, name="round")


def round_open(period: str, dry_run: DryRun = False) -> None:
    """Open a round: mail every active organisation its form for the period, at each address.

    The daemon does this by itself on the opening day; run again, it invites only new addresses.

    Example: mailbot round open 2026-H1 --dry-run
    """
    settings, parsed = Settings(), common.period(period)
    with common.session() as session:
        if dry_run:
            rounds.require_ended(parsed, common.now())
            plan = rounds.uninvited(session, parsed)
            _echo_plan("uitnodiging", plan)
            common.echo("Niets verstuurd (--dry-run).")
            return
        with progress.bar("Uitnodigingen klaarzetten") as steps:
            round_, invited = rounds.open_round(
                session, settings, Renderer.for_settings(settings), common.now(), parsed,
                "admin", steps)
    _echo_plan("uitnodiging", invited)
    common.echo(f"Ronde {parsed} is open; uiterste datum {round_.deadline:%d-%m-%Y}.")
    with progress.bar("Uitnodigingen versturen"):  # no count: the outbox sends what is due
        common.flush(settings)


def round_status(period: str) -> None:
    """Show a round: its steps, and per organisation its figures, reminders and bounces.

    Example: mailbot round status 2026-H1
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


def round_remind(period: str, dry_run: DryRun = False) -> None:
    """Remind every organisation without figures for the period, now (at most once a day).

    The daemon sends the scheduled reminders by itself; this one comes on top of them.

    Example: mailbot round remind 2026-H1 --dry-run
    """
    settings, parsed = Settings(), common.period(period)
    now = common.now()
    with common.session() as session:
        round_ = rounds.require_round(session, parsed)
        if dry_run:
            _echo_plan("herinnering", rounds.missing(session, parsed))
            common.echo("Niets verstuurd (--dry-run).")
            return
        step = f"manual:{rounds.local_day(settings, now)}"
        with progress.bar("Herinneringen klaarzetten") as steps:
            reminded = rounds.remind(session, settings, Renderer.for_settings(settings), now,
                                     round_, step, steps)
    _echo_plan("herinnering", reminded)
    with progress.bar("Herinneringen versturen"):  # no count: the outbox sends what is due
        common.flush(settings)


def _echo_plan(what: str, plan: list[rounds.Addressed]) -> None:
    """One line per organisation: what it gets (or would get) at which addresses."""
    for item in plan:
        to = ", ".join(item.addresses) or "niets (al verstuurd, of geen geregistreerd e-mailadres)"
        common.echo(f"{what} {item.org.name} ({item.org.kind}): {to}")
    if not plan:
        common.echo(f"Geen organisaties voor een {what}.")


def _echo_header(view: rounds.RoundView) -> None:
    period: Period = view.period
    if view.round is None:
        common.echo(f"Ronde {period} ({period.dutch}): nog niet geopend.")
    else:
        common.echo(f"Ronde {period} ({period.dutch}): geopend {_when(view.round.opened_at)} "
                    f"door {view.round.opened_by}.")
    common.echo(f"Uiterste datum: {view.timeline.deadline:%d-%m-%Y}. Tijden in UTC.")
    for step in view.steps:
        state = f"gedaan {_when(step.done.at)} ({step.done.detail})" if step.done else "gepland"
        common.echo(f"  {step.name:<13} {_when(step.at)}  {state}")


def _when(moment: datetime) -> str:
    """A moment as the admin reads it (UTC, as everywhere in the CLI)."""
    return f"{moment:%d-%m-%Y %H:%M}"
