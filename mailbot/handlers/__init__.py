"""One handler per kind of mail; dispatch is a dict written out by hand."""

from __future__ import annotations

from collections.abc import Callable

from mailbot.handlers import (
    account,
    bounce,
    gegevens,
    help,
    ignore,
    no_sender,
    submission,
    wachtwoord,
)
from mailbot.inbound.outcome import Context, Outcome

Handler = Callable[[Context], Outcome]

HANDLERS: dict[str, Handler] = {
    "ours": ignore.handle,
    "bounce": bounce.handle,
    "auto_reply": ignore.handle,
    "no_sender": no_sender.handle,
    "gegevens": gegevens.handle,
    "account": account.handle,
    "wachtwoord": wachtwoord.handle,
    "help": help.handle,
    "submission": submission.handle,
}


def dispatch(kind: str, ctx: Context) -> Outcome:
    """Run the handler for this kind of mail (every kind the classifier names has one)."""
    return HANDLERS[kind](ctx)
