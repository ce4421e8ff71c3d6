"""Accounts, secrets and mail commands, end to end: data only ever reaches registered addresses."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from mailbot.bot import Bot
from mailbot.daemon.schedule import tell_admins_of_requests
from mailbot.forms import load_form
from mailbot.inbound.pipeline import run_pass
from mailbot.store import db, orgs, requests
from mailbot.store.models import Address, Reply, Request
from mailbot.store.submissions import store
from tests.mails import simple_mail
from tests.stories import (
    ADMIN,
    FIGURES,
    SECRET,
    SEED_ANSWER,
    gegevens_csv,
    gegevens_xlsx,
    reply_from,
    submissions,
)

UTRECHT = "huisverbod@utrecht.nl"


def store_figures(bot: Bot, imap_account: Any, smtp_sink: Any) -> None:
    imap_account.append(reply_from(UTRECHT))
    run_pass(bot)
    smtp_sink.wait_for(1)
    smtp_sink.messages.clear()


def test_gegevens_goes_only_to_the_registered_sender_with_its_files(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    store_figures(bot, imap_account, smtp_sink)
    imap_account.append(simple_mail(
        f"Jan <{UTRECHT}>", "Mijn gegevens opvragen",
        "Stuur het overzicht naar boef@elders.nl alstublieft", Reply_To="boef@elders.nl",
    ))

    run_pass(bot)

    [sent] = smtp_sink.wait_for(1)
    assert sent.rcpt_tos == [UTRECHT]
    body = sent.message.get_body(("plain",)).get_content()
    assert "== Utrecht ==" in body and "2026-H1 (versie 1" in body
    assert "vraag 1       12   Aantal opgelegde huisverboden" in body
    rows = gegevens_csv(sent.message)
    assert {(r["Vraag"], int(r["Aantal"])) for r in rows} == set(FIGURES.items())
    assert SECRET not in sent.raw.decode()


def test_gegevens_files_open_in_dutch_excel_with_labels(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    frisian = "Súdwest-Fryslân"
    with db.session_scope(bot.engine) as session:
        org = orgs.add(session, bot.clock.now(), frisian, "gemeente")
        orgs.add_address(session, bot.clock.now(), frisian, "cijfers@sudwestfryslan.nl")
        store(session, bot.clock.now(), org, "2026-H1", load_form("gemeente"), FIGURES,
              sender="cijfers@sudwestfryslan.nl", person_name=None, inbound_id=None)
    imap_account.append(simple_mail("Jan <cijfers@sudwestfryslan.nl>", "GEGEVENS"))

    run_pass(bot)

    [sent] = smtp_sink.wait_for(1)
    assert [p.get_filename() for p in sent.message.iter_attachments()] == [
        "gegevens.xlsx", "gegevens.csv"]
    book = gegevens_xlsx(sent.message)
    first = book[0]
    assert first["Organisatie"] == frisian and first["Periode"] == "2026-H1"
    assert first["Vraag"] == "1" and first["Aantal"] == 12  # a number, not text
    assert first["Omschrijving"] == "Aantal opgelegde huisverboden"
    assert {(r["Vraag"], r["Aantal"]) for r in book} == set(FIGURES.items())
    rows = gegevens_csv(sent.message)
    assert list(rows[0])[:6] == ["Periode", "Organisatie", "Formulier", "Vraag",
                                 "Omschrijving", "Aantal"]
    assert rows[0]["Organisatie"] == frisian
    assert rows[0]["Omschrijving"] == "Aantal opgelegde huisverboden"
    page = sent.message.get_body(("html",)).get_content()
    assert "<table" in page and f">{frisian}</h2>" in page
    assert '<td style="text-align: right; padding: 0.2rem 0.5rem;">12</td>' in page


def test_gegevens_from_an_unregistered_address_gets_no_data(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    store_figures(bot, imap_account, smtp_sink)
    imap_account.append(simple_mail("boef@elders.nl", "GEGEVENS"))

    run_pass(bot)

    [sent] = smtp_sink.wait_for(1)
    assert sent.rcpt_tos == ["boef@elders.nl"]
    assert SEED_ANSWER in sent.message.get_content()
    assert "12" not in sent.message.get_content() and not list(sent.message.iter_attachments())


def test_account_request_is_checked_by_an_admin_and_approval_mails_a_secret(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    imap_account.append(simple_mail("p.jansen@utrecht.nl", "ACCOUNT",
                                    "Gemeente: Utrecht\nNaam: Piet Jansen\n"))
    run_pass(bot)
    tell_admins_of_requests(bot)  # the daemon's job
    run_pass(bot)

    ack, notice = sorted(smtp_sink.wait_for(2), key=lambda m: m.rcpt_tos[0] == ADMIN)
    assert ack.rcpt_tos == ["p.jansen@utrecht.nl"]
    assert "aanvraag" in ack.message.get_content().lower()
    assert notice.rcpt_tos == [ADMIN]
    assert "mailbot request approve 1" in notice.message.get_content()
    smtp_sink.messages.clear()

    with db.session_scope(bot.engine) as session:
        [(request, org_name)] = requests.listing(session)
        assert (request.kind, request.sender, org_name) == ("account", "p.jansen@utrecht.nl",
                                                            "Utrecht")
        requests.approve(session, bot.settings, bot.renderer, bot.clock.now(), request.id)
    run_pass(bot)  # sends the outbox

    secrets_sent = smtp_sink.wait_for(2)
    assert sorted(m.rcpt_tos[0] for m in secrets_sent) == ["huisverbod@utrecht.nl",
                                                           "p.jansen@utrecht.nl"]
    new_secret = _secret_in(secrets_sent[0].message.get_content())
    with Session(bot.engine) as session:
        registered = session.exec(select(Address.email)).all()
        assert "p.jansen@utrecht.nl" in registered
        assert all(r.raw == b"" for r in session.exec(select(Reply)) if r.kind == "secret")
    smtp_sink.messages.clear()

    # The old secret stops working; the new one works from the new address.
    imap_account.append(reply_from("p.jansen@utrecht.nl", secret=SECRET))
    imap_account.append(reply_from("p.jansen@utrecht.nl", secret=new_secret,
                                   figures={**FIGURES, "1": 13}))
    run_pass(bot)
    refused, confirmed = smtp_sink.wait_for(2)
    assert SEED_ANSWER in refused.message.get_content()
    assert "bevestiging Utrecht" in confirmed.message["Subject"]
    assert [s.revision for s in submissions(bot)] == [1]


def test_rejected_request_gets_a_polite_notice(bot: Bot, imap_account: Any,
                                              smtp_sink: Any) -> None:
    imap_account.append(simple_mail("iemand@gmail.com", "Account aanvragen"))
    run_pass(bot)
    smtp_sink.wait_for(1)
    smtp_sink.messages.clear()
    with db.session_scope(bot.engine) as session:
        [(request, _)] = requests.listing(session)
        requests.reject(session, bot.settings, bot.renderer, bot.clock.now(), request.id,
                        "Gebruik het adres van uw gemeente.")
    run_pass(bot)
    [sent] = smtp_sink.wait_for(1)
    assert sent.rcpt_tos == ["iemand@gmail.com"]
    assert "niet toegekend" in sent.message.get_content()
    assert "Gebruik het adres van uw gemeente." in sent.message.get_content()
    with Session(bot.engine) as session:
        assert session.exec(select(Request)).one().state == "rejected"


def test_wachtwoord_from_a_registered_address_queues_a_request_and_approval_resets(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    imap_account.append(simple_mail(UTRECHT, "Wachtwoord vergeten"))
    imap_account.append(simple_mail("boef@elders.nl", "WACHTWOORD"))
    run_pass(bot)
    received = smtp_sink.wait_for(2)
    to_boef = [m for m in received if m.rcpt_tos == ["boef@elders.nl"]]
    assert len(to_boef) == 1 and SEED_ANSWER in to_boef[0].message.get_content()
    smtp_sink.messages.clear()

    with db.session_scope(bot.engine) as session:
        [(request, org_name)] = requests.listing(session)
        assert (request.kind, org_name) == ("wachtwoord", "Utrecht")
        requests.approve(session, bot.settings, bot.renderer, bot.clock.now(), request.id)
    run_pass(bot)
    [secret_mail] = smtp_sink.wait_for(1)
    assert secret_mail.rcpt_tos == [UTRECHT]
    new_secret = _secret_in(secret_mail.message.get_content())
    assert new_secret != SECRET


def test_secret_send_replaces_the_secret_and_mails_every_address(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    with db.session_scope(bot.engine) as session:
        orgs.add_address(session, bot.clock.now(), "Utrecht", "veiligthuis@vtu.nl")
        org = orgs.require(session, "Utrecht")
        requests.send_new_secret(session, bot.settings, bot.renderer, bot.clock.now(), org,
                                 basis="test")
    run_pass(bot)
    sent = smtp_sink.wait_for(2)
    assert sorted(m.rcpt_tos[0] for m in sent) == [UTRECHT, "veiligthuis@vtu.nl"]
    assert _secret_in(sent[0].message.get_content()) == _secret_in(sent[1].message.get_content())


def _secret_in(body: str) -> str:
    line = next(x for x in body.splitlines() if x.startswith("    Wachtwoord: "))
    return line.partition(":")[2].strip()


def test_account_requests_reach_the_admins_as_one_digest_at_most_once_a_day(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    for name in ("piet", "kees", "anna"):
        imap_account.append(simple_mail(f"{name}@utrecht.nl", "ACCOUNT",
                                        f"Gemeente: Utrecht\nNaam: {name.title()}\n"))
    run_pass(bot)
    acks = smtp_sink.wait_for(3)
    assert sorted(m.rcpt_tos[0] for m in acks) == [
        "anna@utrecht.nl", "kees@utrecht.nl", "piet@utrecht.nl"]  # each one acknowledged
    smtp_sink.messages.clear()

    tell_admins_of_requests(bot)  # the daemon's job
    tell_admins_of_requests(bot)  # runs again before the outbox went out: nothing new
    run_pass(bot)

    [digest] = smtp_sink.wait_for(1)
    assert digest.rcpt_tos == [ADMIN] and "3 nieuwe aanvragen" in digest.message["Subject"]
    body = digest.message.get_content()
    for number, name in enumerate(("piet", "kees", "anna"), start=1):
        assert f"{name}@utrecht.nl" in body and f"mailbot request approve {number}" in body
    smtp_sink.messages.clear()

    bot.clock.advance(hours=1)  # type: ignore[attr-defined]
    imap_account.append(simple_mail("joop@utrecht.nl", "ACCOUNT", "Gemeente: Utrecht\n"))
    run_pass(bot)
    tell_admins_of_requests(bot)
    run_pass(bot)
    assert [m.rcpt_tos for m in smtp_sink.messages] == [["joop@utrecht.nl"]]  # only the ack

    bot.clock.advance(hours=bot.settings.request_digest_hours)  # type: ignore[attr-defined]
    tell_admins_of_requests(bot)
    run_pass(bot)
    digest = smtp_sink.wait_for(2)[1]
    assert digest.rcpt_tos == [ADMIN] and "1 nieuwe aanvraag" in digest.message["Subject"]
    assert "joop@utrecht.nl" in digest.message.get_content()
    assert "piet@utrecht.nl" not in digest.message.get_content()
