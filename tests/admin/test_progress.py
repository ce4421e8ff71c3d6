"""Long commands draw a progress bar on a terminal and nothing when piped; the work counts its
steps on a Progress the CLI hands down. Not a database test: SQLite only."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from mailbot import rounds
from mailbot.admin import importer
from mailbot.admin.progress import Progress, bar
from mailbot.cli import app, data
from mailbot.config import Settings
from mailbot.dates.periods import Period
from mailbot.forms import load_form
from mailbot.outbound.render import Renderer
from mailbot.reports import files, synthetic
from mailbot.reports.export import Selection, export
from mailbot.reports.report import build
from mailbot.store import db, orgs
from mailbot.store.models import Organisation, Round
from mailbot.store.submissions import store

runner = CliRunner()
NOW = datetime(2026, 7, 1, 9, 30, tzinfo=UTC)
CSV = ("name,code,region,population\n"
       "Utrecht,GM0344,Utrecht,374238\n"
       "Zeist,GM0355,Utrecht,65000\n"
       "Houten,GM0321,Utrecht,50000\n")
BAR_MARKS = ("\x1b", "━", "\r")  # escape codes, rich's bar glyph, redrawing a line


class Terminal(io.StringIO):
    """A stream that says it is a terminal and keeps what was drawn on it."""

    def isatty(self) -> bool:
        return True


class Recorder:
    """A Progress that remembers (total, completed) after every change."""

    def __init__(self) -> None:
        self.seen: list[tuple[int | None, int]] = []
        self.progress = Progress(draw=lambda total, done: self.seen.append((total, done)))

    def assert_counted_to(self, total: int) -> None:
        """Started at total, then one step at a time up to it."""
        assert self.seen == [(total, done) for done in range(total + 1)]


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An initialised SQLite database that the CLI uses too."""
    database_url = f"sqlite:///{tmp_path}/mailbot.db"
    monkeypatch.setenv("MAILBOT_CONFIG", "/nonexistent/mailbot.toml")
    monkeypatch.setenv("MAILBOT_DATABASE_URL", database_url)
    engine = db.make_engine(database_url)
    db.init(engine)
    engine.dispose()
    yield database_url


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    path = tmp_path / "gemeenten.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


def add_orgs(url: str) -> None:
    """Utrecht with one address, Zeist with two."""
    engine = db.make_engine(url)
    with db.session_scope(engine) as session:
        orgs.add(session, NOW, "Utrecht", "gemeente", "GM0344", "Utrecht")
        orgs.add(session, NOW, "Zeist", "gemeente", "GM0355", "Utrecht")
        orgs.add_address(session, NOW, "Utrecht", "huisverbod@utrecht.nl")
        orgs.add_address(session, NOW, "Zeist", "wth@zeist.nl")
        orgs.add_address(session, NOW, "Zeist", "veiligthuis@zeist.nl")
    engine.dispose()


def submit_utrecht(url: str) -> int:
    """Utrecht's figures for 2026-H1; returns the number of answers."""
    form = load_form("gemeente")
    engine = db.make_engine(url)
    with db.session_scope(engine) as session:
        store(session, NOW, orgs.require(session, "Utrecht"), "2026-H1", form,
              dict.fromkeys(form.keys, 2), sender="huisverbod@utrecht.nl", person_name=None,
              inbound_id=None)
    engine.dispose()
    return len(form.keys)


def assert_quiet(text: str) -> None:
    for mark in BAR_MARKS:
        assert mark not in text, f"{mark!r} in {text!r}"


def test_piped_import_and_export_print_their_results_and_no_bar(url: str, csv_file: Path) -> None:
    imported = runner.invoke(app, ["org", "import", str(csv_file)], catch_exceptions=False)
    assert imported.exit_code == 0, imported.output
    assert imported.stdout == "Nieuw: 3, bijgewerkt: 0, ongewijzigd: 0\n"
    assert imported.stderr == ""

    submit_utrecht(url)
    exported = runner.invoke(app, ["export", "--period", "2026-H1"], catch_exceptions=False)
    assert exported.exit_code == 0, exported.output
    assert exported.stdout.startswith("period,organisation,form,question,value\n2026-H1,Utrecht,")
    assert exported.stderr == ""
    for text in (imported.stdout, exported.stdout):
        assert_quiet(text)


