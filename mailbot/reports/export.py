"""Exports of the stored figures, exact (no small-number rule): CSV, XLSX and JSON, long or wide.

The long CSV format (`period,organisation,form,question,value`) is part of the external
contract. Wide has one row per organisation and period (and revision, with history) and one
column per question; the forms are kept apart: without a chosen form kind the question columns
carry the form as a prefix (`gemeente_1`, `politie_1`), and a workbook has a sheet per form.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

from sqlmodel import Session

from mailbot.admin.progress import Progress
from mailbot.forms import KINDS, load_form
from mailbot.reports import formulas, xlsx
from mailbot.store.models import Organisation
from mailbot.store.submissions import current_rows

LONG_HEADER = ("period", "organisation", "form", "question", "value")
# The remark kept with an answer (mailbot.reader.values.count_remark): in the history, in JSON and
# XLSX, but not in the long CSV, whose header is the contract.
NOTED_HEADER = (*LONG_HEADER, "note")
HISTORY_HEADER = (*LONG_HEADER, "revision", "submitted_at", "form_version", "note")
# The same columns for people (GEGEVENS), in Dutch, with the question's label beside its key.
DUTCH_HISTORY_HEADER = ("Periode", "Organisatie", "Formulier", "Vraag", "Omschrijving",
                        "Aantal", "Versie", "Ontvangen op", "Formulierversie", "Opmerking")
WIDE_HEADER = ("period", "organisation", "code", "region", "form")
REVISION_HEADER = ("revision", "submitted_at", "form_version")
FORMATS = ("csv", "xlsx", "json")

Row = tuple[object, ...]


@dataclass(frozen=True)
class Selection:
    """Which figures an export holds and in which shape."""

    period: str | None = None
    history: bool = False
    kind: str | None = None
    wide: bool = False


def _order(kind: str, version: int, question: str) -> int:
    keys = load_form(kind, version).keys
    return keys.index(question) if question in keys else len(keys)


def long_rows(
    session: Session, period: str | None = None, history: bool = False,
    org: Organisation | None = None, kind: str | None = None, notes: bool = False,
) -> list[Row]:
    """One row per answer of the current revision (or of every revision with history, which
    ends in the note); with `notes`, a current revision's row ends in its note."""
    rows = []
    for sub, org_row, answer in current_rows(session, period, history, org):
        if kind is not None and sub.form_kind != kind:
            continue
        row: Row = (sub.period, org_row.name, sub.form_kind, answer.question, answer.value)
        if history:
            row += (sub.revision, sub.created_at.isoformat(), sub.form_version)
        if history or notes:
            row += (answer.note,)
        rows.append((sub.period, org_row.name, sub.form_kind, sub.revision,
                     _order(sub.form_kind, sub.form_version, answer.question), row))
    rows.sort(key=lambda item: item[:5])
    return [item[-1] for item in rows]


def wide_columns(kind: str | None) -> list[tuple[str, str, str]]:
    """The question columns as (column name, form kind, question key). For one form kind the
    bare keys; for every kind a prefix per form (`gemeente_1`, `politie_1`), so that the
    police's answer 1 never lands in the municipal column 1."""
    if kind is not None:
        return [(key, kind, key) for key in load_form(kind).keys]
    return [(f"{each}_{key}", each, key) for each in KINDS for key in load_form(each).keys]


def wide_rows(session: Session, selection: Selection) -> tuple[list[str], list[Row]]:
    """One row per organisation, period and form (and revision with history)."""
    grouped: dict[Row, dict[str, int]] = {}
    for sub, org, answer in current_rows(session, selection.period, selection.history):
        if selection.kind is not None and sub.form_kind != selection.kind:
            continue
        head: Row = (sub.period, org.name, org.code or "", org.region or "", sub.form_kind)
        if selection.history:
            head += (sub.revision, sub.created_at.isoformat(), sub.form_version)
        grouped.setdefault(head, {})[answer.question] = answer.value
    columns = wide_columns(selection.kind)
    header = [*WIDE_HEADER, *(REVISION_HEADER if selection.history else ()),
              *(name for name, _, _ in columns)]
    rows = [(*head, *(answers.get(key) if kind == head[4] else None for _, kind, key in columns))
            for head, answers in sorted(grouped.items(), key=lambda item: _wide_order(item[0]))]
    return header, rows


