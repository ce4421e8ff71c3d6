"""`mailbot export`: csv, xlsx and json; long (the contract) and wide; history, period, kind.
Exports are exact: no small-number rule."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from mailbot.cli import app
from mailbot.dates.periods import Period
from mailbot.forms import load_form
from mailbot.reports import synthetic
from mailbot.reports.export import LONG_HEADER, Selection, export, rows_for
from mailbot.store import db, orgs
from mailbot.store.submissions import store

runner = CliRunner()
NOW = datetime(2026, 1, 20, 9, 0, tzinfo=UTC)
UTRECHT_H1 = {"1": 3, "2": 0, "3": 1, "4": 0, "5": 1, "6": 2, "7a": 2, "7b": 3, "7c": 1,
              "8": 0, "9": 0, "10": 0}
UTRECHT_H2 = {**UTRECHT_H1, "1": 4, "5": 2}
POLICE = {"1": 5210, "2": 3890, "3": 1022, "4": 201, "5": 14}


@pytest.fixture
def url(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Utrecht (two periods, H2 corrected once) and a police unit (one period)."""
    monkeypatch.setenv("MAILBOT_DATABASE_URL", database_url)
    engine = db.make_engine(database_url)
    db.init(engine)
    gemeente, politie = load_form("gemeente"), load_form("politie")
    with db.session_scope(engine) as session:
        utrecht = orgs.add(session, NOW, "Utrecht", "gemeente", "GM0344", "Utrecht")
        unit = orgs.add(session, NOW, "Politie Midden-Nederland", "politie", region="Midden")
        for period, answers in (("2025-H1", UTRECHT_H1), ("2025-H2", {**UTRECHT_H2, "1": 9}),
                                ("2025-H2", UTRECHT_H2)):
            store(session, NOW, utrecht, period, gemeente, answers, sender="a@utrecht.nl",
                  person_name=None, inbound_id=None)
        store(session, NOW + timedelta(days=1), unit, "2025-H2", politie, POLICE,
              sender="b@politie.nl", person_name=None, inbound_id=None)
    engine.dispose()
    yield database_url


def cli(args: list[str]) -> str:
    result = runner.invoke(app, ["export", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_long_csv_keeps_the_contract_header_and_exact_small_values(url: str) -> None:
    rows = list(csv.reader(io.StringIO(cli(["--period", "2025-H2", "--kind", "gemeente"]))))
    assert tuple(rows[0]) == LONG_HEADER
    assert [r[3] for r in rows[1:]] == list(load_form("gemeente").keys)
    assert {r[3]: int(r[4]) for r in rows[1:]} == UTRECHT_H2  # 1–4 exact, never "<5"


def test_kind_and_period_select(url: str) -> None:
    police = list(csv.reader(io.StringIO(cli(["--kind", "politie"]))))
    assert {r[1] for r in police[1:]} == {"Politie Midden-Nederland"}
    everything = list(csv.reader(io.StringIO(cli([]))))
    assert len(everything) == 1 + 12 + 12 + 5
    assert "onbekende soort" in runner.invoke(app, ["export", "--kind", "provincie"]).output


def test_history_has_every_revision(url: str) -> None:
    rows = list(csv.DictReader(io.StringIO(cli(["--history", "--period", "2025-H2",
                                                "--kind", "gemeente"]))))
    ones = [(r["revision"], r["value"]) for r in rows if r["question"] == "1"]
    assert ones == [("1", "9"), ("2", "4")]


def test_wide_has_a_row_per_organisation_and_period(url: str) -> None:
    rows = list(csv.DictReader(io.StringIO(cli(["--wide", "--kind", "gemeente"]))))
    assert [(r["period"], r["organisation"], r["code"], r["region"]) for r in rows] == [
        ("2025-H1", "Utrecht", "GM0344", "Utrecht"), ("2025-H2", "Utrecht", "GM0344", "Utrecht")]
    assert {key: int(rows[1][key]) for key in load_form("gemeente").keys} == UTRECHT_H2
    history = list(csv.DictReader(io.StringIO(cli(["--wide", "--history", "--kind",
                                                   "gemeente"]))))
    assert [(r["period"], r["revision"], r["1"]) for r in history] == [
        ("2025-H1", "1", "3"), ("2025-H2", "1", "9"), ("2025-H2", "2", "4")]


def test_json_long_and_wide(url: str) -> None:
    long = json.loads(cli(["--format", "json", "--kind", "politie"]))
    assert long[0] == {"period": "2025-H2", "organisation": "Politie Midden-Nederland",
                       "form": "politie", "question": "1", "value": 5210, "note": None}
    wide = json.loads(cli(["--format", "json", "--wide"]))
    police = next(row for row in wide if row["form"] == "politie")
    assert police["politie_4"] == 201 and police["gemeente_7a"] is None
    utrecht = [row for row in wide if row["form"] == "gemeente"]
    assert utrecht[0]["gemeente_7a"] == 2


def test_wide_without_a_kind_keeps_the_forms_apart(url: str, tmp_path: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(cli(["--wide", "--period", "2025-H2"]))))
    police = next(row for row in rows if row["form"] == "politie")
    utrecht = next(row for row in rows if row["form"] == "gemeente")
    assert police["politie_1"] == "5210" and police["gemeente_1"] == ""
    assert utrecht["gemeente_1"] == "4" and utrecht["politie_1"] == ""
    assert "1" not in rows[0]  # no bare column that means two different questions
    out = tmp_path / "wide.xlsx"
    cli(["--format", "xlsx", "--wide", "--out", str(out)])
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["gemeente", "politie"]
    header, *police_rows = book["politie"].iter_rows(values_only=True)
    assert header[5:] == load_form("politie").keys
    assert [row[1] for row in police_rows] == ["Politie Midden-Nederland"]
    assert police_rows[0][5:] == tuple(POLICE.values())
    assert [row[0] for row in book["gemeente"].iter_rows(min_row=2, values_only=True)] == [
        "2025-H1", "2025-H2"]


def test_xlsx_needs_a_file_and_keeps_numbers(url: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["export", "--format", "xlsx"])
    assert result.exit_code == 1 and "--out" in result.output
    out = tmp_path / "figures.xlsx"
    cli(["--format", "xlsx", "--wide", "--kind", "gemeente", "--out", str(out)])
    sheet = openpyxl.load_workbook(out)["export"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("period", "organisation", "code", "region", "form")
    assert rows[2][5:] == tuple(UTRECHT_H2.values())
    assert all(isinstance(v, int) for v in rows[2][5:])
    assert "onbekend formaat" in runner.invoke(app, ["export", "--format", "pdf"]).output


def test_long_and_wide_hold_the_same_figures_on_a_realistic_set(tmp_path: Path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path}/mailbot.db")
    db.init(engine)
    plan = synthetic.Plan((Period(2025, 1), Period(2025, 2)), every=4)
    with db.session_scope(engine) as session:
        synthetic.populate(session, NOW, plan)
    with Session(engine) as session:
        _, long = rows_for(session, Selection())
        header, wide = rows_for(session, Selection(wide=True))
        workbook = export(session, Selection(history=True), "xlsx")
    engine.dispose()
    from_long = {(r[0], r[1], r[2], r[3]): r[4] for r in long}
    from_wide = {(r[0], r[1], r[4], name.partition("_")[2]): value for r in wide
                 for name, value in zip(header[5:], r[5:], strict=True) if value is not None}
    assert from_long == from_wide
    assert len({(r[0], r[1]) for r in long}) == len(wide) > 150
    sheet = openpyxl.load_workbook(io.BytesIO(workbook))["export"]
    assert sheet.max_row - 1 >= len(long)
