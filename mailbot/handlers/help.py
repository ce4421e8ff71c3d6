"""HELP / TOELICHTING: the explanation of every question and the blank template."""

from __future__ import annotations

from mailbot.forms import Form, load_form
from mailbot.inbound.outcome import Context, Draft, Outcome
from mailbot.login.addresses import try_normalise
from mailbot.store import orgs


def handle(ctx: Context) -> Outcome:
    """Answer the sender with the toelichting and the form; it carries no figures.

    A registered address gets the form of its own organisation (the police questionnaire for a
    police unit) with the name filled in; anyone else the municipal form. The questions the
    mail names ("wat bedoelt u met vraag 9?") are explained first.
    """
    sender = try_normalise(ctx.mail.sender)
    if sender is None:
        return Outcome("ignored", "help without a usable sender")
    acting = orgs.acting_for(ctx.session, sender)
    kind = acting[0].kind if acting else "gemeente"
    org_name = acting[0].name if len(acting) == 1 else ""
    form = load_form(kind)
    rendered = ctx.renderer.mail("help.txt.j2", form=form, org_name=org_name, period="",
                                 asked=explained(form, ctx.mail.questions_asked))
    return Outcome("processed", f"help sent ({kind})", (Draft(sender, "help", rendered),))


def explained(form: Form, keys: tuple[str, ...]) -> list[dict[str, str]]:
    """Each named question the form has, with its label and toelichting (a sub-question such
    as 7a with its heading's); a number the form does not have is left out."""
    groups = {g.key: g for g in form.groups}
    found: list[dict[str, str]] = []
    for key in keys:
        if key in groups:
            found.append({"key": key, "label": groups[key].label,
                          "toelichting": groups[key].toelichting})
        elif key in form.keys:
            question = form.question(key)
            heading = groups.get(question.group or "")
            found.append({"key": key, "label": question.label,
                          "toelichting": heading.toelichting if heading else question.toelichting})
    return found
