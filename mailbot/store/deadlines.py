"""The rounds' deadlines as a batch of mail reads them: once per period, not once per mail."""

from __future__ import annotations

from datetime import date

from sqlalchemy import bindparam, select
from sqlmodel import Session

from mailbot.store.db import table
from mailbot.store.models import Round

# Prebuilt Core, as every stored mail may run it: see mailbot.store.db.
_DEADLINE = select(table(Round).c.deadline).where(table(Round).c.period == bindparam("period"))


class Deadlines:
    """The rounds' deadlines as read during one batch of mail: one query per period instead
    of one per stored mail. The pipeline reads them anew for every batch, so a deadline an admin
    moves counts from the next batch on."""

    def __init__(self) -> None:
        self._known: dict[str, date | None] = {}

    def of(self, session: Session, period: str) -> date | None:
        """The deadline of the period's round; None when it was not opened."""
        if period not in self._known:
            self._known[period] = session.execute(
                _DEADLINE, {"period": period}).scalar_one_or_none()
        return self._known[period]
