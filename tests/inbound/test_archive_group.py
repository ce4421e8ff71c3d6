"""The messages of a batch not seen before are archived in groups: one statement and one commit
for up to `GROUP` of them, each row claimed as a single archive would claim it."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import Session, col, select

from mailbot.bot import Bot
from mailbot.inbound import pipeline, steps
from mailbot.inbound.pipeline import run_pass
from mailbot.store.models import Inbound, Reply
from tests.inbound.test_faults_crash import crash_at_step, crash_once
from tests.stories import FIGURES, reply_from, statements, submissions

UTRECHT = "huisverbod@utrecht.nl"


def _inbound_inserts(seen: list[str]) -> list[str]:
    return [statement for statement in seen if statement.startswith("INSERT INTO inbound ")]


def _rows(bot: Bot) -> list[Inbound]:
    with Session(bot.engine) as session:
        return list(session.exec(select(Inbound).order_by(col(Inbound.id))))


def _figures(first: int) -> dict[str, object]:
    return {**FIGURES, "1": first}


def test_new_messages_are_archived_in_one_statement_and_handled_in_order(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    for figure in range(1, 6):
        imap_account.append(reply_from(UTRECHT, figures=_figures(figure)))
    seen = statements(bot)

    assert run_pass(bot).outcomes == {"processed": 5}

    assert len(_inbound_inserts(seen)) == 1
    rows = _rows(bot)
    assert [row.uid for row in rows] == sorted(row.uid for row in rows)
    assert all((row.state, row.attempts) == ("filed", 1) for row in rows)
    assert [s.revision for s in submissions(bot)] == [1, 2, 3, 4, 5]
    assert len(smtp_sink.wait_for(5)) == 5 and imap_account.uids("INBOX") == []


def test_a_second_copy_in_the_same_batch_maps_onto_the_first_ones_row(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    raw = reply_from(UTRECHT)
    imap_account.append(raw)
    imap_account.append(raw)  # delivered twice: the same Message-ID

    run_pass(bot)

    assert len(_rows(bot)) == 1 and len(submissions(bot)) == 1
    with Session(bot.engine) as session:
        assert len(session.exec(select(Reply)).all()) == 1
    assert imap_account.uids("INBOX") == []


def test_claims_taken_ahead_are_given_back_when_the_pass_stops_at_a_held_message(
    bot: Bot, imap_account: Any, smtp_sink: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    imap_account.append(reply_from(UTRECHT, figures=_figures(1)))
    crash_once(monkeypatch, steps, "dispatch", bot)  # its claim stays a while
    for figure in (2, 3, 4):
        imap_account.append(reply_from(UTRECHT, figures=_figures(figure)))

    assert run_pass(bot).handled == 0  # stopped at the held first mail

    # The three behind it were archived ahead, then given back: not started, nobody's.
    held, *behind = _rows(bot)
    assert (held.state, held.attempts) == ("working", 1)
    assert [(row.state, row.attempts) for row in behind] == [("new", 0)] * 3
    bot.clock.advance(seconds=bot.settings.claim_seconds + 1)  # type: ignore[attr-defined]
    assert run_pass(bot).outcomes == {"processed": 4}
    assert [s.revision for s in submissions(bot)] == [1, 2, 3, 4]
    assert [row.attempts for row in _rows(bot)] == [2, 1, 1, 1]


def test_a_worker_dying_in_a_group_costs_the_rows_not_handled_one_attempt(
    bot: Bot, imap_account: Any, smtp_sink: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for figure in (1, 2, 3):
        imap_account.append(reply_from(UTRECHT, figures=_figures(figure)))
    handled: list[int] = []
    dispatch = steps.dispatch

    def dies_on_the_second(kind: str, ctx: Any) -> Any:
        if len(handled) == 1:
            raise KeyboardInterrupt  # nothing catches it: the worker is gone
        handled.append(ctx.inbound.id)
        return dispatch(kind, ctx)

    with monkeypatch.context() as patched:
        patched.setattr(steps, "dispatch", dies_on_the_second)
        with pytest.raises(KeyboardInterrupt):
            run_pass(bot)
    assert [row.state for row in _rows(bot)] == ["handled", "working", "working"]

    bot.clock.advance(seconds=bot.settings.claim_seconds + 1)  # type: ignore[attr-defined]
    assert run_pass(bot).outcomes == {"processed": 3}

    assert [s.revision for s in submissions(bot)] == [1, 2, 3]
    assert [row.attempts for row in _rows(bot)] == [1, 2, 2]
    assert len(smtp_sink.wait_for(3)) == 3 and imap_account.uids("INBOX") == []


def test_a_group_that_another_worker_archived_in_part_is_archived_one_by_one(
    bot: Bot, imap_account: Any, smtp_sink: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    imap_account.append(reply_from(UTRECHT, figures=_figures(1)))
    crash_at_step(monkeypatch, "read", bot)  # archived ...
    with Session(bot.engine) as session:  # ... and given back, as by another worker
        session.exec(update(Inbound).values(state="new", attempts=0))  # type: ignore[call-overload]
        session.commit()
    imap_account.append(reply_from(UTRECHT, figures=_figures(2)))
    # The other worker archived the first mail after this one looked: the group's INSERT fails.
    monkeypatch.setattr(pipeline, "archived", lambda _session, _keys: set())
    seen = statements(bot)

    assert run_pass(bot).outcomes == {"processed": 2}

    assert len(_inbound_inserts(seen)) == 2  # the group, rolled back; then the second mail
    assert len(_rows(bot)) == 2
    assert [s.revision for s in submissions(bot)] == [1, 2]
    assert len(smtp_sink.wait_for(2)) == 2 and imap_account.uids("INBOX") == []


def test_a_group_is_bounded_by_its_count(
    bot: Bot, imap_account: Any, smtp_sink: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "GROUP", 2)
    for figure in range(1, 6):
        imap_account.append(reply_from(UTRECHT, figures=_figures(figure)))
    seen = statements(bot)

    assert run_pass(bot).outcomes == {"processed": 5}

    assert len(_inbound_inserts(seen)) == 3  # 2 + 2 + 1


def _late_turns(
    bot: Bot, monkeypatch: pytest.MonkeyPatch, seconds: float, meanwhile: Any = None
) -> None:
    """The first message takes `seconds` to handle; `meanwhile` runs before it is done."""
    dispatch = steps.dispatch
    handled: list[int] = []

    def slow(kind: str, ctx: Any) -> Any:
        if not handled:
            bot.clock.advance(seconds=seconds)  # type: ignore[attr-defined]
            if meanwhile is not None:
                meanwhile()
        handled.append(ctx.inbound.id)
        return dispatch(kind, ctx)

    monkeypatch.setattr(steps, "dispatch", slow)


def test_a_claim_taken_ahead_is_renewed_when_its_turn_comes_late(
    bot: Bot, imap_account: Any, smtp_sink: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for figure in (1, 2):
        imap_account.append(reply_from(UTRECHT, figures=_figures(figure)))
    _late_turns(bot, monkeypatch, bot.settings.claim_seconds * 0.6)

    assert run_pass(bot).outcomes == {"processed": 2}

    first, second = _rows(bot)
    assert second.claimed_at is not None and first.claimed_at is not None
    assert second.claimed_at > first.claimed_at  # renewed at its turn, before it went stale
    assert [s.revision for s in submissions(bot)] == [1, 2]


def test_a_claim_taken_over_while_it_waited_for_its_turn_is_left_to_its_new_owner(
    bot: Bot, imap_account: Any, smtp_sink: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for figure in (1, 2, 3):
        imap_account.append(reply_from(UTRECHT, figures=_figures(figure)))

    def another_worker_takes_the_second() -> None:
        with Session(bot.engine) as session:
            second = session.exec(select(Inbound).order_by(col(Inbound.id))).all()[1]
            second.claimed_at, second.attempts = bot.clock.now(), second.attempts + 1
            session.add(second)
            session.commit()

    _late_turns(bot, monkeypatch, bot.settings.claim_seconds + 1, another_worker_takes_the_second)

    assert run_pass(bot).outcomes == {"processed": 1}  # stopped at the second: not ours

    _, second, third = _rows(bot)
    assert (second.state, second.attempts) == ("working", 2)  # the other worker's
    assert (third.state, third.attempts) == ("new", 0)  # given back
    assert [s.revision for s in submissions(bot)] == [1]
