"""`mailbot round open/status/remind`, called as the admin calls them (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import Session, select

from mailbot.cli import common
from mailbot.forms import load_form
from mailbot.store import db, orgs, submissions
from mailbot.store.models import Organisation, Reply, Round
from tests.admin.test_cli import fails, ok

NOW = datetime(2026, 7, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
def cli_db(database_url: str, smtp_sink: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """A database with Utrecht (one address) and Zeist (two), the sink as SMTP server."""
    monkeypatch.setenv("MAILBOT_CONFIG", "/nonexistent/mailbot.toml")
    monkeypatch.setenv("MAILBOT_DATABASE_URL", database_url)
    monkeypatch.setenv("MAILBOT_SMTP_HOST", smtp_sink.host)
    monkeypatch.setenv("MAILBOT_SMTP_PORT", str(smtp_sink.port))
    monkeypatch.setenv("MAILBOT_SMTP_SECURITY", "none")
    monkeypatch.setenv("MAILBOT_FROM_ADDRESS", "monitoring@huisverbod.test")
    monkeypatch.setattr(common, "now", lambda: NOW)
    ok(["init"])
    ok(["org", "add", "Utrecht", "--kind", "gemeente"])
    ok(["address", "add", "Utrecht", "huisverbod@utrecht.nl"])
    ok(["org", "add", "Zeist", "--kind", "gemeente"])
    ok(["address", "add", "Zeist", "wth@zeist.nl"])
    ok(["address", "add", "Zeist", "veiligthuis@zeist.nl"])
    return database_url


def replies(url: str) -> list[Reply]:
    engine = db.make_engine(url)
    with Session(engine) as session:
        rows = list(session.exec(select(Reply)))
    engine.dispose()
    return rows


def store_utrecht(url: str, when: datetime, late: bool = False) -> None:
    engine = db.make_engine(url)
    with db.session_scope(engine) as session:
        utrecht = session.exec(select(Organisation).where(Organisation.name == "Utrecht")).one()
        form = load_form("gemeente")
        submissions.store(session, when, utrecht, "2026-H1", form, dict.fromkeys(form.keys, 1),
                          sender="huisverbod@utrecht.nl", person_name=None, inbound_id=None,
                          late=late)
        zeist = session.exec(select(Organisation).where(Organisation.name == "Zeist")).one()
        orgs.audit(session, when, "mailbot", "bounce", zeist, "veiligthuis@zeist.nl")
    engine.dispose()


def test_round_open_dry_run_shows_who_would_get_what_and_sends_nothing(
    cli_db: str, smtp_sink: Any
) -> None:
    output = ok(["round", "open", "2026-H1", "--dry-run"])

    assert output == (
        "Ronde 2026-H1 zou nu openen; uiterste datum 12-08-2026.\n"
        "Uitnodigingen: 3 e-mail(s) aan 2 organisatie(s) zouden gaan (--dry-run: niets "
        "verstuurd).\n")
    assert replies(cli_db) == [] and smtp_sink.messages == []
    with Session(db.make_engine(cli_db)) as session:
        assert session.exec(select(Round)).all() == []


def test_round_open_invites_every_address_once_and_later_only_new_ones(
    cli_db: str, smtp_sink: Any
) -> None:
    output = ok(["round", "open", "2026-H1"])

    assert "Ronde 2026-H1 is open; uiterste datum 12-08-2026." in output
    assert "Uitnodigingen: 3 e-mail(s) aan 2 organisatie(s) klaargezet." in output
    assert sorted(r for m in smtp_sink.wait_for(3) for r in m.rcpt_tos) == [
        "huisverbod@utrecht.nl", "veiligthuis@zeist.nl", "wth@zeist.nl"]
    assert "Uitnodigingen: 0 e-mail(s) aan 0 organisatie(s)" in ok(["round", "open", "2026-H1"])

    ok(["address", "add", "Utrecht", "tweede@utrecht.nl"])
    assert "Uitnodigingen: 1 e-mail(s) aan 1 organisatie(s) zouden gaan" in ok(
        ["round", "open", "2026-H1", "--dry-run"])
    ok(["round", "open", "2026-H1"])
    assert [m.rcpt_tos for m in smtp_sink.wait_for(4)[3:]] == [["tweede@utrecht.nl"]]
    assert len(replies(cli_db)) == 4


def test_round_open_refuses_a_half_year_that_has_not_ended(cli_db: str) -> None:
    assert "nog niet voorbij" in fails(["round", "open", "2026-H2"])
    assert "nog niet voorbij" in fails(["round", "open", "2026-H2", "--dry-run"])
    assert "onbekende periode" in fails(["round", "open", "2026-3"])


def test_round_status_shows_figures_reminders_lateness_and_bounces(
    cli_db: str, smtp_sink: Any
) -> None:
    assert "nog niet geopend" in ok(["round", "status", "2026-H1"])
    ok(["round", "open", "2026-H1"])
    store_utrecht(cli_db, datetime(2026, 8, 20, 10, 0, tzinfo=UTC), late=True)
    ok(["round", "remind", "2026-H1"])

    output = ok(["round", "status", "2026-H1"])

    assert "geopend 01-07-2026 11:30 door admin" in output  # 09:30 UTC in Dutch summer time
    assert "Uiterste datum: 12-08-2026. Tijden in Nederlandse tijd (Europe/Amsterdam)." in output
    assert "reminder:3" in output and "gepland" in output
    lines = {line.split()[0]: line.split() for line in output.splitlines() if line}
    assert lines["Utrecht"][1:] == ["gemeente", "20-08-2026", "12:00", "1", "0", "ja", "-"]
    assert lines["Zeist"][1:] == ["gemeente", "-", "-", "1", "-", "veiligthuis@zeist.nl"]
    assert "1 van 2 ingestuurd, 1 ontbreken." in output


def test_round_remind_goes_only_to_the_missing_and_at_most_once_a_day(
    cli_db: str, smtp_sink: Any
) -> None:
    assert "nog niet geopend" in fails(["round", "remind", "2026-H1", "--dry-run"])
    ok(["round", "open", "2026-H1"])
    smtp_sink.wait_for(3)
    store_utrecht(cli_db, NOW)

    dry = ok(["round", "remind", "2026-H1", "--dry-run"])
    assert "Herinneringen: 2 e-mail(s) aan 1 organisatie(s) zouden gaan" in dry
    assert len(replies(cli_db)) == 3

    ok(["round", "remind", "2026-H1"])
    assert sorted(r for m in smtp_sink.wait_for(5)[3:] for r in m.rcpt_tos) == [
        "veiligthuis@zeist.nl", "wth@zeist.nl"]
    # The dry run knows what the real run knows: one manual reminder a day.
    assert ok(["round", "remind", "2026-H1", "--dry-run"]) == (
        "Herinneringen: 0 e-mail(s) aan 0 organisatie(s) zouden gaan (--dry-run: niets "
        "verstuurd).\nGeen e-mail: 1 organisatie(s) vandaag al herinnerd.\n")
    assert "Geen e-mail: 1 organisatie(s) vandaag al herinnerd." in ok(
        ["round", "remind", "2026-H1"])
    assert len(replies(cli_db)) == 5


def test_round_open_names_only_the_organisations_no_mail_can_reach(
    cli_db: str, smtp_sink: Any
) -> None:
    ok(["org", "add", "Amersfoort", "--kind", "gemeente"])
    ok(["org", "add", "Eenheid Midden-Nederland", "--kind", "politie"])

    for args in (["round", "open", "2026-H1", "--dry-run"], ["round", "open", "2026-H1"]):
        output = ok(args)
        assert "Utrecht" not in output and "Zeist" not in output
        assert ("Zonder geregistreerd e-mailadres, geen e-mail: 2 organisatie(s) "
                "(mailbot address add NAAM ADRES):\n"
                "  Amersfoort (gemeente)\n"
                "  Eenheid Midden-Nederland (politie)\n") in output

    assert "Amersfoort" in ok(["round", "remind", "2026-H1", "--dry-run"])


@pytest.mark.parametrize(("now", "said"), [
    (datetime(2026, 7, 4, 9, 30, tzinfo=UTC), "zaterdag"),
    (datetime(2027, 4, 27, 9, 30, tzinfo=UTC), "Koningsdag"),
])
def test_round_mail_by_hand_on_a_day_off_says_so_in_the_dry_run_and_the_real_run(
    cli_db: str, smtp_sink: Any, monkeypatch: pytest.MonkeyPatch, now: datetime, said: str
) -> None:
    monkeypatch.setattr(common, "now", lambda: now)

    note = f"Let op: vandaag is geen werkdag ({said}); de e-mails "
    assert note + "zouden toch nu gaan." in ok(["round", "open", "2026-H1", "--dry-run"])
    assert note + "gaan toch nu." in ok(["round", "open", "2026-H1"])
