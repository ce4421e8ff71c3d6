"""Running the bot and looking at it: init, template, run, status, audit, demo."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from mailbot import db, health, orgs, outbox, redaction, rounds
from mailbot.cli import common
from mailbot.clock import SystemClock
from mailbot.config import Settings
from mailbot.forms import KINDS, load_form
from mailbot.locks import CurrentLock
from mailbot.pipeline import Bot, run_pass
from mailbot.render import Renderer
from mailbot.schedule import run_daemon, tell_admins_of_requests
from mailbot.worker import Reader


def register(app: typer.Typer) -> None:
    """Add the commands of this module to the main app."""
    for command in (init, template, run, status, audit, redact, demo):
        app.command()(command)


def init() -> None:
    """Create or upgrade the database; safe to run again.

    Example: mailbot init
    """
    settings = Settings()
    engine = db.make_engine(settings.database_url)
    db.init(engine)
    engine.dispose()
    common.echo(f"Database bijgewerkt: {settings.database_url}")


def template(
    kind: Annotated[str, typer.Option(help="gemeente or politie")] = "gemeente",
    period: Annotated[str | None, typer.Option(help="e.g. 2026-H1")] = None,
    org: Annotated[str, typer.Option(help="fill in the organisation's name")] = "",
) -> None:
    """Print the blank template mail.

    Example: mailbot template --kind gemeente --period 2026-H1
    """
    if kind not in KINDS:
        common.fail(f"onbekende soort {kind!r}; kies uit {', '.join(KINDS)}")
    parsed = common.period(period) if period else None
    mail = Renderer.for_settings(Settings()).mail(
        "template.txt.j2", form=load_form(kind), org_name=org,
        period=str(parsed) if parsed else "", period_dutch=parsed.dutch if parsed else "",
    )
    # Our own template, many lines: printed as it is.
    typer.echo(f"Onderwerp: {mail.subject}\n\n{mail.body}", nl=False)


def run(once: Annotated[bool, typer.Option(help="one full pass, then exit")] = False) -> None:
    """Run the bot: the daemon, or with --once one pass (due round steps, inbox, the admins'
    digest of requests when due, outbox).

    Example: mailbot run --once
    """
    common.configure_logging(sys.stdout)
    settings = Settings()
    engine = db.make_engine(settings.database_url)
    db.init(engine)
    bot = Bot(settings=settings, engine=engine, clock=SystemClock(),
              renderer=Renderer.for_settings(settings))
    try:
        if once:
            for step in rounds.tick(bot):
                common.echo(step)
            report = run_pass(bot)
            tell_admins_of_requests(bot)  # requests this pass recorded, when a digest is due
            sent = report.sent + outbox.flush(engine, settings, bot.clock.now()).sent
            summary = ", ".join(f"{k}: {v}" for k, v in sorted(report.outcomes.items()))
            common.echo(f"Verwerkt: {report.handled} ({summary or 'geen berichten'}); "
                        f"verzonden: {sent}")
        else:
            run_daemon(bot)
    finally:
        bot.reader.close()
        engine.dispose()


def status() -> None:
    """Show the bot's health; exit code 1 when an operator is needed (for monitors).

    Quarantined mail and failed replies count until an admin dismisses them
    (`mailbot quarantine dismiss`, `mailbot outbox dismiss`). Locked organisations are listed
    with the registered addresses whose wrong secrets locked them (`mailbot org unlock`).

    Example: mailbot status || echo "look at mailbot"
    """
    settings = Settings()
    with common.session() as session:
        state = health.check(session, settings, common.now())
    last = f"{state.last_poll:%Y-%m-%d %H:%M:%S} UTC" if state.last_poll else "nog nooit"
    common.echo(f"Laatste geslaagde ronde door de inbox: {last}")
    common.echo(f"Berichten nog niet verwerkt: {state.unhandled}")
    common.echo(f"In quarantaine: {state.quarantined}")
    common.echo(f"Uitgaande post: {state.outbox_pending} wachtend, {state.outbox_failed} mislukt")
    _show_locks(state.locked, settings)
    common.echo(f"Onbestelbare adressen (7 dagen): {', '.join(state.bounced) or 'geen'}")
    for problem in state.problems:
        common.echo(f"AANDACHT: {problem}")
    if state.needs_operator:
        raise typer.Exit(1)


def _show_locks(locked: Sequence[CurrentLock], settings: Settings) -> None:
    """One line per lock, in the configured zone, with the command that lifts it."""
    common.echo(f"Geblokkeerde organisaties: {len(locked) or 'geen'}")
    zone = ZoneInfo(settings.round_timezone)
    for lock in locked:
        since, until = lock.since.astimezone(zone), lock.until.astimezone(zone)
        common.echo(f"  {lock.org_name}: sinds {since:%d-%m-%Y %H:%M} tot {until:%d-%m-%Y %H:%M}"
                    f", {lock.attempts} pogingen vanaf {', '.join(lock.senders) or '-'}; "
                    f"opheffen: mailbot org unlock {common.shell_word(lock.org_name)}")


def audit(
    since: Annotated[str | None, typer.Option(help="from this date on, e.g. 2026-07-01")] = None,
) -> None:
    """List admin actions, secret changes, requests, refused logins and lockouts.

    Example: mailbot audit --since 2026-07-01
    """
    try:
        start = datetime.fromisoformat(since).replace(tzinfo=UTC) if since else None
    except ValueError:
        common.fail(f"onbekende datum {since!r}; schrijf bijvoorbeeld 2026-07-01")
        raise
    with common.session() as session:
        for event, org_name in orgs.audit_trail(session, start):
            common.echo(f"{event.at:%Y-%m-%d %H:%M:%S}  {event.action:<24} {event.actor:<32} "
                        f"{org_name or '-':<24} {event.detail}".rstrip())


def redact(
    dry_run: Annotated[bool, typer.Option(help="count what would be masked only")] = False,
    folders: Annotated[bool, typer.Option(help="the mailbox folders too")] = True,
) -> None:
    """Mask the typed secrets in mail kept before every encoding was masked: the archive, and
    the folders Verwerkt, Geweigerd and Quarantaine (each mail there replaced by its masked
    copy). Safe to run again.

    Example: mailbot redact --dry-run
    """
    settings = Settings()
    engine = db.make_engine(settings.database_url)
    reader = Reader()
    verb = "te maskeren" if dry_run else "gemaskeerd"
    try:
        done = redaction.redact_archive(engine, settings, reader, SystemClock(), dry_run)
        common.echo(_redacted("Archief", done, verb))
        for folder in (settings.imap_done_folder, settings.imap_rejected_folder,
                       settings.imap_quarantine_folder) if folders else ():
            common.echo(_redacted(f"Map {folder}", redaction.redact_folder(
                settings, folder, reader, dry_run), verb))
    finally:
        reader.close()
        engine.dispose()


def _redacted(where: str, done: redaction.Redacted, verb: str) -> str:
    line = f"{where}: {done.masked} van {done.looked_at} berichten {verb}"
    if done.unread:
        line += (f" ({done.unread} niet te lezen binnen de grenzen: alleen zichtbare "
                 "wachtwoordregels)")
    return line


def demo(
    directory: Annotated[Path, typer.Option(help="where the demo database goes")] = Path(
        "mailbot-demo"
    ),
) -> None:
    """Run a complete round trip on this machine: mail server, municipality, reply, confirmation.

    Example: mailbot demo
    """
    from mailbot.demo import roundtrip

    if not roundtrip.run(directory, typer.echo):
        raise typer.Exit(1)
