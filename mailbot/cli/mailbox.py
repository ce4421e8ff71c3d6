"""Running the bot and looking at it: init, template, run, status, audit, demo."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import make_url
from sqlalchemy.exc import OperationalError

from mailbot import rounds
from mailbot.admin import health, redaction
from mailbot.bot import Bot
from mailbot.cli import common
from mailbot.config import Settings
from mailbot.daemon.memory import return_large_blocks
from mailbot.daemon.schedule import run_daemon, tell_admins_of_requests
from mailbot.dates.clock import SystemClock
from mailbot.dates.localtime import shown, zone_name, zone_of
from mailbot.forms import KINDS, load_form
from mailbot.inbound.pipeline import run_pass
from mailbot.login.locks import CurrentLock
from mailbot.outbound import outbox
from mailbot.outbound.render import Renderer
from mailbot.reader.worker import Reader
from mailbot.store import db, orgs


def register(app: typer.Typer) -> None:
    """Add the commands of this module to the main app."""
    for command in (init, template, run, status, audit, redact, demo):
        app.command()(command)


def init() -> None:
    """Maak de database aan of werk hem bij; veilig om vaker uit te voeren.

    Voorbeeld: mailbot init
    """
    settings = Settings()
    engine = db.make_engine(settings.database_url)
    try:
        db.init(engine)
    except OperationalError as error:
        common.fail_unusable(common.unreachable(error))
    finally:
        engine.dispose()
    shown_url = make_url(settings.database_url).render_as_string(hide_password=True)
    common.echo(f"Database bijgewerkt: {shown_url}")


def template(
    kind: Annotated[str, typer.Option(help="gemeente of politie")] = "gemeente",
    period: Annotated[str | None, typer.Option(help="bijvoorbeeld 2026-H1")] = None,
    org: Annotated[str, typer.Option(help="vul de naam van de organisatie in")] = "",
) -> None:
    """Toon de lege formulier-e-mail.

    Voorbeeld: mailbot template --kind gemeente --period 2026-H1
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


def run(
    once: Annotated[bool, typer.Option(help="één volledige ronde, daarna stoppen")] = False,
) -> None:
    """Laat de bot draaien: als daemon, of met --once één ronde (de stappen van een
    halfjaarronde die aan de beurt zijn, de inbox, het overzicht van aanvragen voor de beheerders
    als het tijd is, de uitgaande post).

    Voorbeeld: mailbot run --once
    """
    common.configure_logging(sys.stdout)
    return_large_blocks()  # for the whole process: a freed 25 MB mail goes back to the system
    bot = Bot.from_settings(Settings())
    try:
        db.init(bot.engine)
    except OperationalError as error:
        bot.close()
        common.fail_unusable(common.unreachable(error))
    try:
        if once:
            rounds.tick(bot)  # it logs each step it did
            report = run_pass(bot)
            tell_admins_of_requests(bot)  # requests this pass recorded, when a digest is due
            sent = report.sent + outbox.flush(bot.engine, bot.settings, bot.clock.now()).sent
            summary = ", ".join(f"{k}: {v}" for k, v in sorted(report.outcomes.items()))
            common.echo(f"Verwerkt: {report.handled} ({summary or 'geen berichten'}); "
                        f"verzonden: {sent}")
        else:
            run_daemon(bot)
    finally:
        bot.close()


def status() -> None:
    """Toon hoe het met de bot gaat; exitcode 1 als een beheerder iets moet doen, 2 als de
    database niet te gebruiken is (voor monitoring).

    E-mail in quarantaine en mislukte antwoorden tellen tot een beheerder ze afhandelt
    (`mailbot quarantine dismiss`, `mailbot outbox dismiss`). Geblokkeerde organisaties staan
    erbij met de geregistreerde adressen waarvan de onjuiste wachtwoorden kwamen
    (`mailbot org unlock`).

    Voorbeeld: mailbot status || echo "kijk naar mailbot"
    """
    settings = Settings()
    with common.session(to_monitor=True) as session:
        state = health.check(session, settings, common.now())
    zone = zone_of(settings)
    last = (f"{shown(state.last_poll, zone, seconds=True)} ({zone_name(zone)})" if state.last_poll
            else "nog nooit")
    common.echo(f"Laatste geslaagde ronde door de inbox: {last}")
    common.echo(f"Berichten nog niet verwerkt: {state.unhandled}")
    without = f" (geen bruikbare afzender: {state.without_sender})" if state.without_sender else ""
    common.echo(f"In quarantaine: {state.quarantined}{without}")
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
    zone = zone_of(settings)
    for lock in locked:
        since, until = shown(lock.since, zone), shown(lock.until, zone)
        common.echo(f"  {lock.org_name}: sinds {since} tot {until}"
                    f", {lock.attempts} pogingen vanaf {', '.join(lock.senders) or '-'}; "
                    f"opheffen: mailbot org unlock {common.shell_word(lock.org_name)}")


def audit(
    since: Annotated[str | None, typer.Option(help="vanaf deze datum, bv. 2026-07-01")] = None,
) -> None:
    """Toon de handelingen van beheerders, gewijzigde wachtwoorden, aanvragen, geweigerde
    aanmeldingen en blokkades.

    Voorbeeld: mailbot audit --since 2026-07-01
    """
    try:
        start = _local_start(since) if since else None
    except ValueError:
        common.fail(f"onbekende datum {since!r}; schrijf bijvoorbeeld 2026-07-01")
        raise
    with common.session() as session:
        for event, org_name in orgs.audit_trail(session, start):
            common.echo(f"{common.when(event.at, seconds=True)}  {event.action:<24} "
                        f"{event.actor:<32} "
                        f"{org_name or '-':<24} {event.detail}".rstrip())


def _local_start(since: str) -> datetime:
    """The moment `--since` names: a date or time on the admin's clock unless it names a zone."""
    start = datetime.fromisoformat(since)
    return start if start.tzinfo else start.replace(tzinfo=common.zone())


def redact(
    dry_run: Annotated[bool, typer.Option(help="alleen tellen wat gemaskeerd zou worden")] = False,
    folders: Annotated[bool, typer.Option(help="ook de mappen van de mailbox")] = True,
) -> None:
    """Maskeer de getypte wachtwoorden in e-mail die bewaard is voordat elke codering werd
    gemaskeerd: het archief en de mappen Verwerkt, Geweigerd en Quarantaine (elke e-mail daar
    vervangen door de gemaskeerde kopie). Veilig om vaker uit te voeren.

    Voorbeeld: mailbot redact --dry-run
    """
    settings = Settings()
    engine = common.ready_engine()
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
    directory: Annotated[Path, typer.Option(help="waar de database van de demo komt")] = Path(
        "mailbot-demo"
    ),
) -> None:
    """Speel een hele ronde na op deze machine: mailserver, gemeente, antwoord, bevestiging.

    Voorbeeld: mailbot demo
    """
    from mailbot.demo import roundtrip

    if not roundtrip.run(directory, typer.echo):
        raise typer.Exit(1)
