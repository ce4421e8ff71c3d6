"""A login is read in one statement (two when the name is no organisation's: its aliases;
four when it is no alias either: the organisation the name means once a word that only says its
kind is set aside, then its facts), and says the same as the lookups it stands for. A sender
not registered for the organisation it names costs one statement more: is it a stranger to
throttle (mailbot.login.strangers)?"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session

from mailbot.bot import Bot
from mailbot.login import auth, locks
from mailbot.store import orgs
from tests.stories import SECRET, statements


@pytest.mark.parametrize(("sender", "name", "secret", "logged_in", "statements_run"), [
    ("huisverbod@utrecht.nl", "Utrecht", SECRET, True, 1),
    ("huisverbod@utrecht.nl", "gemeente Utrecht", SECRET, True, 1),
    ("huisverbod@utrecht.nl", "Utrecht", "fout-fout-fout-fout", False, 1),
    ("onbekend@utrecht.nl", "Utrecht", SECRET, False, 2),
    ("huisverbod@utrecht.nl", "Zeist", SECRET, False, 2),
    ("huisverbod@utrecht.nl", "Nergenshuizen", SECRET, False, 4),
    ("huisverbod@utrecht.nl", "Utrecht (gemeente)", SECRET, True, 4),
    ("huisverbod@utrecht.nl", "gem. Utrecht", SECRET, True, 4),
])
def test_a_login_is_one_statement(
    db_bot: Bot, sender: str, name: str, secret: str, logged_in: bool, statements_run: int
) -> None:
    with Session(db_bot.engine) as session:
        seen = statements(db_bot)
        login = auth.authenticate(session, db_bot.settings, db_bot.clock.now(), sender, name,
                                  secret, db_bot.verified_secrets)
    selects = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == statements_run
    assert (login.org is not None) == logged_in
    claimed = login.claimed.name if login.claimed else None
    assert claimed == {"Nergenshuizen": None, "Zeist": "Zeist"}.get(name, "Utrecht")


@pytest.mark.parametrize("written", [
    "Eenheid Midden-Nederland", "Politie-eenheid Midden-Nederland", "Midden-Nederland",
    "Midden-Nederland (politie)", "Politie Regionale Eenheid Midden-Nederland",
])
def test_a_police_unit_logs_in_however_its_kind_is_written(db_bot: Bot, written: str) -> None:
    now = db_bot.clock.now()
    with Session(db_bot.engine) as session:
        for name, kind in (("Politie Midden-Nederland", "politie"), ("Amsterdam", "gemeente"),
                           ("Politie Amsterdam", "politie")):
            orgs.add(session, now, name, kind)
        orgs.add_address(session, now, "Politie Midden-Nederland", "hg@politie.nl")
        orgs.set_secret(session, now, "Politie Midden-Nederland", "eenheid-eenheid-1")
        session.commit()
        login = auth.authenticate(session, db_bot.settings, now, "hg@politie.nl", written,
                                  "eenheid-eenheid-1")
        assert login.org is not None and login.org.name == "Politie Midden-Nederland"
        # A qualifier names the kind: the police unit, never the municipality of that name.
        assert orgs.require(session, "Eenheid Amsterdam").name == "Politie Amsterdam"
        assert orgs.require(session, "Gemeente Amsterdam").name == "Amsterdam"
        assert orgs.require(session, "Amsterdam (gemeente)").name == "Amsterdam"


def test_bergen_nh_and_bergen_l_are_never_taken_for_each_other(db_bot: Bot) -> None:
    now = db_bot.clock.now()
    with Session(db_bot.engine) as session:
        orgs.add(session, now, "Bergen (NH.)", "gemeente")
        orgs.add(session, now, "Bergen (L.)", "gemeente")
        assert orgs.require(session, "Gemeente Bergen (NH.)").name == "Bergen (NH.)"
        assert orgs.require(session, "Bergen (L.) (gemeente)").name == "Bergen (L.)"
        assert orgs.find(session, "Gemeente Bergen") is None
        assert orgs.find(session, "Bergen") is None


def test_a_login_by_alias_and_a_locked_one(db_bot: Bot) -> None:
    now = db_bot.clock.now()
    with Session(db_bot.engine) as session:
        orgs.add(session, now, "'s-Hertogenbosch", "gemeente", aliases=("Den Bosch",))
        orgs.add_address(session, now, "'s-Hertogenbosch", "wmo@denbosch.nl")
        orgs.set_secret(session, now, "'s-Hertogenbosch", "bosch-bosch-bosch-bosch")
        session.commit()
        login = auth.authenticate(session, db_bot.settings, now, "wmo@denbosch.nl", "Den Bosch",
                                  "bosch-bosch-bosch-bosch")
        assert login.org is not None and login.org.name == "'s-Hertogenbosch"

        utrecht = orgs.require(session, "Utrecht")
        for _ in range(db_bot.settings.lockout_attempts):
            locks.record_guess(session, db_bot.settings, now, utrecht, "huisverbod@utrecht.nl")
        session.commit()
        locked = auth.authenticate(session, db_bot.settings, now, "huisverbod@utrecht.nl",
                                   "Utrecht", SECRET)
        assert locked.org is None and locked.claimed is not None and locked.guess
        later = now + timedelta(minutes=db_bot.settings.lockout_minutes + 1)
        assert auth.authenticate(session, db_bot.settings, later, "huisverbod@utrecht.nl",
                                 "Utrecht", SECRET).org is not None
        locks.lift(session, now, "Utrecht")  # an admin lifts it early
        assert auth.authenticate(session, db_bot.settings, now, "huisverbod@utrecht.nl",
                                 "Utrecht", SECRET).org is not None
