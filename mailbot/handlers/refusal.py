"""The one answer to every failed login, shared by all handlers (rule 5 of DESIGN.md)."""

from __future__ import annotations

from mailbot import strangers
from mailbot.models import Organisation
from mailbot.outcome import Context, Draft, Outcome


def login_failed(
    ctx: Context, sender: str, reason: str, extra: tuple[Draft, ...] = (), *,
    standing: strangers.Standing | None = None, claimed: Organisation | None = None,
) -> Outcome:
    """The seed's message, the same for every failure, capped per day as any answer to mail
    without a secret (mailbot.outbox). An address registered nowhere is throttled besides
    (mailbot.strangers): past its limits it gets no answer at all.

    `standing` is the sender's, when the caller has looked it up already; `claimed` the
    organisation the mail named, for the audit.
    """
    if standing is None:
        standing = strangers.standing(ctx.session, ctx.settings, ctx.now, sender)
    if standing.throttled:
        return Outcome("rejected", f"{reason} (not answered: stranger throttled)", extra)
    if not standing.registered:
        strangers.refused(ctx.session, ctx.now, sender, claimed)
    rendered = ctx.renderer.mail("login_failed.txt.j2")
    return Outcome("rejected", reason, (Draft(sender, "login_failed", rendered), *extra))
