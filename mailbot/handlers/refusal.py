"""The one answer to every failed login, shared by all handlers (rule 5 of DESIGN.md)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func
from sqlmodel import col, select

from mailbot import orgs
from mailbot.models import Reply
from mailbot.outcome import Context, Draft, Outcome


def login_failed(ctx: Context, sender: str, reason: str,
                 extra: tuple[Draft, ...] = ()) -> Outcome:
    """The seed's message; an address we do not know gets it only a few times a day."""
    if not orgs.acting_for(ctx.session, sender) and _refusals_today(ctx, sender) >= (
        ctx.settings.max_unknown_replies_per_day
    ):
        return Outcome("rejected", f"{reason} (not answered: daily cap)", extra)
    rendered = ctx.renderer.mail("login_failed.txt.j2")
    return Outcome("rejected", reason, (Draft(sender, "login_failed", rendered), *extra))


def _refusals_today(ctx: Context, sender: str) -> int:
    query = select(func.count()).where(
        Reply.recipient == sender, Reply.kind == "login_failed",
        col(Reply.created_at) > ctx.now - timedelta(days=1),
    )
    return ctx.session.exec(query).one()
