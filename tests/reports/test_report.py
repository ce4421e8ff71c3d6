"""The half-year report on a realistic data set: every municipality in data/gemeenten_2025.csv
and the ten police units over six half years, stored through `submissions.store`, with
corrections. Totals are checked against SQL sums of the current revisions, and the files
(XLSX, HTML, CSV, PNG) are opened and read back."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest
from PIL import Image
from sqlalchemy import Engine, text
from sqlmodel import Session

from mailbot.dates.periods import Period
from mailbot.outbound.render import Renderer
from mailbot.reports import figures, files, synthetic
from mailbot.reports.cells import Cell, Table
from mailbot.reports.report import Report, build
from mailbot.reports.suppress import Hidden
from mailbot.store import db

PERIOD = Period(2025, 2)
PERIODS = tuple(Period(year, half) for year in (2023, 2024, 2025) for half in (1, 2))
NOW = datetime(2026, 2, 20, 9, 0, tzinfo=UTC)
KEYS = ("1", "2", "3", "4", "5", "6", "7a", "7b", "7c", "8", "9", "10")

CURRENT_SUMS = text("""
    SELECT s.form_kind, a.question, SUM(a.value)
    FROM submission s JOIN answer a ON a.submission_id = s.id
    WHERE s.period = :period AND s.revision = (
        SELECT MAX(t.revision) FROM submission t
        WHERE t.organisation_id = s.organisation_id AND t.period = s.period
          AND t.form_kind = s.form_kind)
    GROUP BY s.form_kind, a.question
