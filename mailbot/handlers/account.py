"""ACCOUNT (account aanvragen): record the request and tell the sender; the admins hear of it
in their digest (requests.tell_admins, run by the daemon)."""

from __future__ import annotations

from mailbot.forms import load_form
from mailbot.inbound.outcome import Context, Draft, Outcome
from mailbot.login.addresses import try_normalise
from mailbot.reader.parse import parse
from mailbot.store import orgs, requests


def handle(ctx: Context) -> Outcome:
    """Anyone may ask; only an admin's approval gives access."""
    sender = try_normalise(ctx.mail.sender)
    if sender is None:
        return Outcome("ignored", "account request without a usable sender")
    reading = parse(ctx.mail.fresh, load_form("gemeente"), now=ctx.now, scans=ctx.scans)
    org = orgs.find(ctx.session, reading.org_name) if reading.org_name else None
    person = reading.person_name or ctx.mail.sender_name or None
    request, _ = requests.open_request(
        ctx.session, ctx.now, "account", sender, claimed_org=reading.org_name, org=org,
        person_name=person, inbound_id=ctx.inbound.id,
    )
    received = ctx.renderer.mail("request_received.txt.j2", kind="account", person_name=person,
                                 claimed_org=reading.org_name or "")
    return Outcome("processed", f"account request {request.id}",
                   (Draft(sender, "request_received", received),))
