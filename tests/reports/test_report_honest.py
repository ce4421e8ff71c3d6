"""Reports that say what they know: no zero for a region nobody answered for, a warning when
few answered, ratios over the areas that reported with their coverage, and no figure from
which a withheld `<5` can be worked out by subtraction (on SQLite: none depends on the
database)."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from PIL import Image
from sqlalchemy import Engine
from sqlmodel import Session

from mailbot.admin import importer
from mailbot.dates.periods import Period
from mailbot.forms import load_form
from mailbot.outbound.render import Renderer
from mailbot.reports import charts, deliver, feedback, html, synthetic
from mailbot.reports.cells import Table
from mailbot.reports.report import Report, build
from mailbot.reports.suppress import Hidden
from mailbot.store import db, orgs
from mailbot.store.submissions import store
from tests.reports.test_report_delivery import parsed, replies, settings

PERIOD = Period(2026, 1)
NOW = datetime(2026, 7, 20, 9, 0, tzinfo=UTC)
ZERO = dict.fromkeys(load_form("gemeente").keys, 0)


# These tests are about the report, not the database.
pytestmark = pytest.mark.sqlite_only


def submit(engine: Engine, name: str, kind: str = "gemeente", **answers: int) -> None:
    """Store a submission of `name` for PERIOD: zeros, with these answers (`q1=7` is vraag 1)."""
    form = load_form(kind)
    values = {**dict.fromkeys(form.keys, 0), **{k[1:]: v for k, v in answers.items()}}
    with db.session_scope(engine) as session:
        org = orgs.require(session, name)
        store(session, NOW, org, str(PERIOD), form, values, sender=f"a@{kind}.example",
              person_name=None, inbound_id=None)


def region_of(table: Table, region: str) -> dict[str, object]:
    return dict(zip([c.title for c in table.columns], table.row(region), strict=True))


# --- a round where 4 of 342 municipalities answered -----------------------------------------

@pytest.fixture
def four_answers(engine: Engine) -> Report:
    with db.session_scope(engine) as session:
        importer.apply(session, NOW, synthetic.municipalities())
    for name, imposed in (("Utrecht", 14), ("Zeist", 6), ("Groningen", 9), ("Het Hogeland", 2)):
        submit(engine, name, q1=imposed, q5=imposed // 2)
    with Session(engine) as session:
        return build(session, PERIOD, NOW)


def test_a_report_on_four_answers_warns_first_and_shows_no_zero_regions(
    four_answers: Report,
) -> None:
    report = four_answers
    assert (report.summary.submitted, report.summary.invited) == (4, 342)
    assert report.summary.low_response
    page = html.render(report, Renderer())
    warning = page[page.index('class="waarschuwing"'):page.index("</div>")]
    assert "Let op: lage respons" in warning and "342" in warning and "1,2 %" in warning
    assert page.index("waarschuwing") < page.index('class="kern"')

    regions = report.tables["regios"]
    drenthe = region_of(regions, "Drenthe")
    assert drenthe["Ingezonden"] == 0
    assert drenthe["1. Opgelegde huisverboden"] == "geen gegevens"
    assert {drenthe[c.title] for c in regions.columns[4:]} == {None}  # shown as –
    rates = region_of(report.tables["kengetallen_regios"], "Drenthe")
    assert rates[f"Opgelegd {PERIOD}"] == "geen gegevens"
    assert region_of(report.tables["kengetallen_regios"], "Utrecht")[f"Opgelegd {PERIOD}"] == 20
    assert "geen gegevens" in page and "Drenthe" in page
    assert "Let op: lage respons, 1,2 %" in report.tables["landelijk"].note  # in the sheet too


def test_the_report_mail_warns_of_a_low_response(engine: Engine) -> None:
    with db.session_scope(engine) as session:
        importer.apply(session, NOW, synthetic.municipalities(every=20))
        first = orgs.summaries(session)[0].name
    submit(engine, first, q1=8)
    with db.session_scope(engine) as session:
        deliver(session, settings(report_feedback=False), Renderer(), NOW, PERIOD)
    text = parsed(replies(engine, "report")[0]).get_body(("plain",)).get_content()
    assert "LET OP: lage respons" in text and "stuurden er 1 gegevens in" in text
    assert text.index("LET OP") < text.index("opgelegde huisverboden")


def test_the_response_threshold_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILBOT_REPORT_MIN_RESPONSE", "0.8")
    from mailbot.config import Settings

    assert Settings().report_min_response == 0.8


def test_a_region_without_submitters_is_labelled_on_the_chart(four_answers: Report) -> None:
    rows = four_answers.tables["kengetallen_regios"].rows
    assert charts._bar_label(region_of(four_answers.tables["kengetallen_regios"],
                                       "Drenthe")[f"Opgelegd {PERIOD}"]) == "geen gegevens"
    png = charts.huisverboden_per_region(four_answers.tables["kengetallen_regios"], "2026-H1")
    width, _ = Image.open(io.BytesIO(png)).size
    # Shown about 370 px wide on a 390 px phone: 9-point labels stay about 7 px high or more.
    assert width <= 520 and charts.LABEL * 96 / 72 * 370 / width >= 8
    assert len(rows) == 26


def test_the_report_page_keeps_the_first_column_in_view_on_a_phone(four_answers: Report) -> None:
    page = html.render(four_answers, Renderer())
    assert "position: sticky" in page and "@media (max-width: 40rem)" in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page


# --- ratios over what reported ---------------------------------------------------------------

@pytest.fixture
def police_world(engine: Engine) -> Engine:
    """Two municipalities in the Utrecht region (Midden-Nederland), one in Groningen
    (Noord-Nederland); only the Midden-Nederland unit reports."""
    with db.session_scope(engine) as session:
        for name, region in (("Utrecht", "Utrecht"), ("Zeist", "Utrecht"),
                             ("Groningen", "Groningen")):
            orgs.add(session, NOW, name, "gemeente", region=region)
        orgs.add(session, NOW, "Politie Midden-Nederland", "politie", region="Midden-Nederland")
        orgs.add(session, NOW, "Politie Noord-Nederland", "politie", region="Noord-Nederland")
    submit(engine, "Utrecht", q1=10)
    submit(engine, "Groningen", q1=30)
    submit(engine, "Politie Midden-Nederland", "politie", q1=50, q4=20)
    return engine


def test_huisverboden_per_rihg_count_only_the_areas_that_reported(police_world: Engine) -> None:
    with Session(police_world) as session:
        report = build(session, PERIOD, NOW, threshold=1)
    titles = [c.title for c in report.tables["kengetallen"].columns]
    row = dict(zip(titles, report.tables["kengetallen"].row(str(PERIOD)), strict=True))
    # Groningen's 30 lie outside every area a unit reported for: 10 / 20, not 40 / 20.
    assert row["Opgelegde huisverboden per ingevuld RiHG (politie)"] == pytest.approx(0.5)
    assert row["Dekking RiHG: gemeenten ingezonden in het gebied van de politie-eenheden die "
               "inzonden"] == pytest.approx(0.5)
    units = report.tables["politie_eenheden"]
    midden = dict(zip([c.title for c in units.columns], units.row("Midden-Nederland"),
                      strict=True))
    assert midden["Opgelegde huisverboden (gemeenten)"] == 10
    assert midden["Gemeenten in het gebied ingezonden"] == pytest.approx(0.5)
    assert midden["Huisverboden per ingevuld RiHG"] == pytest.approx(0.5)


def test_below_the_response_threshold_an_area_ratio_is_not_shown(police_world: Engine) -> None:
    with Session(police_world) as session:
        report = build(session, PERIOD, NOW, threshold=1, min_response=0.6)
    titles = [c.title for c in report.tables["kengetallen"].columns]
    row = dict(zip(titles, report.tables["kengetallen"].row(str(PERIOD)), strict=True))
    assert row["Opgelegde huisverboden per ingevuld RiHG (politie)"] is None
    assert "Dekking" in " ".join(titles)


# --- no withheld count by subtraction --------------------------------------------------------

@pytest.fixture
def small_region(engine: Engine) -> Engine:
    """Region Eemland: Amersfoort (7, shown) and Leusden (2, withheld as <5); regions
    Rivierenland and Vallei: four municipalities each with 2, 3, 2, 3; all with an address."""
    with db.session_scope(engine) as session:
        for name, region, _ in MUNICIPALITIES:
            orgs.add(session, NOW, name, "gemeente", region=region)
            orgs.add_address(session, NOW, name, f"huisverbod@{name.lower()}.example")
    for name, _, imposed in MUNICIPALITIES:
        submit(engine, name, q1=imposed)
    return engine


MUNICIPALITIES = (
    ("Amersfoort", "Eemland", 7), ("Leusden", "Eemland", 2),
    ("Ede", "Vallei", 2), ("Wageningen", "Vallei", 3), ("Barneveld", "Vallei", 2),
    ("Renkum", "Vallei", 3), ("Tiel", "Rivierenland", 2), ("Culemborg", "Rivierenland", 3),
    ("Buren", "Rivierenland", 2), ("Zaltbommel", "Rivierenland", 3),
)


def feedback_row(engine: Engine, name: str) -> str:
    """The line `Opgelegde huisverboden  own  region  national` of a municipality's mail."""
    recipient = f"huisverbod@{name.lower()}.example"
    [reply] = [r for r in replies(engine, "feedback") if r.recipient == recipient]
    body = parsed(reply).get_body(("plain",)).get_content()
    return next(line for line in body.splitlines() if line.startswith("Opgelegde huisverboden"))


