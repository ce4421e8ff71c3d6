"""Exports of the stored figures; the long CSV format is part of the external contract."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from sqlmodel import Session

from mailbot.forms import load_form
from mailbot.models import Organisation
from mailbot.submissions import current_rows

LONG_HEADER = ("period", "organisation", "form", "question", "value")
HISTORY_HEADER = (*LONG_HEADER, "revision", "submitted_at", "form_version")


def _order(kind: str, question: str) -> int:
    keys = load_form(kind).keys
    return keys.index(question) if question in keys else len(keys)


def long_rows(
    session: Session, period: str | None = None, history: bool = False,
    org: Organisation | None = None,
) -> list[tuple[object, ...]]:
    """One row per answer of the current revision (or of every revision with history)."""
    rows = []
    for sub, org_row, answer in current_rows(session, period, history, org):
        row: tuple[object, ...] = (
            sub.period, org_row.name, sub.form_kind, answer.question, answer.value
        )
        if history:
            row += (sub.revision, sub.created_at.isoformat(), sub.form_version)
        rows.append((sub.period, org_row.name, sub.form_kind, sub.revision,
                     _order(sub.form_kind, answer.question), row))
    rows.sort(key=lambda item: item[:5])
    return [item[-1] for item in rows]


def to_csv(header: Iterable[str], rows: Iterable[tuple[object, ...]]) -> str:
    """CSV text with a header row and \\n line endings."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def export_csv(session: Session, period: str | None = None, history: bool = False) -> str:
    """The long CSV export."""
    header = HISTORY_HEADER if history else LONG_HEADER
    return to_csv(header, long_rows(session, period, history))
