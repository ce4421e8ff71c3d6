"""HELP / TOELICHTING: the explanation of every question and the blank template."""

from __future__ import annotations

from mailbot import orgs
from mailbot.addresses import try_normalise
from mailbot.forms import load_form
from mailbot.outcome import Context, Draft, Outcome


def handle(ctx: Context) -> Outcome:
    """Answer the sender with the toelichting and the form; it carries no figures.

    A registered address gets the form of its own organisation (the police questionnaire for a
    police unit) with the name filled in; anyone else the municipal form.
    """
    sender = try_normalise(ctx.mail.sender)
    if sender is None:
        return Outcome("ignored", "help without a usable sender")
    acting = orgs.acting_for(ctx.session, sender)
    kind = acting[0].kind if acting else "gemeente"
    org_name = acting[0].name if len(acting) == 1 else ""
    rendered = ctx.renderer.mail("help.txt.j2", form=load_form(kind), org_name=org_name,
                                 period="")
    return Outcome("processed", f"help sent ({kind})", (Draft(sender, "help", rendered),))
