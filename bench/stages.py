"""Where the time of a pass goes, measured from outside mailbot by wrapping its functions.

Timing is exclusive: when a timed function calls another one (an SQL statement inside `auth`,
argon2 inside `auth`), the inner time counts for the inner stage only. So the stages and
`other` (everything unwrapped: pipeline glue, handler logic) add up to the wall time of the
pass. The database is two stages: `sql` is the time in the driver (statements, COMMIT and
ROLLBACK round trips, the database's own work), `orm` what SQLAlchemy and SQLModel add around it
(session calls such as `exec`, `get`, `refresh`, `flush`, `commit`).

Only the pipeline's own thread adds up to the wall time. What mailbot does beside it (the
read-ahead thread reading messages, argon2 on its workers: mailbot/inbound/ahead.py) is timed the
same way per thread and summed in `beside`; the time the pipeline waits for such a check to finish
counts as `argon2` on its own thread.
"""

from __future__ import annotations

import functools
import sqlite3
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

# Stages in the order the pipeline meets them; `other` is the rest.
STAGES = ("fetch", "archive", "read", "classify", "parse", "auth", "argon2", "orm", "sql",
          "render", "queue", "send", "move", "other")
# Timed as another stage, counted apart: the pipeline waiting for argon2 run beside it.
_TIMED_AS = {"argon2_wait": "argon2"}
# The six stages the benchmark reports and the fine stages they are made of.
GROUPS = {
    "fetch": ("fetch",),
    "parse": ("archive", "read", "classify", "parse"),
    "auth": ("auth", "argon2"),
    "database": ("orm", "sql"),
    "reply": ("render", "queue", "send"),
    "move": ("move",),
    "other": ("other",),
}


