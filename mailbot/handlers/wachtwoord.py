"""WACHTWOORD (wachtwoord vergeten): from a registered address, a request for a new secret;
the admins hear of it in their digest (requests.tell_admins, run by the daemon)."""

from __future__ import annotations

from mailbot.forms import load_form
from mailbot.handlers.refusal import registered_sender
from mailbot.inbound.outcome import Context, Draft, Outcome
from mailbot.reader.parse import parse
from mailbot.store import orgs, requests


def handle(ctx: Context) -> Outcome:
    """Queue a request per organisation the address acts for (or the one it names)."""
    found = registered_sender(ctx, "wachtwoord request")
    if isinstance(found, Outcome):
        return found
    sender, acting = found
    reading = parse(ctx.mail.fresh, load_form("gemeente"), now=ctx.now, scans=ctx.scans)
    meant = orgs.find(ctx.session, reading.org_name) if reading.org_name else None
    named = [o for o in acting if meant is not None and o.id == meant.id]
    for org in named or acting:
        requests.open_request(
            ctx.session, ctx.now, "wachtwoord", sender, claimed_org=org.name, org=org,
            person_name=reading.person_name, inbound_id=ctx.inbound.id,
        )
    received = ctx.renderer.mail("request_received.txt.j2", kind="wachtwoord",
                                 person_name=reading.person_name, claimed_org="")
    return Outcome("processed", "wachtwoord request",
                   (Draft(sender, "request_received", received),))
