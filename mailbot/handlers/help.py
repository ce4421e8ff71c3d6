"""HELP / TOELICHTING: the explanation of every question and the blank template."""

from __future__ import annotations

from mailbot.addresses import try_normalise
from mailbot.forms import load_form
from mailbot.outcome import Context, Draft, Outcome


def handle(ctx: Context) -> Outcome:
    """Answer the sender with the toelichting and the form; it carries no data."""
    sender = try_normalise(ctx.mail.sender)
    if sender is None:
        return Outcome("ignored", "help without a usable sender")
    rendered = ctx.renderer.mail("help.txt.j2", form=load_form("gemeente"), org_name="", period="")
    return Outcome("processed", "help sent", (Draft(sender, "help", rendered),))
