"""Delivery: the report mail to the analysts and the feedback to each municipality, exactly
once (the first story on SQLite and PostgreSQL, the rest on SQLite)."""

from __future__ import annotations

import email
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from mailbot.config import Settings
from mailbot.dates.periods import Period
from mailbot.outbound.render import Renderer
from mailbot.reports import deliver, feedback, synthetic
from mailbot.reports.figures import load
from mailbot.reports.rates import rates
from mailbot.store import db, orgs
from mailbot.store.models import Milestone, Organisation, Reply

PERIOD = Period(2025, 2)
NOW = datetime(2026, 2, 20, 9, 0, tzinfo=UTC)
ANALYSTS = ["analist@minjenv.example", "monitor@vng.example"]


def world(url: str) -> Iterator[Engine]:
    """35 municipalities (every tenth) and the police units over two half years; six
    municipalities have a registered address."""
    engine = db.make_engine(url)
    db.init(engine)
    plan = synthetic.Plan((PERIOD.previous(), PERIOD), every=10, response=0.8)
    with db.session_scope(engine) as session:
        synthetic.populate(session, NOW - timedelta(days=30), plan)
        dataset = load(session)
        for org in dataset.submitters(str(PERIOD), "gemeente")[:6]:
            orgs.add_address(session, NOW, org.name, f"huisverbod@{org.code}.example".lower())
    yield engine
    engine.dispose()


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    yield from world(f"sqlite:///{tmp_path}/mailbot.db")


@pytest.fixture
def any_engine(database_url: str) -> Iterator[Engine]:
    yield from world(database_url)


def settings(**extra: object) -> Settings:
    values: dict[str, object] = {"report_addresses": ANALYSTS, **extra}
    return Settings(database_url="sqlite://", **values)  # type: ignore[arg-type]


def run(engine: Engine, config: Settings, now: datetime = NOW) -> tuple[int, int]:
    with db.session_scope(engine) as session:
        done = deliver(session, config, Renderer(), now, PERIOD)
    return done.report_recipients, done.feedback_orgs


def replies(engine: Engine, kind: str) -> list[Reply]:
    with Session(engine) as session:
        return list(session.exec(select(Reply).where(Reply.kind == kind)
                                 .order_by(col(Reply.id))))


def parsed(reply: Reply) -> EmailMessage:
    return email.message_from_bytes(reply.raw, policy=policy.default)  # type: ignore[return-value]


def test_the_report_goes_to_every_analyst_once(any_engine: Engine) -> None:
    engine = any_engine
    assert run(engine, settings()) == (2, 6)
    assert run(engine, settings(), NOW + timedelta(days=1)) == (0, 0)
    sent = replies(engine, "report")
    assert [r.recipient for r in sent] == ANALYSTS
    with Session(engine) as session:
        keys = set(session.exec(select(Milestone.key)))
    assert f"report:{PERIOD}" in keys
    assert sum(key.startswith(f"feedback:{PERIOD}:") for key in keys) == 6


def test_the_daily_reply_cap_does_not_drop_the_report(engine: Engine) -> None:
    # The cap stops reply loops; an analyst who mailed the bot often today still gets it.
    config = settings()
    with db.session_scope(engine) as session:
        for number in range(config.max_replies_per_day):
            session.add(Reply(recipient=ANALYSTS[0], subject="Re: x", kind="help",
                              message_id=f"<cap{number}@test>", raw=b"", created_at=NOW,
                              next_attempt_at=NOW))
    assert run(engine, config) == (2, 6)
    assert [r.recipient for r in replies(engine, "report")] == ANALYSTS


def test_the_report_mail_has_text_and_html_bodies_and_both_files(engine: Engine) -> None:
    run(engine, settings())
    message = parsed(replies(engine, "report")[0])
    assert message["Subject"] == "Monitoringsysteem Huisverbod: rapportage tweede halfjaar van 2025"
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    with Session(engine) as session:
        imposed = rates(load(session), str(PERIOD)).imposed
    assert "opgelegde huisverboden" in text and str(imposed) in text.replace(".", "")
    assert "<table" in html and "data:image" not in html  # mail clients block data: images
    files = {part.get_filename(): part.get_content() for part in message.iter_attachments()}
    assert set(files) == {"huisverbod-2025-H2.html", "huisverbod-2025-H2.xlsx"}
    assert "data:image/png;base64," in files["huisverbod-2025-H2.html"]
    book = openpyxl.load_workbook(io.BytesIO(files["huisverbod-2025-H2.xlsx"]))
    assert "landelijk" in book.sheetnames


