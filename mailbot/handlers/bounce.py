"""A delivery report: never answered; a failed address of ours is recorded for the admin."""

from __future__ import annotations

from mailbot import orgs
from mailbot.bounces import failed_recipients
from mailbot.outcome import Context, Outcome


def handle(ctx: Context) -> Outcome:
    """Record every failed recipient against the organisations it is registered for."""
    failed = failed_recipients(ctx.inbound.raw)
    for address in failed:
        acting = orgs.acting_for(ctx.session, address)
        for org in acting or [None]:
            orgs.audit(ctx.session, ctx.now, "mailbot", "bounce", org, address)
    return Outcome("ignored", f"bounce: {', '.join(failed) or 'no recipient found'}")
