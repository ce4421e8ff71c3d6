"""Organisations, addresses, secrets and requests: the admin's registry commands."""

from __future__ import annotations

from typing import Annotated

import typer

from mailbot.cli import common
from mailbot.config import Settings
from mailbot.login import locks
from mailbot.outbound.render import Renderer
from mailbot.store import orgs, requests

org_app = common.group("Organisaties (gemeenten, politie-eenheden).")
address_app = common.group("De geregistreerde e-mailadressen van een organisatie.")
secret_app = common.group("De wachtwoorden van organisaties.")
request_app = common.group("Aanvragen per e-mail: ACCOUNT en WACHTWOORD.")
alias_app = common.group("Andere namen van een organisatie (Den Haag voor 's-Gravenhage).")


def register(app: typer.Typer) -> None:
    """Add the registry command groups to the main app."""
    for group, name, command in (
        (org_app, "add", org_add), (org_app, "list", org_list), (org_app, "unlock", org_unlock),
        (address_app, "add", address_add), (address_app, "remove", address_remove),
        (secret_app, "set", secret_set), (secret_app, "send", secret_send),
        (request_app, "list", request_list), (request_app, "approve", request_approve),
        (request_app, "reject", request_reject),
        (alias_app, "add", alias_add), (alias_app, "remove", alias_remove),
    ):
        group.command(name)(command)
    org_app.add_typer(alias_app, name="alias")
    app.add_typer(org_app, name="org")
    app.add_typer(address_app, name="address")
    app.add_typer(secret_app, name="secret")
    app.add_typer(request_app, name="request")


def org_add(
    name: str,
    kind: Annotated[str, typer.Option(help="gemeente of politie")],
    code: Annotated[str | None, typer.Option(help="CBS-code, bijvoorbeeld GM0518")] = None,
    region: Annotated[str | None, typer.Option(help="veiligheidsregio")] = None,
    alias: Annotated[list[str] | None, typer.Option(help="een andere naam (mag vaker)")] = None,
) -> None:
    """Registreer een organisatie.

    Voorbeeld: mailbot org add "'s-Gravenhage" --kind gemeente --code GM0518 --alias "Den Haag"
    """
    with common.session() as session:
        org = orgs.add(session, common.now(), name, kind, code, region, tuple(alias or ()))
        common.echo(f"Toegevoegd: {org.name} ({org.kind})")


def org_list() -> None:
    """Toon de organisaties met hun andere namen, e-mailadressen en of er een wachtwoord is.

    Voorbeeld: mailbot org list
    """
    with common.session() as session:
        for org in orgs.summaries(session):
            extra = f" [{org.code}]" if org.code else ""
            aliases = f" (ook: {', '.join(org.aliases)})" if org.aliases else ""
            secret = "wachtwoord ingesteld" if org.has_secret else "geen wachtwoord"
            common.echo(f"{org.name}{extra} – {org.kind}{aliases}; {secret}")
            for address in org.addresses:
                common.echo(f"    {address}")


def org_unlock(name: str) -> None:
    """Hef de blokkade van een organisatie nu op (gezet na te veel onjuiste wachtwoorden vanaf
    haar geregistreerde adressen); onjuiste wachtwoorden tellen vanaf nu opnieuw. Staat daarna
    in `mailbot audit`.

    Voorbeeld: mailbot org unlock Utrecht
    """
    with common.session() as session:
        org_name = orgs.require(session, name).name
        locks.lift(session, common.now(), org_name)
    common.echo(f"Blokkade opgeheven: {org_name}")


def alias_add(name: str, alias: str) -> None:
    """Laat medewerkers ALIAS schrijven voor de organisatie NAME (achter "Gemeente:" of
    "Politie-eenheid:"). Een naam die al bij een andere organisatie hoort, wordt geweigerd.

    Voorbeeld: mailbot org alias add "'s-Gravenhage" "Den Haag"
    """
    with common.session() as session:
        org = orgs.require(session, name)
        added = orgs.add_alias(session, common.now(), org, alias)
        common.echo(f"{'Toegevoegd' if added else 'Al bekend'}: {alias} voor {org.name}")