def test_the_feedback_mail_gives_no_neighbours_small_count_away(small_region: Engine) -> None:
    with db.session_scope(small_region) as session:
        assert feedback(session, settings(), Renderer(), NOW, PERIOD) == 10
    amersfoort = feedback_row(small_region, "Amersfoort").split()
    # Before: "7  9  29": 9 - 7 told Amersfoort that Leusden imposed 2.
    assert amersfoort[2:] == ["7", "x", "29"]
    # Vallei's four withheld counts stay unknown even to one of them: its total is shown.
    assert feedback_row(small_region, "Ede").split()[2:] == ["2", "10", "29"]
    # Rivierenland is withheld too: else 29 - 10 - 10 = 9 would give Eemland away.
    assert feedback_row(small_region, "Tiel").split()[2:] == ["2", "x", "29"]


def test_published_regional_totals_give_no_small_count_away(small_region: Engine) -> None:
    with Session(small_region) as session:
        report = build(session, PERIOD, NOW)
    regions = report.tables["regios"]
    eemland = region_of(regions, "Eemland")["1. Opgelegde huisverboden"]
    assert isinstance(eemland, Hidden) and str(eemland) == "x"
    assert region_of(regions, "Vallei")["1. Opgelegde huisverboden"] == 10
    assert str(region_of(regions, "Rivierenland")["1. Opgelegde huisverboden"]) == "x"
    assert region_of(regions, "Nederland")["1. Opgelegde huisverboden"] == 29
    leusden = next(row for row in report.tables["gemeenten"].rows if row[1] == "Leusden")
    assert str(leusden[5]) == "<5"