class Stopwatch:
    """A stack of running stages per thread; time always accrues to the innermost one."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)  # the pipeline's thread
        self.beside: dict[str, float] = defaultdict(float)  # all other threads, summed
        self.calls: dict[str, int] = defaultdict(int)
        self.statements: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])  # count, s
        # The same for the pipeline's thread alone: only its time adds up to the wall time (a
        # statement of the read-ahead thread also counts the GIL waits it spends there).
        self.pipeline_statements: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
        self.driver_calls: dict[str, int] = defaultdict(int)  # commit, rollback
        self._lock = threading.Lock()
        self.reset()

    def _totals(self) -> dict[str, float]:
        return self.seconds if self.on_pipeline() else self.beside

    def on_pipeline(self) -> bool:
        """Whether the calling thread is the pipeline's."""
        return threading.get_ident() == self._main

    def _stack(self) -> list[Any]:
        """[stage, stage, ..., mark] of the calling thread."""
        ident = threading.get_ident()
        stack = self._stacks.get(ident)
        if stack is None:
            stack = self._stacks[ident] = ["other", time.perf_counter()]
        return stack

    def enter(self, stage: str) -> None:
        now = time.perf_counter()
        stack = self._stack()
        with self._lock:
            self._totals()[stack[-2]] += now - stack[-1]
            self.calls[stage] += 1
        stack[-1:] = [_TIMED_AS.get(stage, stage), now]

    def leave(self) -> None:
        now = time.perf_counter()
        stack = self._stack()
        with self._lock:
            self._totals()[stack[-2]] += now - stack[-1]
        stack[-2:] = [now]

    def reset(self) -> None:
        """Forget what was timed so far (set-up); wrappers made earlier keep working. The
        calling thread is the pipeline's."""
        self.seconds.clear()
        self.beside.clear()
        self.calls.clear()
        self.statements.clear()
        self.pipeline_statements.clear()
        self.driver_calls.clear()
        self._main = threading.get_ident()
        self._stacks: dict[int, list[Any]] = {}

    def settle(self) -> None:
        """Book the time since the last event, so the totals are up to date."""
        self.enter("other")
        self.leave()
        self.calls["other"] -= 1
        self.beside.pop("other", None)  # idle threads waiting for work

    def timed(self, stage: str, func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            self.enter(stage)
            try:
                return func(*args, **kwargs)
            finally:
                self.leave()

        wrapper.__bench_original__ = func  # type: ignore[attr-defined]
        return wrapper


def _targets() -> list[tuple[str, str, str]]:
    """(module or class path, attribute, stage): what is wrapped."""
    return [
        ("mailbot.inbound.imap:Mailbox", "fetch", "fetch"),
        ("mailbot.inbound.imap:Mailbox", "pending_uids", "fetch"),
        ("mailbot.inbound.imap:Mailbox", "move", "move"),
        ("mailbot.inbound.imap:Mailbox", "replace", "move"),  # a masked copy filed
        ("mailbot.inbound.archive", "archive", "archive"),
        ("mailbot.inbound.archive", "archive_group", "archive"),
        # Reading runs in the reading worker (mailbot.reader.worker): what counts here is the wait
        # for it, by the pipeline (taking a message read ahead) or by the read-ahead thread.
        ("mailbot.reader.worker:Reader", "read", "read"),
        ("mailbot.inbound.ahead:ReadAhead", "take", "read"),
        ("mailbot.inbound.classify", "classify", "classify"),
        ("mailbot.reader.parse", "parse", "parse"),
        ("mailbot.login.auth", "authenticate", "auth"),
        ("mailbot.login.passwords", "verify", "argon2"),
        # The pipeline waiting for a check its read-ahead thread started.
        ("concurrent.futures:Future", "result", "argon2_wait"),
        ("mailbot.outbound.render:Renderer", "mail", "render"),
        ("mailbot.outbound.outbox", "queue", "queue"),
        ("mailbot.outbound.outbox", "flush", "send"),
        *[("sqlmodel:Session", name, "orm")
          for name in ("exec", "execute", "get", "refresh", "flush", "commit", "scalar")],
    ]


def install(watch: Stopwatch, engine: Any) -> list[str]:
    """Wrap every target wherever mailbot bound it; returns the stages that found nothing."""
    import mailbot.inbound.pipeline  # noqa: F401  (imports every module a pass uses)

    missing = []
    for path, attribute, stage in _targets():
        owner = _resolve(path)
        original = getattr(owner, attribute, None) if owner is not None else None
        if original is None:
            missing.append(f"{path}.{attribute}")
            continue
        wrapper = watch.timed(stage, original)
        setattr(owner, attribute, wrapper)
        if ":" not in path:
            _rebind(original, wrapper)
    _time_driver(watch, engine)
    return missing


def _resolve(path: str) -> Any:
    module_name, _, class_name = path.partition(":")
    __import__(module_name)
    module = sys.modules[module_name]
    return getattr(module, class_name, None) if class_name else module


def _rebind(original: Any, wrapper: Any) -> None:
    """`from mailbot.x import f` made a second name for f: wrap it there too."""
    for name, module in list(sys.modules.items()):
        if not (name == "mailbot" or name.startswith("mailbot.")) or module is None:
            continue
        for attribute, value in list(vars(module).items()):
            if value is original:
                setattr(module, attribute, wrapper)


def _time_driver(watch: Stopwatch, engine: Any) -> None:
    """Every SQL statement, also those the ORM issues on its own (lazy loads, flushes), and
    every COMMIT and ROLLBACK (the pool rolls back each connection it gets back)."""
    from sqlalchemy import event

    # One statement at a time per thread; a failed one gets no `after`.
    running: dict[int, tuple[str, float]] = {}

    def before(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        running[threading.get_ident()] = (statement, time.perf_counter())
        watch.enter("sql")

    def after(*_: Any) -> None:
        started_statement = running.pop(threading.get_ident(), None)
        if started_statement is not None:
            statement, started = started_statement
            watch.leave()
            text, seconds = " ".join(statement.split())[:160], time.perf_counter() - started
            for table in ((watch.statements, watch.pipeline_statements) if watch.on_pipeline()
                          else (watch.statements,)):
                table[text][0] += 1
                table[text][1] += seconds

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    event.listen(engine, "handle_error", after)
    for name in ("do_commit", "do_rollback"):
        setattr(engine.dialect, name, _counted(watch, name[3:], getattr(engine.dialect, name)))


def _counted(watch: Stopwatch, name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    timed = watch.timed("sql", func)

    @functools.wraps(func)
    def wrapper(dbapi_connection: Any, *args: Any, **kwargs: Any) -> Any:
        if _in_transaction(dbapi_connection):  # else the driver sends nothing
            watch.driver_calls[name] += 1
        return timed(dbapi_connection, *args, **kwargs)

    return wrapper


def _in_transaction(connection: Any) -> bool:
    """Whether a COMMIT or ROLLBACK on this (pooled) connection reaches the database: a
    transaction is open (never in autocommit mode)."""
    driver = getattr(connection, "dbapi_connection", connection)
    if isinstance(driver, sqlite3.Connection):
        return driver.in_transaction
    return int(driver.info.transaction_status) != 0  # psycopg: 0 is IDLE


def overhead_per_call() -> float:
    """Seconds one timed call costs on this machine (wrapper, enter and leave)."""
    watch = Stopwatch()
    probe = watch.timed("probe", lambda: None)
    rounds = 20_000
    started = time.perf_counter()
    for _ in range(rounds):
        probe()
    return (time.perf_counter() - started) / rounds