def alias_remove(name: str, alias: str) -> None:
    """Haal een andere naam van de organisatie NAME weg; de eigen naam blijft.

    Voorbeeld: mailbot org alias remove "'s-Gravenhage" "Den Haag"
    """
    with common.session() as session:
        removed = orgs.remove_alias(session, common.now(), name, alias)
        common.echo(f"Verwijderd: {removed.name} bij {name}")


def address_add(name: str, email: str) -> None:
    """Registreer een e-mailadres dat namens de organisatie mag insturen.

    Voorbeeld: mailbot address add Utrecht huisverbod@utrecht.nl
    """
    with common.session() as session:
        address = orgs.add_address(session, common.now(), name, email)
        common.echo(f"Geregistreerd: {address} voor {name}")


def address_remove(name: str, email: str) -> None:
    """Schrap een geregistreerd e-mailadres.

    Voorbeeld: mailbot address remove Utrecht oud@utrecht.nl
    """
    with common.session() as session:
        address = orgs.remove_address(session, common.now(), name, email)
        common.echo(f"Verwijderd: {address} bij {name}")


def secret_set(
    name: str,
    secret: Annotated[str | None, typer.Option(help="het wachtwoord; anders een nieuw")] = None,
) -> None:
    """Stel het wachtwoord van een organisatie in; een gemaakt wachtwoord wordt één keer getoond
    en nooit leesbaar bewaard.

    Voorbeeld: mailbot secret set Utrecht
    """
    with common.session() as session:
        org, new = orgs.set_secret(session, common.now(), name, secret)
    if secret is None:
        common.echo(f"Nieuw wachtwoord voor {org.name}: {new}")
    else:
        common.echo(f"Wachtwoord ingesteld voor {org.name}")


def secret_send(name: str) -> None:
    """Maak een nieuw wachtwoord en mail het naar elk geregistreerd adres van de organisatie.

    Voorbeeld: mailbot secret send Utrecht
    """
    settings = Settings()
    with common.session() as session:
        org = orgs.require(session, name)
        sent_to = requests.send_new_secret(session, settings, Renderer.for_settings(settings),
                                             common.now(), org,
                                           basis=f"secret-send:{org.id}")
    common.flush(settings)
    common.echo(f"Nieuw wachtwoord voor {org.name} verstuurd naar: {', '.join(sent_to)}")


def request_list(
    all_: Annotated[bool, typer.Option("--all", help="ook de afgehandelde")] = False,
) -> None:
    """Toon de aanvragen die op een besluit wachten.

    Voorbeeld: mailbot request list
    """
    with common.session() as session:
        rows = requests.listing(session, all_)
        for request, org_name in rows:
            common.echo(
                f"{request.id:>4}  {request.kind:<10} {request.state:<9} "
                f"{common.when(request.created_at)}  {request.sender}  "
                f"{org_name or '(geen organisatie)'}  {request.person_name or ''}".rstrip()
            )
        if not rows:
            common.echo("Geen openstaande aanvragen.")


def request_approve(
    request_id: int,
    org: Annotated[str | None, typer.Option(help="de organisatie, als de aanvraag er geen noemt")]
    = None,
) -> None:
    """Keur een aanvraag goed: registreer het adres (ACCOUNT) en mail een nieuw wachtwoord.

    Voorbeeld: mailbot request approve 3
    """
    settings = Settings()
    with common.session() as session:
        request, organisation = requests.approve(
            session, settings, Renderer.for_settings(settings), common.now(), request_id, org)
    common.flush(settings)
    common.echo(f"Aanvraag {request.id} goedgekeurd; nieuw wachtwoord voor {organisation.name} "
                "verstuurd")


def request_reject(
    request_id: int,
    reason: Annotated[str | None, typer.Option(help="de reden, aan de aanvrager gemeld")] = None,
) -> None:
    """Wijs een aanvraag af; de aanvrager krijgt een beleefd bericht.

    Voorbeeld: mailbot request reject 3 --reason "Onbekend adres"
    """
    settings = Settings()
    with common.session() as session:
        requests.reject(session, settings, Renderer.for_settings(settings), common.now(),
                        request_id, reason)
    common.flush(settings)
    common.echo(f"Aanvraag {request_id} afgewezen")