""")


@dataclass(frozen=True)
class World:
    engine: Engine
    report: Report
    out: Path

    def sums(self, period: Period | str, kind: str = "gemeente") -> dict[str, int]:
        with self.engine.connect() as connection:
            rows = connection.execute(CURRENT_SUMS, {"period": str(period)}).all()
        return {question: int(total) for form, question, total in rows if form == kind}

    def scalar(self, sql: str, **params: object) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(text(sql), params).scalar_one())

    def build(self, threshold: int = 5, **kwargs: object) -> Report:
        with Session(self.engine) as session:
            return build(session, PERIOD, NOW, threshold, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    directory = tmp_path_factory.mktemp("report")
    engine = db.make_engine(f"sqlite:///{directory}/mailbot.db")
    db.init(engine)
    with db.session_scope(engine) as session:
        synthetic.populate(session, NOW, synthetic.Plan(PERIODS))
    with Session(engine) as session:
        report = build(session, PERIOD, NOW)
    files.write(report, directory / "out", Renderer())
    yield World(engine, report, directory / "out")
    engine.dispose()


def column(table: Table, title: str) -> dict[str, object]:
    """First cell -> the cell under `title`."""
    index = [c.title for c in table.columns].index(title)
    return {str(row[0]): row[index] for row in table.rows}


def number(cell: Cell) -> int:
    """A count cell of an unsuppressed table (empty for a municipality that sent nothing)."""
    assert cell is None or isinstance(cell, int)
    return cell or 0


def questions(table: Table, title: str) -> dict[str, object]:
    """For the national tables: question key -> the cell under `title`."""
    index = [c.title for c in table.columns].index(title)
    return {str(row[0]): row[index] for row in table.rows if row[0]}


# --- the data set is realistic --------------------------------------------------------------

def test_the_data_set_is_of_realistic_size(world: World) -> None:
    municipalities = world.scalar("SELECT COUNT(*) FROM organisation WHERE kind = 'gemeente'")
    assert municipalities == 342
    assert world.scalar("SELECT COUNT(DISTINCT period) FROM submission") == len(PERIODS)
    assert world.scalar("SELECT COUNT(*) FROM submission WHERE revision > 1") > 50
    sums = world.sums(PERIOD)
    assert 1000 <= sums["1"] <= 2000  # 2,000–3,500 a year nationally
    assert 0.3 <= sums["5"] / sums["1"] <= 0.5  # ~40 % extended
    assert 0.04 <= sums["4"] / sums["1"] <= 0.12  # ~8 % withdrawn
    imposed = """SELECT COUNT(*) FROM answer a JOIN submission s ON s.id = a.submission_id
                 WHERE a.question = '1' AND s.form_kind = 'gemeente'"""
    small = world.scalar(imposed + " AND a.value < 5")
    every = world.scalar(imposed)
    assert small / every > 0.5  # most municipal half-year counts are below 5


# --- every total is the sum of the current revisions ----------------------------------------

def published(cells: dict[str, object], sums: dict[str, int]) -> dict[str, object]:
    """The exact sums as a national table publishes them: a total that would give a withheld
    count away by subtraction is withheld itself (`x`, mailbot.reports.disclosure)."""
    return {key: cells[key] if isinstance(cells.get(key), Hidden) else value
            for key, value in sums.items()}


def test_national_totals_equal_the_sql_sums_of_current_revisions(world: World) -> None:
    table = world.report.tables["landelijk"]
    for period in (PERIOD, PERIOD.previous(), Period(PERIOD.year - 1, PERIOD.half)):
        expected = world.sums(period)
        cells = questions(table, str(period))
        assert cells == published(cells, expected)
        assert sum(isinstance(cell, Hidden) for cell in cells.values()) <= 2
        assert all(str(cell) == "x" for cell in cells.values() if isinstance(cell, Hidden))
    police = questions(world.report.tables["politie_landelijk"], str(PERIOD))
    assert police == published(police, world.sums(PERIOD, "politie"))


def test_a_correction_replaces_the_first_revision_in_the_totals(world: World) -> None:
    all_revisions = world.scalar(
        """SELECT SUM(a.value) FROM answer a JOIN submission s ON s.id = a.submission_id
           WHERE s.period = :p AND s.form_kind = 'gemeente' AND a.question = '1'""",
        p=str(PERIOD))
    current = world.report.tables["landelijk"].row("1")[2]
    assert isinstance(current, int) and current < all_revisions


def test_the_national_row_of_every_table_matches_the_database(world: World) -> None:
    sums = world.sums(PERIOD)
    tables = world.report.tables
    regions = tables["regios"]
    national = dict(zip(KEYS, regions.row("Nederland")[3:], strict=True))
    assert national == published(national, sums)
    assert column(tables["kengetallen_regios"], f"Opgelegd {PERIOD}")["Nederland"] == sums["1"]
    assert column(tables["kengetallen"], "Opgelegde huisverboden")[str(PERIOD)] == sums["1"]
    trend = column(tables["trend"], "Opgelegde huisverboden")
    assert trend == {str(p): world.sums(p)["1"] for p in PERIODS}
    police = tables["politie_eenheden"].row("Nederland")
    cells = dict(zip("12345", police[2:7], strict=True))
    assert cells == published(cells, world.sums(PERIOD, "politie"))
    assert police[7] == sums["1"]


def test_regions_add_up_to_the_nation_when_nothing_is_suppressed(world: World) -> None:
    report = world.build(threshold=1)
    rows = report.tables["regios"].rows
    for index, key in enumerate(KEYS, start=3):
        assert sum(number(row[index]) for row in rows[:-1]) == rows[-1][index], key
    units = report.tables["politie_eenheden"].rows
    assert sum(number(row[7]) for row in units[:-1]) == units[-1][7]
    municipal = report.tables["gemeenten"].rows
    assert sum(number(row[5]) for row in municipal) == world.sums(PERIOD)["1"]


def test_response_counts_invited_and_submitting_municipalities(world: World) -> None:
    submitted = world.scalar("""SELECT COUNT(DISTINCT organisation_id) FROM submission
                                WHERE period = :p AND form_kind = 'gemeente'""", p=str(PERIOD))
    row = world.report.tables["respons"].row("Nederland")
    assert row[1:] == (342, submitted, pytest.approx(submitted / 342))
    police = world.report.tables["respons"].row("Politie-eenheden")
    assert police[1] == 10
    assert world.report.summary.submitted == submitted


def test_response_can_take_a_rounds_own_list_of_invited_organisations(world: World) -> None:
    with Session(world.engine) as session:
        dataset = figures.load(session)
    utrecht = [org.id for org in dataset.orgs.values() if org.region == "Utrecht"]
    report = world.build(invited=figures.invited_ids(utrecht))
    respons = world.report.tables["respons"].row("Utrecht")
    assert report.tables["respons"].row("Nederland")[1:3] == respons[1:3]
    assert report.tables["respons"].row("Politie-eenheden")[1] == 0


# --- ratios and comparisons -----------------------------------------------------------------

def test_ratios_follow_from_the_sums(world: World) -> None:
    sums = world.sums(PERIOD)
    row = world.report.tables["kengetallen"].row(str(PERIOD))
    titles = [c.title for c in world.report.tables["kengetallen"].columns]
    cell = dict(zip(titles, row, strict=True))
    assert cell["Verlengingen per opgelegd huisverbod"] == pytest.approx(sums["5"] / sums["1"])
    assert cell["Ingetrokken per opgelegd huisverbod"] == pytest.approx(sums["4"] / sums["1"])
    assert cell["Voorlopige voorzieningen"] == sums["8"]
    assert cell["Ongegrond verklaard per voorlopige voorziening"] == \
        pytest.approx(sums["9"] / sums["8"])
    population = world.scalar("""SELECT SUM(o.population) FROM organisation o WHERE o.id IN (
        SELECT organisation_id FROM submission WHERE period = :p AND form_kind = 'gemeente')""",
                              p=str(PERIOD))
    assert cell["Opgelegde huisverboden per 100.000 inwoners"] == \
        pytest.approx(sums["1"] / population * 100_000)
    rihg = world.sums(PERIOD, "politie")["4"]
    # Every police unit reported: the area is the country, the huisverboden those of the
    # municipalities that reported, and the coverage says how many of them that is.
    coverage = world.report.summary.submitted / world.report.summary.invited
    assert cell["Dekking RiHG: gemeenten ingezonden in het gebied van de politie-eenheden die "
                "inzonden"] == pytest.approx(coverage)
    assert cell["Opgelegde huisverboden per ingevuld RiHG (politie)"] == \
        pytest.approx(sums["1"] / rihg)


def test_changes_against_the_previous_period_and_a_year_earlier(world: World) -> None:
    now, before, year = (world.sums(p)["1"] for p in
                         (PERIOD, PERIOD.previous(), Period(PERIOD.year - 1, PERIOD.half)))
    row = world.report.tables["landelijk"].row("1")
    assert row[4] == pytest.approx((now - before) / before)
    assert row[6] == pytest.approx((now - year) / year)
    assert world.report.summary.change_previous == pytest.approx((now - before) / before)


# --- small numbers --------------------------------------------------------------------------

NOT_EVENTS = ("Inwoners", "Gemeenten", "Ingezonden")  # counts of organisations and people
PUBLISHED_REGIONAL = ("regios", "kengetallen_regios", "politie_eenheden", "gemeenten")


def counts_below(report: Report, limit: int) -> list[object]:
    """Every count cell of a regional table that lies in 1 … limit-1."""
    found: list[object] = []
    for key in PUBLISHED_REGIONAL:
        table = report.tables[key]
        for row in table.rows:
            if row[0] == "Nederland":
                continue
            for value, col in zip(row, table.columns, strict=True):
                if col.kind == "count" and col.title not in NOT_EVENTS and isinstance(value, int) \
                        and 0 < value < limit:
                    found.append((key, row[0], col.title, value))
    return found


def test_regional_tables_show_small_counts_as_less_than_five(world: World) -> None:
    assert counts_below(world.report, 5) == []
    assert all(world.report.tables[key].suppressed for key in ("regios", "gemeenten"))
    gemeenten = world.report.tables["gemeenten"]
    hidden = [v for row in gemeenten.rows for v in row if isinstance(v, Hidden)]
    assert len(hidden) > 500 and {str(v) for v in hidden} == {"<5"}
    assert "<5" not in {str(v) for row in world.report.tables["landelijk"].rows for v in row}


def test_a_ratio_of_a_withheld_count_is_not_shown(world: World) -> None:
    table = world.report.tables["kengetallen_regios"]
    titles = [c.title for c in table.columns]
    for row in table.rows[:-1]:
        cell = dict(zip(titles, row, strict=True))
        if isinstance(cell["Voorlopige voorzieningen"], Hidden):
            assert cell["Voorlopige voorzieningen per opgelegd huisverbod"] is None
            assert cell["Ongegrond verklaard per voorlopige voorziening"] is None


def test_the_threshold_is_configurable(world: World) -> None:
    strict = world.build(threshold=10)
    assert counts_below(strict, 10) == []
    assert "<10" in {str(v) for row in strict.tables["gemeenten"].rows for v in row}
    exact = world.build(threshold=1)
    assert not any(table.suppressed for table in exact.tables.values())
    assert counts_below(exact, 5) != []


# --- the files ------------------------------------------------------------------------------

def test_the_workbook_has_a_sheet_per_table_with_numbers_as_numbers(world: World) -> None:
    book = openpyxl.load_workbook(world.out / "report.xlsx")
    assert book.sheetnames == list(world.report.tables)
    sheet = book["landelijk"]
    assert sheet["A1"].value == "Landelijke totalen gemeenten"
    header = [cell.value for cell in sheet[2]]
    assert header[:3] == ["Vraag", "Omschrijving", str(PERIOD)]
    values = {row[0]: row[2] for row in sheet.iter_rows(min_row=3, values_only=True)
              if row[0] and row[2] is not None}
    exact = {key: value for key, value in values.items() if value != "x"}
    assert exact == {key: world.sums(PERIOD)[key] for key in exact} and len(exact) >= 10
    assert all(isinstance(v, int) for v in exact.values())
    ratios = [row[3:9] for row in book["kengetallen"].iter_rows(min_row=3, values_only=True)
              if row[1] is not None]
    assert len(ratios) == 3
    # A ratio of a withheld national total is left empty (mailbot.reports.disclosure).
    assert sum(v is None for row in ratios for v in row) <= 2
    assert all(isinstance(v, float | int) for row in ratios for v in row if v is not None)
    withheld = [v for row in book["gemeenten"].iter_rows(min_row=3, values_only=True)
                for v in row if v == "<5"]
    assert len(withheld) > 500


def test_a_csv_per_table_with_the_same_figures(world: World) -> None:
    for key, table in world.report.tables.items():
        path = world.out / f"report-{key}.csv"
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
        assert rows[0] == [c.title for c in table.columns]
        assert len(rows) == len(table.rows) + 1
    with (world.out / "report-landelijk.csv").open(encoding="utf-8") as fh:
        records = list(csv.DictReader(fh))
    exact = {r["Vraag"]: int(r[str(PERIOD)]) for r in records
             if r["Vraag"] and r[str(PERIOD)] != "x"}
    assert exact == {key: world.sums(PERIOD)[key] for key in exact} and len(exact) >= 10


class Tables(HTMLParser):
    """Collects every <table data-key> as rows of cell texts, and every <img src> and tag."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.images: list[str] = []
        self.tags: set[str] = set()
        self._key: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.tags.add(tag)
        if tag == "table":
            self._key = found.get("data-key")
            self.tables.setdefault(self._key or "", [])
        elif tag == "tr" and self._key:
            self.tables[self._key].append([])
        elif tag in ("td", "th") and self._key:
            self._cell = []
        elif tag == "img":
            self.images.append(found.get("src") or "")

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._key:
            self.tables[self._key][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._key = None


def test_the_html_report_is_self_contained_dutch_and_has_every_table(world: World) -> None:
    page = (world.out / "report.html").read_text(encoding="utf-8")
    parser = Tables()
    parser.feed(page)
    assert '<html lang="nl">' in page and "tweede halfjaar van 2025" in page
    assert set(parser.tables) == set(world.report.tables)
    assert len(parser.images) == 3
    assert all(src.startswith("data:image/png;base64,") for src in parser.images)
    assert not {"script", "link", "iframe"} & parser.tags
    assert "http://" not in page and "https://" not in page
    national = {row[0]: row[2] for row in parser.tables["landelijk"][1:] if row[0]}
    assert national["1"] == f"{world.sums(PERIOD)['1']:,}".replace(",", ".")
    gemeenten = parser.tables["gemeenten"]
    assert sum(1 for row in gemeenten if row and row[0] != "Gemeente") == 342
    assert '<td class="k">&lt;5</td>' in page and "<code>&lt;5</code>" in page


def test_the_charts_are_valid_png_images(world: World) -> None:
    for name in ("huisverboden_per_regio.png", "trend_landelijk.png", "respons_per_regio.png"):
        raw = (world.out / name).read_bytes()
        assert raw.startswith(b"\x89PNG\r\n\x1a\n")
        with Image.open(io.BytesIO(raw)) as image:
            image.verify()
        with Image.open(io.BytesIO(raw)) as image:
            assert 400 <= image.width <= 520 and image.height >= 300  # sized for a phone
            assert len(image.getcolors(256) or []) > 3  # drawn, not blank


# --- the command ----------------------------------------------------------------------------

def test_mailbot_report_writes_the_files_and_says_what_it_did(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from typer.testing import CliRunner

    from mailbot.cli import app

    monkeypatch.setenv("MAILBOT_DATABASE_URL", str(world.engine.url))
    monkeypatch.setenv("MAILBOT_REPORT_THRESHOLD", "10")
    result = CliRunner().invoke(app, ["report", "--period", str(PERIOD), "--out",
                                      str(tmp_path / "rapport")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    names = {path.name for path in (tmp_path / "rapport").iterdir()}
    assert {"report.html", "report.xlsx", "report-landelijk.csv", "trend_landelijk.png"} <= names
    assert f"{world.sums(PERIOD)['1']} opgelegde huisverboden" in result.output
    assert "&lt;10" in (tmp_path / "rapport" / "report.html").read_text(encoding="utf-8")
    bad = CliRunner().invoke(app, ["report", "--period", "2025-H3", "--out", str(tmp_path)])
    assert bad.exit_code == 1 and "onbekende periode" in bad.output
