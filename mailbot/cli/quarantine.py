"""What `mailbot status` warns about until an admin has seen it: quarantined mail and failed
replies, listed and dismissed. Dismissing keeps the row and the mail; it only stops the alarm.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

import typer
from sqlmodel import Session

from mailbot.admin import health
from mailbot.cli import common

quarantine_app = common.group("E-mail die de bot niet kon of wilde lezen.")
outbox_app = common.group("Antwoorden die de mailserver definitief weigerde.")

Ids = Annotated[list[int] | None,
                typer.Argument(metavar="ID...", help="nummers uit de lijst", show_default=False)]
AllOption = Annotated[bool, typer.Option("--all", help="alle die nog niet zijn afgehandeld")]
Dismisser = Callable[[Session, datetime, list[int] | None], health.Dismissal]


def register(app: typer.Typer) -> None:
    """Add the `quarantine` and `outbox` command groups to the main app."""
    quarantine_app.command("list")(quarantine_list)
    quarantine_app.command("dismiss")(quarantine_dismiss)
    outbox_app.command("failed")(outbox_failed)
    outbox_app.command("dismiss")(outbox_dismiss)
    app.add_typer(quarantine_app, name="quarantine")
    app.add_typer(outbox_app, name="outbox")


def quarantine_list(
    all_: Annotated[bool, typer.Option("--all", help="ook de afgehandelde")] = False,
) -> None:
    """Toon de e-mail in quarantaine: nummer, ontvangen, afzender, reden, de map waar hij staat.

    Voorbeeld: mailbot quarantine list
    """
    with common.session() as session:
        rows = health.quarantined(session, include_dismissed=all_)
    for row in rows:
        common.echo(f"{row.id:>4}  {common.when(row.received_at)}  "
                    f"{row.sender or '(geen afzender)'}  {row.target_folder or '-'}  "
                    f"{row.reason or ''}{_seen(row.dismissed_at)}".rstrip())
    if not rows:
        common.echo("Geen berichten in quarantaine.")


def quarantine_dismiss(ids: Ids = None, all_: AllOption = False) -> None:
    """Markeer e-mail in quarantaine als gezien, zodat `mailbot status` hem niet meer telt; hij
    blijft bewaard.

    Voorbeeld: mailbot quarantine dismiss 12 13
    """
    _dismiss(health.dismiss_quarantined, ids, all_)


def outbox_failed(
    all_: Annotated[bool, typer.Option("--all", help="ook de afgehandelde")] = False,
) -> None:
    """Toon de antwoorden die niet bezorgd konden worden: nummer, aangemaakt, ontvanger, soort,
    fout.

    Voorbeeld: mailbot outbox failed
    """
    with common.session() as session:
        rows = health.failed_replies(session, include_dismissed=all_)
    for row in rows:
        common.echo(f"{row.id:>4}  {common.when(row.created_at)}  {row.recipient}  "
                    f"{row.kind}  {row.last_error or ''}{_seen(row.dismissed_at)}".rstrip())
    if not rows:
        common.echo("Geen mislukte antwoorden.")


def outbox_dismiss(ids: Ids = None, all_: AllOption = False) -> None:
    """Markeer mislukte antwoorden als gezien, zodat `mailbot status` ze niet meer telt; ze
    blijven bewaard.

    Voorbeeld: mailbot outbox dismiss 7
    """
    _dismiss(health.dismiss_failed, ids, all_)


def _dismiss(dismiss: Dismisser, ids: list[int] | None, all_: bool) -> None:
    if bool(ids) == all_:
        common.fail("noem een of meer nummers, of --all")
    with common.session() as session:
        done = dismiss(session, common.now(), None if all_ else ids)
    if done.dismissed:
        common.echo(f"Afgehandeld: {', '.join(map(str, done.dismissed))}")
    if done.already:
        common.echo(f"Al eerder afgehandeld: {', '.join(map(str, done.already))}")
    if not done.dismissed and not done.already:
        common.echo("Niets af te handelen.")


def _seen(dismissed_at: datetime | None) -> str:
    return f"  (afgehandeld {common.when(dismissed_at)})" if dismissed_at else ""
