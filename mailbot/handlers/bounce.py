"""A delivery report: never answered; a failed address of ours is recorded for the admin."""

from __future__ import annotations

from mailbot.inbound.outcome import Context, Outcome
from mailbot.store import orgs


def handle(ctx: Context) -> Outcome:
    """Record every failed recipient against the organisations it is registered for."""
    failed = ctx.mail.failed_recipients  # read in the reading worker (mailbot.reader.reading)
    for address in failed:
        acting = orgs.acting_for(ctx.session, address)
        for org in acting if acting else [None]:
            orgs.audit(ctx.session, ctx.now, "mailbot", "bounce", org, address)
    return Outcome("ignored", f"bounce: {', '.join(failed) or 'no recipient found'}")