def test_without_report_addresses_nothing_is_sent_and_nothing_recorded(engine: Engine) -> None:
    assert run(engine, settings(report_addresses=[], report_feedback=False)) == (0, 0)
    with Session(engine) as session:
        assert session.get(Milestone, f"report:{PERIOD}") is None
    assert run(engine, settings(report_feedback=False)) == (2, 0)


def test_feedback_compares_the_municipality_with_its_region_and_the_nation(
    engine: Engine,
) -> None:
    run(engine, settings(report_addresses=[]))
    sent = replies(engine, "feedback")
    assert len(sent) == 6
    with Session(engine) as session:
        dataset = load(session)
        org = next(o for o in dataset.orgs.values()
                   if o.code and sent[0].recipient == f"huisverbod@{o.code.lower()}.example")
        national = rates(dataset, str(PERIOD))
    body = parsed(sent[0]).get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert org.name in body and "uw gemeente" in body and "Nederland" in body
    assert f"{national.per_100k:.1f}".replace(".", ",") in body
    assert f"{national.extended_per_imposed:.2f}".replace(".", ",") in body
    answers = dataset.of(str(PERIOD), "gemeente", org) or {}
    assert f"vraag 1   {answers['1']:>6}" in body


def test_feedback_goes_only_to_municipalities_that_submitted(engine: Engine) -> None:
    with db.session_scope(engine) as session:
        dataset = load(session)
        absent = next(o for o in dataset.orgs.values() if o.kind == "gemeente"
                      and dataset.of(str(PERIOD), "gemeente", o) is None)
        orgs.add_address(session, NOW, absent.name, "stil@nergens.example")
    run(engine, settings(report_addresses=[]))
    assert "stil@nergens.example" not in {r.recipient for r in replies(engine, "feedback")}


def test_feedback_can_be_switched_off_and_sent_later(engine: Engine) -> None:
    assert run(engine, settings(report_addresses=[], report_feedback=False)) == (0, 0)
    assert replies(engine, "feedback") == []
    with db.session_scope(engine) as session:
        count = feedback(session, settings(), Renderer(), NOW, PERIOD)
    assert count == 6
    with db.session_scope(engine) as session:
        assert feedback(session, settings(), Renderer(), NOW, str(PERIOD)) == 0


def test_a_municipality_with_several_addresses_gets_one_mail_at_each(engine: Engine) -> None:
    with db.session_scope(engine) as session:
        first = load(session).submitters(str(PERIOD), "gemeente")[0]
        orgs.add_address(session, NOW, first.name, "veilig-thuis@partner.example")
        model = session.get(Organisation, first.id)
        assert model is not None and len(orgs.addresses_of(session, model)) == 2
    run(engine, settings(report_addresses=[]))
    recipients = [r.recipient for r in replies(engine, "feedback")]
    assert len(recipients) == 7 and "veilig-thuis@partner.example" in recipients


def test_report_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILBOT_REPORT_ADDRESSES", "a@minjenv.example, b@vng.example")
    monkeypatch.setenv("MAILBOT_REPORT_THRESHOLD", "10")
    monkeypatch.setenv("MAILBOT_REPORT_FEEDBACK", "false")
    config = Settings()
    assert config.report_addresses == ["a@minjenv.example", "b@vng.example"]
    assert (config.report_threshold, config.report_feedback) == (10, False)
    monkeypatch.delenv("MAILBOT_REPORT_ADDRESSES")
    assert Settings().report_addresses == []


def test_a_period_without_figures_still_gives_a_report(tmp_path: Path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path}/leeg.db")
    db.init(engine)
    with db.session_scope(engine) as session:
        orgs.add(session, NOW, "Utrecht", "gemeente", "GM0344", "Utrecht")
        done = deliver(session, settings(), Renderer(), NOW, PERIOD)
    assert (done.report_recipients, done.feedback_orgs) == (2, 0)
    html = parsed(replies(engine, "report")[0]).get_body(("html",))
    assert html is not None and "0 van 1" in html.get_content()
    engine.dispose()