@pytest.mark.parametrize(("withheld", "shown"), [
    ((), True),
    ((2,), False),  # one: the total minus the rest is that count
    ((1, 1, 1, 1), False),  # all 1: each is 1
    ((4, 4, 4), False),  # all the largest: each is 4
    ((2, 3), False),  # either of the two knows the other's
    ((1, 1, 1, 2), False),  # the one with 2 knows the others are 1
    ((2, 3, 2, 3), True),
    ((1, 2, 3, 4, 1), True),
])
def test_which_withheld_counts_a_total_may_rest_on(withheld: tuple[int, ...],
                                                   shown: bool) -> None:
    from mailbot.reports.disclosure import safe

    assert safe(withheld, 5) is shown


def test_the_feedback_mail_has_an_html_alternative_with_real_tables(
    small_region: Engine,
) -> None:
    with db.session_scope(small_region) as session:
        feedback(session, settings(), Renderer(), NOW, PERIOD)
    [reply] = [r for r in replies(small_region, "feedback")
               if r.recipient == "huisverbod@amersfoort.example"]
    message = parsed(reply)
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    page = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "Amersfoort" in text and "Amersfoort" in page
    assert page.count("<table") == 2
    assert '<th scope="row"' in page and ">Opgelegde huisverboden</th>" in page
    row = page[page.index(">Opgelegde huisverboden</th>"):]
    assert [cell.split("<")[0] for cell in row.split('nowrap;">')[1:4]] == ["7", "x", "29"]


def test_a_withheld_national_total_is_a_gap_in_the_trend_line() -> None:
    from mailbot.reports.cells import Column

    columns = tuple(Column(title) for title in ("Periode", "n", "opgelegd", "verlengd", "ingetr"))
    with_gap = Table("trend", "", columns, (("2025-H1", 9, 20, 8, 2), ("2025-H2", 9, 21, 8,
                                                                     Hidden(5, secondary=True))))
    flat = Table("trend", "", columns, (("2025-H1", 9, 20, 8, 2), ("2025-H2", 9, 21, 8, 0)))
    assert charts.national_trend(with_gap) != charts.national_trend(flat)


def test_a_rate_per_inhabitant_does_not_tell_who_has_no_known_population(
    small_region: Engine,
) -> None:
    with db.session_scope(small_region) as session:
        for name in ("Ede", "Wageningen", "Barneveld", "Tiel", "Culemborg", "Buren",
                     "Zaltbommel", "Amersfoort", "Leusden"):
            org = orgs.require(session, name)
            org.population = 40_000
            session.add(org)
    with Session(small_region) as session:
        report = build(session, PERIOD, NOW)
    vallei = region_of(report.tables["kengetallen_regios"], "Vallei")
    assert vallei[f"Opgelegd {PERIOD}"] == 10
    # 7 per 120,000 beside the total 10 would say that Renkum (no population known) had 3.
    assert vallei["Opgelegde huisverboden per 100.000 inwoners"] is None
    rivierenland = region_of(report.tables["kengetallen_regios"], "Rivierenland")
    assert str(rivierenland[f"Opgelegd {PERIOD}"]) == "x"
    national = report.tables["kengetallen"].row(str(PERIOD))
    assert national[3] is None  # the nation's rate would tell Renkum's 3 just the same
