"""Reference data: municipalities (name, CBS code, region, population) from a CSV file.

Accepts the columns of `data/gemeenten_2025.csv` (`gemeentecode`, `gemeentenaam`,
`veiligheidsregio`, `inwoners_2024`, ...) or the simple headers `name,code,region,population`.
An organisation is matched on its CBS code first, then on its name (or alias); addresses,
secrets and the active flag are never touched. A municipality gets the other names people write
for it (mailbot.store.aliases: Den Haag, Zuidwest-Friesland, Weesp), each unless another
organisation has that name already; aliases are never removed. Running the same file again changes
nothing. The whole file is one transaction: a bad line stops the import before anything is
written.
"""

from __future__ import annotations

import csv
import io
import re
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from mailbot.admin.progress import Progress
from mailbot.store import orgs
from mailbot.store.aliases import known_aliases
from mailbot.store.models import Alias, Organisation
from mailbot.store.names import name_key

# Our field -> the headers that may carry it, best first.
HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("gemeentenaam", "name", "naam"),
    "code": ("gemeentecode", "code", "cbs_code"),
    "region": ("veiligheidsregio", "region", "regio"),
    "population": ("population", "inwoners"),
}
_POPULATION_YEAR = re.compile(r"^inwoners_(\d{4})$")
_CODE = re.compile(r"^GM\d{4}$")


class ImportProblem(orgs.AdminError):
    """The file cannot be imported; the message names the line and the problem (in Dutch)."""


@dataclass(frozen=True)
class ImportRow:
    """One municipality as the file describes it; None where the file says nothing."""

    line: int
    name: str
    code: str | None
    region: str | None
    population: int | None


@dataclass(frozen=True)
class ImportResult:
    """What an import did, counted per organisation."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


def read(text: str) -> list[ImportRow]:
    """The rows of a CSV text; ImportProblem for a missing name column or a bad line."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    columns = _columns([h.strip() for h in reader.fieldnames or ()])
    rows = [_row(line, record, columns) for line, record in enumerate(reader, start=2)]
    _refuse_duplicates(rows)
    return rows


def _columns(headers: list[str]) -> dict[str, str]:
    """Our field name -> the file's header for it."""
    lowered = {h.lower(): h for h in headers}
    found = {field: next((lowered[h] for h in names if h in lowered), "")
             for field, names in HEADERS.items()}
    years = sorted((m.group(1), h) for h in headers if (m := _POPULATION_YEAR.match(h.lower())))
    if not found["population"] and years:
        found["population"] = years[-1][1]  # the newest inwoners_JJJJ column
    if not found["name"]:
        raise ImportProblem("het bestand heeft geen kolom gemeentenaam of name")
    return {field: header for field, header in found.items() if header}


def _row(line: int, record: dict[str, str | None], columns: dict[str, str]) -> ImportRow:
    def value(field: str) -> str | None:
        text = (record.get(columns.get(field, "")) or "").strip()
        return text or None

    name = value("name")
    if name is None or not name_key(name):
        raise ImportProblem(f"regel {line}: geen naam")
    code = value("code")
    if code is not None:
        code = code.upper()
        if code.isdigit():
            code = f"GM{int(code):04d}"
        if not _CODE.match(code):
            raise ImportProblem(f"regel {line}: {code!r} is geen CBS-code (zoals GM0344)")
    return ImportRow(line, name, code, value("region"), _population(line, value("population")))


def _population(line: int, text: str | None) -> int | None:
    if text is None:
        return None
    digits = text.replace(".", "").replace(",", "").replace(" ", "")
    if not digits.isdigit():
        raise ImportProblem(f"regel {line}: {text!r} is geen aantal inwoners")
    return int(digits)


def _refuse_duplicates(rows: list[ImportRow]) -> None:
    seen: dict[str, int] = {}
    for row in rows:
        for key in (f"code {row.code}" if row.code else "", f"naam {name_key(row.name)}"):
            if key and key in seen:
                raise ImportProblem(f"regel {row.line}: dezelfde {key.split()[0]} als regel "
                                   f"{seen[key]} ({row.name})")
            seen[key] = row.line


def apply(session: Session, now: datetime, rows: list[ImportRow], kind: str = "gemeente",
          progress: Progress | None = None) -> ImportResult:
    """Create or update an organisation per row, a progress step each (the caller commits)."""
    progress = progress or Progress()
    progress.start(len(rows))
    created = updated = unchanged = 0
    for row in rows:
        org = _match(session, row, kind)
        if org is None:
            _add_known_aliases(session, now, _create(session, now, row, kind), row)
            created += 1
        elif _update(session, now, org, row) | _add_known_aliases(session, now, org, row):
            updated += 1
        else:
            unchanged += 1
        progress.advance()
    if created or updated:
        orgs.audit(session, now, "admin", "org.import", None,
                   f"{created} nieuw, {updated} bijgewerkt, {unchanged} ongewijzigd")
    return ImportResult(created, updated, unchanged)


def _match(session: Session, row: ImportRow, kind: str) -> Organisation | None:
    org = None
    if row.code is not None:
        org = session.exec(select(Organisation).where(Organisation.code == row.code)).first()
    if org is None:
        org = orgs.find(session, row.name)
    if org is not None and org.kind != kind:
        raise ImportProblem(f"regel {row.line}: {row.name} is al geregistreerd als {org.kind}")
    return org


def _create(session: Session, now: datetime, row: ImportRow, kind: str) -> Organisation:
    org = orgs.add(session, now, row.name, kind, row.code, row.region)
    if row.population is not None:
        org.population = row.population
        session.add(org)
    return org


def _add_known_aliases(session: Session, now: datetime, org: Organisation, row: ImportRow) -> bool:
    """Give a municipality the names people use for it; True when one was added. A name that
    another organisation has is left to it (the admin may have registered it so)."""
    if org.kind != "gemeente":
        return False
    added = False
    for alias in known_aliases(row.code, row.name):
        with suppress(orgs.AdminError):
            added |= orgs.add_alias(session, now, org, alias)
    return added


def _update(session: Session, now: datetime, org: Organisation, row: ImportRow) -> bool:
    """Bring the organisation in line with the row; False when nothing differed."""
    wanted = {"code": row.code, "region": row.region, "population": row.population}
    changes = {field: value for field, value in wanted.items()
               if value is not None and getattr(org, field) != value}
    if row.name != org.name:
        _check_rename(session, org, row)
        changes["name"] = row.name
    if not changes:
        return False
    detail = "; ".join(f"{field}: {getattr(org, field)} -> {value}"
                       for field, value in changes.items())
    if "name" in changes and name_key(row.name) != org.name_key:
        _keep_old_name(session, org)
    for field, value in changes.items():
        setattr(org, field, value)
    org.name_key = name_key(org.name)
    session.add(org)
    session.flush()
    orgs.audit(session, now, "admin", "org.update", org, detail)
    return True


def _keep_old_name(session: Session, org: Organisation) -> None:
    """Staff may still write the old name: it stays as an alias."""
    key = org.name_key
    if org.id is not None and session.exec(select(Alias).where(Alias.name_key == key)).first() \
            is None:
        session.add(Alias(organisation_id=org.id, name=org.name, name_key=key))


def _check_rename(session: Session, org: Organisation, row: ImportRow) -> None:
    other = orgs.find(session, row.name)
    if other is not None and other.id != org.id:
        raise ImportProblem(f"regel {row.line}: de naam {row.name} is al in gebruik bij "
                           f"{other.name}")
