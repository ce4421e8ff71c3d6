"""A person behind the bot: mail from a registered address that is neither a form nor a
command (a reply to the secret mail, to a confirmation or a problems list; a free question)
is handed on to the helpdesk (`MAILBOT_HELPDESK_ADDRESSES`, else the admins), and its sender
is told in one line that a person will answer (with the toelichting of a question the mail
names, meanwhile).

What is handed on is the copy of the mail that is kept: every typed secret masked
(mailbot.reader.masking). One sender's mails are handed on at most `max_forwards_per_day` times a
day, so a loop with an address that answers everything cannot flood the helpdesk; past
that, the mail waits in the rejected folder.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func
from sqlmodel import col, select

from mailbot.forms import load_form
from mailbot.handlers.help import explained
from mailbot.inbound.outcome import Attachment, Context, Draft, Outcome
from mailbot.store.models import Inbound, Organisation, Reply

# A larger mail is named in the forward but not attached: the helpdesk finds it in the folder.
ATTACHED_BYTES = 5 * 1024 * 1024
KIND = "forward"


def forward(ctx: Context, sender: str, acting: list[Organisation]) -> Outcome:
    """Hand the mail on to the helpdesk and tell the sender; None of it when the sender's
    mails were handed on `max_forwards_per_day` times in the last day already."""
    if _forwarded_today(ctx, sender) >= ctx.settings.max_forwards_per_day:
        return Outcome("rejected", "not forwarded: daily cap for this sender reached")
    attached = len(ctx.inbound.raw) <= ATTACHED_BYTES
    rendered = ctx.renderer.mail(
        "forward.txt.j2", sender=sender, org_names=[org.name for org in acting],
        subject=ctx.inbound.subject or "", answers=_answers(ctx), attached=attached,
        folder=ctx.settings.imap_done_folder,
    )
    files = (Attachment("doorgestuurd.eml", "message/rfc822", bytes(ctx.inbound.raw)),)
    drafts = tuple(Draft(to, KIND, rendered, files if attached else (), reply_to=sender)
                   for to in ctx.settings.helpdesk)
    # "Wat bedoelt u met vraag 9?": the toelichting of that question goes with the one line.
    asked = explained(load_form(acting[0].kind), ctx.mail.questions_asked)
    told = Draft(sender, "forwarded", ctx.renderer.mail("forwarded.txt.j2", asked=asked))
    return Outcome("processed", "forwarded to the helpdesk", (*drafts, told))


def _forwarded_today(ctx: Context, sender: str) -> int:
    """How many of this sender's mails were handed on in the last day (the sender as its
    mail gave it: the address is normalised, case aside)."""
    query = (select(func.count(func.distinct(col(Reply.inbound_id))))
             .join(Inbound, col(Inbound.id) == col(Reply.inbound_id))
             .where(Reply.kind == KIND, func.lower(col(Inbound.sender)) == sender.lower(),
                    col(Reply.created_at) > ctx.now - timedelta(days=1)))
    return ctx.session.exec(query).one()


def _answers(ctx: Context) -> str:
    """The kind of our mail this one answers (by In-Reply-To or References), or ""."""
    parent = ctx.mail.in_reply_to or next(reversed(ctx.mail.references), None)
    if parent is None:
        return ""
    kind = ctx.session.exec(select(Reply.kind).where(Reply.message_id == f"<{parent}>")).first()
    return kind or ""
