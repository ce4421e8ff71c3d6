"""`mailbot org import FILE`: municipalities from the reference CSV, idempotent, never touching
addresses or secrets."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, func, select
from typer.testing import CliRunner

from mailbot.cli import app
from mailbot.reports.reference import data_dir
from mailbot.store import db, orgs
from mailbot.store.models import Address, Alias, AuditEvent, Organisation, Secret

runner = CliRunner()
REFERENCE = data_dir() / "gemeenten_2025.csv"


@pytest.fixture
def url(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("MAILBOT_DATABASE_URL", database_url)
    assert runner.invoke(app, ["init"]).exit_code == 0
    return database_url


def run(path: Path) -> str:
    result = runner.invoke(app, ["org", "import", str(path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output.strip()


def refused(path: Path) -> str:
    result = runner.invoke(app, ["org", "import", str(path)])
    assert result.exit_code == 1, result.output
    return result.output


def count(url: str, model: type) -> int:
    with Session(db.make_engine(url)) as session:
        return session.exec(select(func.count()).select_from(model)).one()


def org(url: str, name: str) -> Organisation:
    with Session(db.make_engine(url)) as session:
        return orgs.require(session, name)


def test_the_reference_file_imports_every_municipality_once(url: str) -> None:
    assert run(REFERENCE) == "Nieuw: 342, bijgewerkt: 0, ongewijzigd: 0"
    events = count(url, AuditEvent)
    assert run(REFERENCE) == "Nieuw: 0, bijgewerkt: 0, ongewijzigd: 342"
    assert count(url, AuditEvent) == events  # re-running changes nothing, not even the log
    hague = org(url, "s-Gravenhage")
    assert (hague.name, hague.code, hague.region, hague.population) == (
        "'s-Gravenhage", "GM0518", "Haaglanden", hague.population)
    assert hague.population and hague.population > 500_000
    with Session(db.make_engine(url)) as session:
        total = session.exec(select(func.sum(Organisation.population))).one()
        regions = session.exec(select(func.count(func.distinct(Organisation.region)))).one()
    assert (total, regions) == (17_942_942, 25)


def test_an_update_keeps_addresses_secrets_and_the_old_name(url: str, tmp_path: Path) -> None:
    with db.session_scope(db.make_engine(url)) as session:
        from datetime import UTC, datetime

        now = datetime(2026, 1, 5, tzinfo=UTC)
        orgs.add(session, now, "Utrecht", "gemeente")
        orgs.add(session, now, "Den Bosch", "gemeente", code="GM0796")
        orgs.add_address(session, now, "Utrecht", "huisverbod@utrecht.nl")
        orgs.set_secret(session, now, "Utrecht", "geheim-geheim-1")
    simple = tmp_path / "gemeenten.csv"
    simple.write_text("name,code,region,population\n"
                      "Utrecht,GM0344,Utrecht,374238\n"
                      "'s-Hertogenbosch,GM0796,Brabant-Noord,160783\n"
                      "Zeist,355,Utrecht,\n", encoding="utf-8")
    assert run(simple) == "Nieuw: 1, bijgewerkt: 2, ongewijzigd: 0"
    utrecht = org(url, "Utrecht")
    assert (utrecht.code, utrecht.region, utrecht.population) == ("GM0344", "Utrecht", 374238)
    assert count(url, Address) == 1 and count(url, Secret) == 1
    assert org(url, "Den Bosch").name == "'s-Hertogenbosch"  # renamed; the old name an alias
    assert count(url, Alias) == 1
    assert run(simple) == "Nieuw: 0, bijgewerkt: 0, ongewijzigd: 3"
    simple.write_text("name,population\nZeist,65000\n", encoding="utf-8")
    assert run(simple) == "Nieuw: 0, bijgewerkt: 1, ongewijzigd: 0"
    assert org(url, "Zeist").code == "GM0355" and org(url, "Zeist").population == 65000


def test_a_bad_file_writes_nothing(url: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("gemeentenaam,gemeentecode,inwoners_2024\nUtrecht,GM0344,veel\n",
                   encoding="utf-8")
    assert "regel 2" in refused(bad) and "inwoners" in refused(bad)
    bad.write_text("gemeentecode,inwoners\nGM0344,1\n", encoding="utf-8")
    assert "geen kolom gemeentenaam" in refused(bad)
    bad.write_text("name,code\nUtrecht,GM0344\nUtrecht,GM0345\n", encoding="utf-8")
    assert "regel 3" in refused(bad)
    bad.write_text("name,code\nUtrecht,XX12\n", encoding="utf-8")
    assert "geen CBS-code" in refused(bad)
    assert "kan" in refused(tmp_path / "missing.csv")
    assert count(url, Organisation) == 0


def test_a_police_unit_with_the_same_name_is_refused(url: str, tmp_path: Path) -> None:
    assert runner.invoke(app, ["org", "add", "Utrecht", "--kind", "politie"]).exit_code == 0
    clash = tmp_path / "clash.csv"
    clash.write_text("name\nUtrecht\n", encoding="utf-8")
    assert "al geregistreerd als politie" in refused(clash)


def test_the_import_gives_each_municipality_the_names_people_write(url: str) -> None:
    run(REFERENCE)
    for written, registered in [
        ("Den Haag", "'s-Gravenhage"), ("gemeente Den Haag", "'s-Gravenhage"),
        ("Den Bosch", "'s-Hertogenbosch"), ("Zuidwest-Friesland", "Súdwest-Fryslân"),
        ("Noordoost-Friesland", "Noardeast-Fryslân"), ("De Friese Meren", "De Fryske Marren"),
        ("Tietjerksteradeel", "Tytsjerksteradiel"), ("Ljouwert", "Leeuwarden"),
        ("Skylge", "Terschelling"), ("Nuenen", "Nuenen, Gerwen en Nederwetten"),
        ("Hengelo", "Hengelo (O.)"), ("Rijswijk (Zuid-Holland)", "Rijswijk (ZH.)"),
        ("Bergen (Noord-Holland)", "Bergen (NH.)"), ("Bergen (Limburg)", "Bergen (L.)"),
        ("Weesp", "Amsterdam"), ("Heerhugowaard", "Dijk en Waard"),
        ("Hellevoetsluis", "Voorne aan Zee"), ("gemeente Appingedam", "Eemsdelta"),
    ]:
        assert org(url, written).name == registered, written
    with Session(db.make_engine(url)) as session:
        assert orgs.find(session, "Bergen") is None  # two municipalities: neither
        assert orgs.find(session, "Haaren") is None  # split over four: none of them
    assert count(url, Alias) == 49  # 32 from gemeente_aliassen.csv, 17 former municipalities


def test_an_earlier_import_gets_the_names_people_write_once(url: str, tmp_path: Path) -> None:
    with db.session_scope(db.make_engine(url)) as session:
        from datetime import UTC, datetime

        now = datetime(2026, 1, 5, tzinfo=UTC)
        orgs.add(session, now, "'s-Gravenhage", "gemeente", code="GM0518")
        orgs.add(session, now, "Politie Den Haag", "politie", aliases=("Den Haag politie",))
        orgs.add(session, now, "Leeuwarden", "gemeente", code="GM0080", aliases=("Ljouwert",))
    simple = tmp_path / "gemeenten.csv"
    simple.write_text("name,code\n's-Gravenhage,GM0518\nLeeuwarden,GM0080\n", encoding="utf-8")
    assert run(simple) == "Nieuw: 0, bijgewerkt: 1, ongewijzigd: 1"
    assert org(url, "Den Haag").name == "'s-Gravenhage"
    assert org(url, "Politie Den Haag").kind == "politie"
    assert run(simple) == "Nieuw: 0, bijgewerkt: 0, ongewijzigd: 2"


def test_an_admin_adds_and_removes_an_alias(url: str) -> None:
    for name, kind in (("'s-Gravenhage", "gemeente"), ("Utrecht", "gemeente")):
        assert runner.invoke(app, ["org", "add", name, "--kind", kind]).exit_code == 0
    added = runner.invoke(app, ["org", "alias", "add", "s-gravenhage", "Den Haag"])
    assert added.exit_code == 0, added.output
    assert "Toegevoegd: Den Haag voor 's-Gravenhage" in added.output
    again = runner.invoke(app, ["org", "alias", "add", "'s-Gravenhage", "den haag"])
    assert again.exit_code == 0 and "Al bekend" in again.output
    assert org(url, "Gemeente Den Haag").name == "'s-Gravenhage"
    taken = runner.invoke(app, ["org", "alias", "add", "Utrecht", "Den Haag"])
    assert taken.exit_code == 1 and "al in gebruik" in taken.output
    assert runner.invoke(app, ["org", "alias", "add", "Utrecht", "'s-Gravenhage"]).exit_code == 1
    removed = runner.invoke(app, ["org", "alias", "remove", "'s-Gravenhage", "Den Haag"])
    assert removed.exit_code == 0, removed.output
    with Session(db.make_engine(url)) as session:
        assert orgs.find(session, "Den Haag") is None
        actions = [e.action for e in session.exec(select(AuditEvent))]
    assert actions.count("alias.add") == 1 and actions.count("alias.remove") == 1
    missing = runner.invoke(app, ["org", "alias", "remove", "Utrecht", "Den Haag"])
    assert missing.exit_code == 1 and "geen andere naam" in missing.output
