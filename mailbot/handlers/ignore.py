"""Mail that must never be answered: our own, bounces, auto-replies (RFC 3834)."""

from __future__ import annotations

from mailbot.inbound.outcome import Context, Outcome


def handle(ctx: Context) -> Outcome:
    """File it away without a reply."""
    return Outcome("ignored", f"not answered: {ctx.inbound.kind}")
