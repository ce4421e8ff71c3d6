"""The one answer to every failed login, shared by all handlers (rule 5 of DESIGN.md)."""

from __future__ import annotations

from collections.abc import Sequence

from mailbot.forms import load_form
from mailbot.inbound.outcome import Context, Draft, Outcome
from mailbot.login import strangers
from mailbot.login.addresses import try_normalise
from mailbot.login.auth import Login
from mailbot.store import orgs
from mailbot.store.models import Organisation


def registered_sender(
    ctx: Context, command: str
) -> tuple[str, list[Organisation]] | Outcome:
    """The sender of a command that only a registered address may give (GEGEVENS, WACHTWOORD)
    and the organisations it acts for; else the outcome: no answer without a usable sender,
    the seed's answer to an address registered nowhere."""
    sender = try_normalise(ctx.mail.sender)
    if sender is None:
        return Outcome("ignored", f"{command} without a usable sender")
    acting = orgs.acting_for(ctx.session, sender)
    if not acting:
        return login_failed(ctx, sender, f"{command} from an unregistered address")
    return sender, acting


def login_failed(
    ctx: Context, sender: str, reason: str, extra: tuple[Draft, ...] = (), *,
    standing: strangers.Standing | None = None, claimed: Organisation | None = None,
    person_name: str | None = None, registered_for: Sequence[Organisation] = (),
) -> Outcome:
    """The seed's message, the same for every failure, capped per day as any answer to mail
    without a secret (mailbot.outbound.outbox). An address registered nowhere is throttled besides
    (mailbot.login.strangers): past its limits it gets no answer at all.

    `standing` is the sender's, when the caller has looked it up already; `claimed` the
    organisation the mail named, for the audit. `registered_for`: the organisations a
    registered sender is registered for, when the mail named none of them (see
    `registered_elsewhere`): the answer names them, which only that address gets to read.
    """
    if standing is None:
        standing = strangers.standing(ctx.session, ctx.settings, ctx.now, sender)
    if standing.throttled:
        return Outcome("rejected", f"{reason} (not answered: stranger throttled)", extra)
    if not standing.registered:
        strangers.refused(ctx.session, ctx.now, sender, claimed)
    names = [{"name": org.name, "field": load_form(org.kind).org_field} for org in registered_for]
    rendered = ctx.renderer.mail("login_failed.txt.j2", person_name=person_name or "",
                                 registered_for=names)
    return Outcome("rejected", reason, (Draft(sender, "login_failed", rendered), *extra))


def registered_elsewhere(ctx: Context, sender: str, login: Login) -> list[Organisation]:
    """The organisations a registered sender is registered for, when its mail named none of
    them (another name, an unknown one, or none): never when the mail named the sender's own
    organisation, so the answer says nothing about the secret."""
    if login.guess or not login.sender.registered:
        return []
    acting = orgs.acting_for(ctx.session, sender)
    if login.claimed is not None and any(org.id == login.claimed.id for org in acting):
        return []
    return acting
