"""Mail without a usable sender: no reply can go anywhere, so an operator should look."""

from __future__ import annotations

from mailbot.inbound.outcome import Context, Outcome

REASON = "no usable sender address"


def handle(ctx: Context) -> Outcome:
    """Quarantine it with the reason; `mailbot status` counts it until an admin has seen it."""
    return Outcome("quarantined", REASON)