def _wide_order(head: Row) -> tuple[object, ...]:
    return (head[0], head[1], head[4], head[5] if len(head) > 5 else 0)


def wide_sheets(session: Session, selection: Selection) -> list[tuple[str, list[str], list[Row]]]:
    """A wide workbook's sheets: one per form kind (named after it) unless one kind is chosen."""
    if selection.kind is not None:
        return [("export", *wide_rows(session, selection))]
    return [(kind, *wide_rows(session, replace(selection, kind=kind))) for kind in KINDS]


def rows_for(
    session: Session, selection: Selection, notes: bool = False
) -> tuple[list[str], list[Row]]:
    """The header and rows of an export; `notes`: the long rows end in the note."""
    if selection.wide:
        return wide_rows(session, selection)
    header = HISTORY_HEADER if selection.history else NOTED_HEADER if notes else LONG_HEADER
    rows = long_rows(session, selection.period, selection.history, kind=selection.kind,
                     notes=notes)
    return list(header), rows


def to_csv(header: Iterable[str], rows: Iterable[Row]) -> str:
    """CSV text with a header row and \\n line endings; no cell can run as a formula."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(tuple(map(formulas.defuse, row)) for row in rows)
    return out.getvalue()


def to_excel_csv(header: Iterable[str], rows: Iterable[Row]) -> bytes:
    """CSV as Dutch Excel opens it by double-click: `;` between cells (its list separator, as
    `,` is the decimal comma), UTF-8 with a byte order mark (without one Excel reads the
    Windows code page and garbles "Súdwest-Fryslân"), CRLF line ends; no cell runs as a formula."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(tuple(map(formulas.defuse, row)) for row in rows)
    return out.getvalue().encode("utf-8-sig")


def to_json(header: Sequence[str], rows: Iterable[Row]) -> str:
    """A JSON array with one object per row; an empty answer is null."""
    objects = [dict(zip(header, row, strict=True)) for row in rows]
    return json.dumps(objects, ensure_ascii=False, indent=1) + "\n"


def to_xlsx(header: Sequence[str], rows: Iterable[Row]) -> bytes:
    """An XLSX workbook with one sheet `export`; numbers stay numbers."""
    return to_xlsx_sheets([("export", header, rows)])


def to_xlsx_sheets(sheets: Iterable[tuple[str, Sequence[str], Iterable[Row]]]) -> bytes:
    """An XLSX workbook with a sheet per (name, header, rows); numbers stay numbers."""
    return xlsx.workbook([xlsx.Sheet(name, header, rows) for name, header, rows in sheets])


def export(session: Session, selection: Selection, format: str = "csv",
           progress: Progress | None = None) -> bytes:
    """The export in one of FORMATS, as bytes (UTF-8 for text formats); a step per row."""
    progress = progress or Progress()
    if format == "xlsx" and selection.wide and selection.kind is None:
        sheets = wide_sheets(session, selection)
        progress.start(sum(len(rows) for _, _, rows in sheets))
        return to_xlsx_sheets((name, header, _counted(rows, progress))
                              for name, header, rows in sheets)
    header, rows = rows_for(session, selection, notes=format != "csv")
    progress.start(len(rows))
    counted = _counted(rows, progress)
    if format == "xlsx":
        return to_xlsx(header, counted)
    if format == "json":
        return to_json(header, counted).encode("utf-8")
    return to_csv(header, counted).encode("utf-8")


def _counted(rows: Iterable[Row], progress: Progress) -> Iterator[Row]:
    """The rows, counting each on the progress as the writer takes it."""
    for row in rows:
        yield row
        progress.advance()


def export_csv(session: Session, period: str | None = None, history: bool = False) -> str:
    """The long CSV export."""
    header = HISTORY_HEADER if history else LONG_HEADER
    return to_csv(header, long_rows(session, period, history))
