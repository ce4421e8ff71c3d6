"""How many answers to mail an address may get a day, per kind, and the INSERT that holds to it.

The cap stops mail loops, not service: see `daily_cap`.
"""

from __future__ import annotations

from sqlalchemy import bindparam, func, insert
from sqlalchemy import select as core_select

from mailbot.config import Settings
from mailbot.inbound.outcome import Draft
from mailbot.store.db import table
from mailbot.store.models import Inbound, Reply

_REPLY = table(Reply).c

# The replies of one kind to one address: bound to the row's own `recipient` and `kind`.
_REPLIES_SINCE = core_select(func.count()).where(
    _REPLY.recipient == bindparam("recipient"), _REPLY.kind == bindparam("kind"),
    _REPLY.created_at > bindparam("since"),
)


def daily_cap(settings: Settings, draft: Draft, inbound: Inbound | None) -> int | None:
    """How many replies of this kind its recipient may get a day; None: never capped.

    The cap stops mail loops, not service. It counts answers to inbound mail only, per kind,
    so that forged HELP mails cannot use up an address's confirmations. Never capped: what
    the bot sends by itself (round mail, reports: bounded by their milestones), secrets, mail
    to the admins and the helpdesk (a mail handed on is capped per sender instead,
    mailbot.handlers.forward), and answers to a registered sender who gave the right secret
    (a loop has no secret; `Draft.authenticated`).
    """
    if inbound is None or draft.sensitive or draft.authenticated:
        return None
    if draft.to in settings.admin_addresses or draft.to in settings.helpdesk:
        return None
    return settings.reply_caps.get(draft.kind, settings.max_replies_per_day)


# The daily cap checked inside the INSERT: one statement instead of a count and an insert.
# The row's own `recipient` is the one counted.
_COLUMNS = [column for column in table(Reply).columns if column.key != "id"]
INSERT_WITHIN_CAP = (
    insert(table(Reply))
    .from_select(
        [column.key for column in _COLUMNS],
        core_select(*(bindparam(column.key, type_=column.type) for column in _COLUMNS))
        .where(_REPLIES_SINCE.scalar_subquery() < bindparam("cap")),
    )
    .returning(_REPLY.id)
)
