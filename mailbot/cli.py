"""The admin's command line: a thin shell over plain functions."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import Session

from mailbot import db, health, orgs, outbox, requests
from mailbot.addresses import AddressError
from mailbot.clock import SystemClock
from mailbot.config import Settings
from mailbot.export import export_csv
from mailbot.forms import KINDS, load_form
from mailbot.periods import Period
from mailbot.pipeline import Bot, run_pass
from mailbot.render import Renderer
from mailbot.schedule import run_daemon

app = typer.Typer(help="mailbot: het Monitoringsysteem Huisverbod per e-mail.",
                  no_args_is_help=True, add_completion=False)
org_app = typer.Typer(help="Organisations (gemeenten, politie-eenheden).", no_args_is_help=True)
address_app = typer.Typer(help="Registered addresses of an organisation.", no_args_is_help=True)
secret_app = typer.Typer(help="Organisation secrets (wachtwoorden).", no_args_is_help=True)
request_app = typer.Typer(help="ACCOUNT and WACHTWOORD requests.", no_args_is_help=True)
app.add_typer(org_app, name="org")
app.add_typer(request_app, name="request")
app.add_typer(address_app, name="address")
app.add_typer(secret_app, name="secret")


def _fail(message: str) -> None:
    typer.echo(f"Fout: {message}", err=True)
    raise typer.Exit(1)


@contextmanager
def _session() -> Iterator[Session]:
    """A committed-on-success session on the configured database; admin errors exit 1."""
    engine = db.make_engine(Settings().database_url)
    try:
        with db.session_scope(engine) as session:
            yield session
    except (orgs.AdminError, AddressError) as exc:
        _fail(str(exc))
    finally:
        engine.dispose()


def _now():  # type: ignore[no-untyped-def]
    return SystemClock().now()


@app.command()
def init() -> None:
    """Create or upgrade the database; safe to run again.

    Example: mailbot init
    """
    settings = Settings()
    engine = db.make_engine(settings.database_url)
    db.init(engine)
    engine.dispose()
    typer.echo(f"Database bijgewerkt: {settings.database_url}")


@org_app.command("add")
def org_add(
    name: str,
    kind: Annotated[str, typer.Option(help="gemeente or politie")],
    code: Annotated[str | None, typer.Option(help="CBS code, e.g. GM0518")] = None,
    region: Annotated[str | None, typer.Option(help="veiligheidsregio")] = None,
    alias: Annotated[list[str] | None, typer.Option(help="another name (repeatable)")] = None,
) -> None:
    """Register an organisation.

    Example: mailbot org add "'s-Gravenhage" --kind gemeente --code GM0518 --alias "Den Haag"
    """
    with _session() as session:
        org = orgs.add(session, _now(), name, kind, code, region, tuple(alias or ()))
        typer.echo(f"Toegevoegd: {org.name} ({org.kind})")


@org_app.command("list")
def org_list() -> None:
    """List organisations with their aliases, addresses and whether a secret is set.

    Example: mailbot org list
    """
    with _session() as session:
        for org in orgs.summaries(session):
            extra = f" [{org.code}]" if org.code else ""
            aliases = f" (ook: {', '.join(org.aliases)})" if org.aliases else ""
            secret = "wachtwoord ingesteld" if org.has_secret else "geen wachtwoord"
            typer.echo(f"{org.name}{extra} – {org.kind}{aliases}; {secret}")
            for address in org.addresses:
                typer.echo(f"    {address}")


@address_app.command("add")
def address_add(name: str, email: str) -> None:
    """Register an address that may act for the organisation.

    Example: mailbot address add Utrecht huisverbod@utrecht.nl
    """
    with _session() as session:
        address = orgs.add_address(session, _now(), name, email)
        typer.echo(f"Geregistreerd: {address} voor {name}")


@address_app.command("remove")
def address_remove(name: str, email: str) -> None:
    """Unregister an address.

    Example: mailbot address remove Utrecht oud@utrecht.nl
    """
    with _session() as session:
        address = orgs.remove_address(session, _now(), name, email)
        typer.echo(f"Verwijderd: {address} bij {name}")


@secret_app.command("set")
def secret_set(
    name: str,
    secret: Annotated[str | None, typer.Option(help="the secret; generated when left out")] = None,
) -> None:
    """Set an organisation's secret; a generated one is printed once and never stored in clear.

    Example: mailbot secret set Utrecht
    """
    with _session() as session:
        org, new = orgs.set_secret(session, _now(), name, secret)
    if secret is None:
        typer.echo(f"Nieuw wachtwoord voor {org.name}: {new}")
    else:
        typer.echo(f"Wachtwoord ingesteld voor {org.name}")


@secret_app.command("send")
def secret_send(name: str) -> None:
    """Generate a new secret and mail it to every registered address of the organisation.

    Example: mailbot secret send Utrecht
    """
    settings = Settings()
    with _session() as session:
        org = orgs.require(session, name)
        sent_to = requests.send_new_secret(session, settings, Renderer(), _now(), org,
                                           basis=f"secret-send:{org.id}")
    _flush(settings)
    typer.echo(f"Nieuw wachtwoord voor {org.name} verstuurd naar: {', '.join(sent_to)}")


@request_app.command("list")
def request_list(
    all_: Annotated[bool, typer.Option("--all", help="also the decided ones")] = False,
) -> None:
    """List the requests waiting for a decision.

    Example: mailbot request list
    """
    with _session() as session:
        rows = requests.listing(session, all_)
        for request, org_name in rows:
            typer.echo(
                f"{request.id:>4}  {request.kind:<10} {request.state:<9} "
                f"{request.created_at:%Y-%m-%d %H:%M}  {request.sender}  "
                f"{org_name or '(geen organisatie)'}  {request.person_name or ''}".rstrip()
            )
        if not rows:
            typer.echo("Geen openstaande aanvragen.")


@request_app.command("approve")
def request_approve(
    request_id: int,
    org: Annotated[str | None, typer.Option(help="the organisation, if the request named none")]
    = None,
) -> None:
    """Approve a request: register the address (ACCOUNT) and mail a new secret.

    Example: mailbot request approve 3
    """
    settings = Settings()
    with _session() as session:
        request, organisation = requests.approve(session, settings, Renderer(), _now(),
                                                 request_id, org)
    _flush(settings)
    typer.echo(f"Aanvraag {request.id} goedgekeurd; nieuw wachtwoord voor {organisation.name} "
               "verstuurd")


@request_app.command("reject")
def request_reject(
    request_id: int,
    reason: Annotated[str | None, typer.Option(help="told to the requester")] = None,
) -> None:
    """Reject a request; the requester gets a polite notice.

    Example: mailbot request reject 3 --reason "Onbekend adres"
    """
    settings = Settings()
    with _session() as session:
        requests.reject(session, settings, Renderer(), _now(), request_id, reason)
    _flush(settings)
    typer.echo(f"Aanvraag {request_id} afgewezen")


def _flush(settings: Settings) -> None:
    """Try to send what the command queued; the daemon retries whatever could not go now."""
    engine = db.make_engine(settings.database_url)
    report = outbox.flush(engine, settings, _now())
    engine.dispose()
    if report.deferred:
        typer.echo(f"Let op: {report.deferred} e-mail(s) wachten in de uitgaande post", err=True)


@app.command()
def template(
    kind: Annotated[str, typer.Option(help="gemeente or politie")] = "gemeente",
    period: Annotated[str | None, typer.Option(help="e.g. 2026-H1")] = None,
    org: Annotated[str, typer.Option(help="fill in the organisation's name")] = "",
) -> None:
    """Print the blank template mail.

    Example: mailbot template --kind gemeente --period 2026-H1
    """
    if kind not in KINDS:
        _fail(f"onbekende soort {kind!r}; kies uit {', '.join(KINDS)}")
    parsed = _period(period) if period else None
    mail = Renderer().mail(
        "template.txt.j2", form=load_form(kind), org_name=org,
        period=str(parsed) if parsed else "", period_dutch=parsed.dutch if parsed else "",
    )
    typer.echo(f"Onderwerp: {mail.subject}\n\n{mail.body}", nl=False)


def _period(text: str) -> Period:
    try:
        return Period.parse(text)
    except ValueError:
        _fail(f"onbekende periode {text!r}; schrijf bijvoorbeeld 2026-H1")
        raise


@app.command()
def run(once: Annotated[bool, typer.Option(help="one full pass, then exit")] = False) -> None:
    """Run the bot: the daemon, or with --once a single pass over inbox and outbox.

    Example: mailbot run --once
    """
    settings = Settings()
    engine = db.make_engine(settings.database_url)
    db.init(engine)
    bot = Bot(settings=settings, engine=engine, clock=SystemClock(), renderer=Renderer())
    if once:
        report = run_pass(bot)
        summary = ", ".join(f"{k}: {v}" for k, v in sorted(report.outcomes.items()))
        typer.echo(f"Verwerkt: {report.handled} ({summary or 'geen berichten'}); "
                   f"verzonden: {report.sent}")
    else:
        run_daemon(bot)
    engine.dispose()


@app.command()
def export(
    period: Annotated[str | None, typer.Option(help="only this period, e.g. 2026-H1")] = None,
    format: Annotated[str, typer.Option("--format", help="csv")] = "csv",
    history: Annotated[bool, typer.Option(help="every revision, not only the current")] = False,
    out: Annotated[Path | None, typer.Option(help="write to this file instead of stdout")] = None,
) -> None:
    """Export the stored figures, one row per answer.

    Example: mailbot export --period 2026-H1 --format csv --out figures.csv
    """
    if format != "csv":
        _fail(f"formaat {format!r} wordt (nog) niet ondersteund; gebruik csv")
    parsed = str(_period(period)) if period else None
    with _session() as session:
        text = export_csv(session, parsed, history)
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")


@app.command()
def status() -> None:
    """Show the bot's health; exit code 1 when an operator is needed (for monitors).

    Example: mailbot status || echo "look at mailbot"
    """
    with _session() as session:
        state = health.check(session, Settings(), _now())
    last = f"{state.last_poll:%Y-%m-%d %H:%M:%S} UTC" if state.last_poll else "nog nooit"
    typer.echo(f"Laatste geslaagde ronde door de inbox: {last}")
    typer.echo(f"Berichten nog niet verwerkt: {state.unhandled}")
    typer.echo(f"In quarantaine: {state.quarantined}")
    typer.echo(f"Uitgaande post: {state.outbox_pending} wachtend, {state.outbox_failed} mislukt")
    typer.echo(f"Geblokkeerde organisaties: {', '.join(state.locked) or 'geen'}")
    typer.echo(f"Onbestelbare adressen (7 dagen): {', '.join(state.bounced) or 'geen'}")
    for problem in state.problems:
        typer.echo(f"AANDACHT: {problem}")
    if state.needs_operator:
        raise typer.Exit(1)


@app.command()
def audit(
    since: Annotated[str | None, typer.Option(help="from this date on, e.g. 2026-07-01")] = None,
) -> None:
    """List admin actions, secret changes, requests, refused logins and lockouts.

    Example: mailbot audit --since 2026-07-01
    """
    try:
        start = datetime.fromisoformat(since).replace(tzinfo=UTC) if since else None
    except ValueError:
        _fail(f"onbekende datum {since!r}; schrijf bijvoorbeeld 2026-07-01")
        raise
    with _session() as session:
        for event, org_name in orgs.audit_trail(session, start):
            typer.echo(f"{event.at:%Y-%m-%d %H:%M:%S}  {event.action:<24} {event.actor:<32} "
                       f"{org_name or '-':<24} {event.detail}".rstrip())


@app.command()
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


def main() -> None:
    """Entry point of the `mailbot` script and `python -m mailbot`."""
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's per-command chatter
    app()
