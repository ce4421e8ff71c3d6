"""The admin CLI, called as the admin calls it (on SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from mailbot.cli import app
from mailbot.config import Settings
from mailbot.store import db
from mailbot.store.models import Address, Secret

runner = CliRunner()
ROOT = Path(__file__).parent.parent.parent


@pytest.fixture
def cli_db(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("MAILBOT_DATABASE_URL", database_url)
    ok(["init"])
    return database_url


def ok(args: list[str]) -> str:
    result = runner.invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def fails(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    return result.output


def test_init_is_idempotent(cli_db: str) -> None:
    assert "Database bijgewerkt" in ok(["init"])


def test_org_add_and_list_show_aliases_and_addresses(cli_db: str) -> None:
    ok(["org", "add", "'s-Hertogenbosch", "--kind", "gemeente", "--code", "GM0796",
        "--region", "Brabant-Noord", "--alias", "Den Bosch"])
    ok(["address", "add", "den bosch", "Huisverbod@S-Hertogenbosch.NL"])
    listing = ok(["org", "list"])
    assert "'s-Hertogenbosch [GM0796] – gemeente (ook: Den Bosch); geen wachtwoord" in listing
    assert "huisverbod@s-hertogenbosch.nl" in listing


def test_a_name_or_alias_cannot_be_registered_twice(cli_db: str) -> None:
    ok(["org", "add", "Utrecht", "--kind", "gemeente"])
    assert "al in gebruik" in fails(["org", "add", "utrecht", "--kind", "gemeente"])
    assert "Onbekende soort" in fails(["org", "add", "X", "--kind", "provincie"])


def test_a_bad_address_is_refused_and_nothing_is_written(cli_db: str) -> None:
    ok(["org", "add", "Utrecht", "--kind", "gemeente"])
    assert "geen geldig e-mailadres" in fails(["address", "add", "Utrecht", "geen adres@x"])
    assert "Onbekende organisatie" in fails(["address", "add", "Nergenshuizen", "a@b.nl"])
    with Session(db.make_engine(cli_db)) as session:
        assert session.exec(select(Address)).all() == []


def test_address_remove(cli_db: str) -> None:
    ok(["org", "add", "Utrecht", "--kind", "gemeente"])
    ok(["address", "add", "Utrecht", "a@utrecht.nl"])
    ok(["address", "remove", "Utrecht", "A@Utrecht.nl"])
    assert "niet geregistreerd" in fails(["address", "remove", "Utrecht", "a@utrecht.nl"])


def test_secret_set_prints_a_generated_secret_once_and_stores_only_a_hash(cli_db: str) -> None:
    ok(["org", "add", "Utrecht", "--kind", "gemeente"])
    output = ok(["secret", "set", "Utrecht"])
    secret = output.strip().rsplit(" ", 1)[-1]
    assert len(secret) == 19
    ok(["secret", "set", "Utrecht", "--secret", "mijn-eigen-geheim"])
    with Session(db.make_engine(cli_db)) as session:
        rows = session.exec(select(Secret)).all()
    assert len(rows) == 2 and sum(r.revoked_at is None for r in rows) == 1
    assert all(secret not in r.hash and "mijn" not in r.hash for r in rows)
    assert "minstens 8" in fails(["secret", "set", "Utrecht", "--secret", "kort"])


def test_template_prints_the_form(cli_db: str) -> None:
    output = ok(["template", "--kind", "gemeente", "--period", "2026-H1"])
    assert output.startswith("Onderwerp: Monitoringsysteem Huisverbod: gegevens 2026-H1")
    for line in ("Gemeente:", "Naam:", "E-mailadres:", "Wachtwoord:", "Periode: 2026-H1",
                 "1. Aantal opgelegde huisverboden:", "7b. Aantal gestarte "
                 "hulpverleningstrajecten voor achterblijvende partner:",
                 "10. Aantal (hoger) beroepen:", "Toelichting: aantal keer dat een beschikking"):
        assert line in output
    assert "Politie-eenheid:" in ok(["template", "--kind", "politie"])
    assert "onbekende periode" in fails(["template", "--period", "2026-H3"])


def test_export_of_an_empty_database_is_just_the_header(cli_db: str) -> None:
    assert ok(["export", "--format", "csv"]) == "period,organisation,form,question,value\n"


@pytest.mark.parametrize(
    "command",
    [["init"], ["org", "add"], ["org", "list"], ["org", "unlock"], ["address", "add"],
     ["address", "remove"], ["secret", "set"], ["template"], ["run"], ["export"]],
)
def test_every_command_has_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Voorbeeld: mailbot" in result.output


def test_request_list_approve_reject_and_audit(cli_db: str) -> None:
    from mailbot.dates.clock import SystemClock
    from mailbot.store import requests as account_requests

    ok(["org", "add", "Utrecht", "--kind", "gemeente"])
    with db.session_scope(db.make_engine(cli_db)) as session:
        for sender in ("p.jansen@utrecht.nl", "iemand@gmail.com"):
            account_requests.open_request(
                session, SystemClock().now(), "account", sender, claimed_org="Utrecht",
                org=None, person_name="Piet", inbound_id=None,
            )
    listing = ok(["request", "list"])
    assert "p.jansen@utrecht.nl" in listing and "iemand@gmail.com" in listing
    approved = ok(["request", "approve", "1"])
    assert "goedgekeurd" in approved and "wachten in de uitgaande post" in approved
    assert "al afgehandeld" in fails(["request", "approve", "1"])
    assert "afgewezen" in ok(["request", "reject", "2", "--reason", "Geen gemeente-adres"])
    assert "Geen openstaande aanvragen" in ok(["request", "list"])
    assert "p.jansen@utrecht.nl" in ok(["org", "list"])
    trail = ok(["audit", "--since", "2000-01-01"])
    for action in ("org.add", "request.account", "request.approve.account", "address.add",
                   "secret.set", "request.reject.account"):
        assert action in trail
    assert "onbekende datum" in fails(["audit", "--since", "gisteren"])


def test_status_needs_an_operator_before_the_first_pass(cli_db: str) -> None:
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 1
    assert "nog nooit" in result.output and "AANDACHT" in result.output


def test_settings_never_show_a_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILBOT_CONFIG", "/nonexistent/mailbot.toml")
    monkeypatch.setenv("MAILBOT_SMTP_PASSWORD", "smtp-wachtwoord")
    settings = Settings(database_url="postgresql+psycopg://mailbot:db-wachtwoord@db/mailbot",
                        imap_password="imap-wachtwoord")  # type: ignore[arg-type]
    shown = f"{settings!r} {settings}"
    for password in ("smtp-wachtwoord", "db-wachtwoord", "imap-wachtwoord"):
        assert password not in shown
    assert settings.imap_password.get_secret_value() == "imap-wachtwoord"
    assert settings.smtp_password.get_secret_value() == "smtp-wachtwoord"


def test_a_crash_prints_no_local_variables(tmp_path: Path) -> None:
    # A database of a kind no driver knows: `mailbot init` fails with a traceback (one that
    # cannot be reached is a line of its own: tests/admin/test_cli_database.py).
    env = {key: value for key, value in os.environ.items() if not key.startswith("MAILBOT_")}
    env |= {"MAILBOT_CONFIG": "/nonexistent/mailbot.toml",
            "MAILBOT_DATABASE_URL": "nosuchdb://mailbot:db-wachtwoord@127.0.0.1:1/x",
            "MAILBOT_IMAP_PASSWORD": "imap-wachtwoord", "COLUMNS": "200"}
    result = subprocess.run([sys.executable, "-m", "mailbot", "init"], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    output = result.stdout + result.stderr
    assert result.returncode == 1 and "NoSuchModuleError" in output
    assert "imap-wachtwoord" not in output and "db-wachtwoord" not in output