def test_an_import_counts_one_step_per_row(url: str) -> None:
    recorder = Recorder()
    with db.session_scope(db.make_engine(url)) as session:
        result = importer.apply(session, NOW, importer.read(CSV), progress=recorder.progress)
    assert result.created == 3
    recorder.assert_counted_to(3)


def test_an_export_counts_one_step_per_row_written(url: str) -> None:
    add_orgs(url)
    answers = submit_utrecht(url)
    for format in ("csv", "json", "xlsx"):
        recorder = Recorder()
        with Session(db.make_engine(url)) as session:
            export(session, Selection(period="2026-H1"), format, recorder.progress)
        recorder.assert_counted_to(answers)
    recorder = Recorder()
    with Session(db.make_engine(url)) as session:
        export(session, Selection(wide=True), "csv", recorder.progress)
    recorder.assert_counted_to(1)  # wide: one row for Utrecht's one period


def test_round_open_and_remind_count_one_step_per_organisation(url: str) -> None:
    add_orgs(url)
    submit_utrecht(url)
    settings, period = Settings(from_address="monitoring@huisverbod.test"), Period(2026, 1)
    opened, reminded = Recorder(), Recorder()
    with db.session_scope(db.make_engine(url)) as session:
        _, invited = rounds.open_round(session, settings, Renderer(), NOW, period, "admin",
                                       opened.progress)
        round_ = session.exec(select(Round)).one()
        missing = rounds.remind(session, settings, Renderer(), NOW, round_, "manual:test",
                                reminded.progress)
    assert [item.org.name for item in invited] == ["Utrecht", "Zeist"]
    opened.assert_counted_to(2)
    assert [item.org.name for item in missing] == ["Zeist"]  # Utrecht has sent its figures
    reminded.assert_counted_to(1)


def test_a_report_counts_one_step_per_file(tmp_path: Path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path}/report.db")
    db.init(engine)
    period = Period(2025, 2)
    with db.session_scope(engine) as session:
        synthetic.populate(session, NOW, synthetic.Plan((period,), every=40, police=False))
    with Session(engine) as session:
        report = build(session, period, NOW)
    engine.dispose()
    recorder = Recorder()
    paths = files.write(report, tmp_path / "out", Renderer(), recorder.progress)
    assert len(paths) > 2
    recorder.assert_counted_to(len(paths))


def test_a_terminal_gets_a_bar_with_its_description(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "xterm-256color")  # not a dumb terminal, whatever CI has
    terminal = Terminal()
    with bar("Exporteren", stream=terminal) as progress:
        progress.start(4)
        for _ in range(4):
            progress.advance()
    assert (progress.total, progress.completed) == (4, 4)
    assert "Exporteren" in terminal.getvalue() and "━" in terminal.getvalue()


def test_a_piped_stream_gets_nothing_but_the_counting_still_works() -> None:
    piped = io.StringIO()
    with bar("Exporteren", stream=piped) as progress:
        progress.start(2)
        progress.advance(2)
    assert (progress.total, progress.completed) == (2, 2)
    assert piped.getvalue() == ""


def test_org_import_draws_its_bar_on_a_terminal_and_keeps_stdout_clean(
    url: str, csv_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[Any]
) -> None:
    monkeypatch.setenv("TERM", "xterm-256color")
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    data.org_import(csv_file)
    assert "Organisaties inlezen" in terminal.getvalue()
    assert capsys.readouterr().out == "Nieuw: 3, bijgewerkt: 0, ongewijzigd: 0\n"
    with Session(db.make_engine(url)) as session:
        assert len(session.exec(select(Organisation)).all()) == 3
