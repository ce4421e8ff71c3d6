"""Fault injection: a burst of submissions while the daemon is SIGKILLed and restarted.

A world of municipalities (registered, each with a secret) sends a burst of mail: the
half-year figures, corrections of them, and noise (auto-replies, wrong secrets, strangers).
One or more `mailbot run` daemons work on it while this script kills a random one with SIGKILL
at random moments and starts it again. At the end it checks what the issue promises:

- every municipality's current figures are those of its last mail, and its revisions follow
  the order of its mails (nothing stored twice, nothing lost, no correction overtaken);
- the inbox is empty and every stored row is filed; no reply is left waiting;
- every submission was confirmed; the noise got exactly the answers it should (auto-replies
  none at all);
- duplicate confirmations (a reply resent because its sender died between the SMTP server's
  "250" and the commit) are counted and reported.

The long run, with its own throw-away Dovecot, SMTP sink and (optionally) PostgreSQL:

    python bench/fault_injection.py --mails 300 --orgs 40 --kills 30 --database postgresql

It prints a JSON summary; the exit code is 1 when a promise was broken. The bounded form runs
in the test suite (tests/inbound/test_faults_kill.py) through `run_scenario`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

if __package__ in (None, ""):  # run as a script: the repository root holds mailbot and tests
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mailbot.forms import load_form
from mailbot.store import db, orgs
from mailbot.store.models import Answer, Inbound, Organisation, Reply, Submission
from tests.mails import BOT, filled_form, template_text, thunderbird_reply

ADMIN = "beheer@huisverbod.test"
NAMES = (
    "Utrecht", "Zeist", "Amersfoort", "Houten", "Nieuwegein", "Veenendaal", "Woerden",
    "IJsselstein", "De Bilt", "Bunnik", "Soest", "Baarn", "Leusden", "Woudenberg", "Renswoude",
    "Rhenen", "Wijk bij Duurstede", "Montfoort", "Oudewater", "Lopik", "Stichtse Vecht",
    "De Ronde Venen", "Eemnes", "Utrechtse Heuvelrug", "Vijfheerenlanden", "Amsterdam",
    "Rotterdam", "Groningen", "Leeuwarden", "Assen", "Zwolle", "Arnhem", "Nijmegen", "Tilburg",
    "Eindhoven", "Breda", "Maastricht", "Middelburg", "Haarlem", "Leiden", "Delft", "Gouda",
    "Almere", "Lelystad", "Dordrecht", "Alkmaar", "Hoorn", "Enschede", "Deventer", "Apeldoorn",
)
# Answers to mail without the right secret are capped per address, per day and per kind
# (MAILBOT_MAX_REPLIES_PER_DAY, default 10); a municipality's mails stay below it so that every
# one of them, wrong secrets too, must be answered.
MAILS_PER_ORG = 8
WRONG_SECRET = "fout-fout-fout-fout"
# A row still to be handled. ("handled" but not "filed" is no debt: a daemon killed after its
# MOVE and before recording it leaves that; the inbox check says whether the mail was filed.)
UNFINISHED = col(Inbound.state).in_(("new", "working"))


@dataclass(frozen=True)
class Org:
    name: str
    address: str
    secret: str


@dataclass(frozen=True)
class Mail:
    """One message of the burst and what must come of it."""

    kind: str  # submission | wrong_secret | auto_reply | stranger
    org: Org
    sender: str
    raw: bytes
    message_id: str
    figures: dict[str, int] = field(default_factory=dict)


def plan(seed: int, mails: int, org_count: int, noise: bool = True
         ) -> tuple[list[Org], list[Mail]]:
    """The world and the burst: about 80 % submissions (corrections included), 20 % noise."""
    rng = random.Random(seed)
    org_count = max(org_count, -(-mails // MAILS_PER_ORG))
    if org_count > len(NAMES):
        raise SystemExit(f"at most {len(NAMES) * MAILS_PER_ORG} mails: "
                         f"{len(NAMES)} municipalities, {MAILS_PER_ORG} mails each")
    world = [Org(name, f"wth@{name.lower().replace(' ', '-')}.nl", f"geheim-{n:04d}-{seed}")
             for n, name in enumerate(NAMES[:org_count])]
    slots = [org for org in world for _ in range(MAILS_PER_ORG)]
    rng.shuffle(slots)
    burst = [_mail(rng, org, n, noise) for n, org in enumerate(slots[:mails])]
    return world, burst


def _mail(rng: random.Random, org: Org, n: int, noise: bool) -> Mail:
    roll = rng.random() if noise else 0.0
    kind = ("submission" if roll < 0.8 else "wrong_secret" if roll < 0.88
            else "auto_reply" if roll < 0.94 else "stranger")
    keys = load_form("gemeente").keys
    figures = {key: rng.choice((0, 0, 1, 1, 2, 3, 4, 5, 7, 12)) for key in keys}
    # Each stranger writes from a domain of its own: strangers are throttled per domain too
    # (MAILBOT_MAX_UNKNOWN_REPLIES_PER_DOMAIN_PER_DAY), and every one here must be answered.
    sender = f"onbekend@elders{n}.nl" if kind == "stranger" else org.address
    secret = WRONG_SECRET if kind == "wrong_secret" else org.secret
    subject = "Automatisch antwoord: ik ben afwezig" if kind == "auto_reply" else ""
    raw = thunderbird_reply(sender, filled_form(org.name, secret, figures), template_text(),
                            subject=subject)
    if kind == "auto_reply":
        raw = b"Auto-Submitted: auto-replied\r\n" + raw
    message_id = _header(raw, b"Message-ID")
    return Mail(kind, org, sender, raw, message_id, figures if kind == "submission" else {})


def _header(raw: bytes, name: bytes) -> str:
    for line in raw.split(b"\n"):
        if line.lower().startswith(name.lower() + b":"):
            return line.split(b":", 1)[1].strip().decode()
    raise ValueError(f"no {name!r} header")


def register(engine: Engine, world: list[Org]) -> None:
    """Every municipality with its address and secret, as `mailbot org add` etc. would."""
    now = datetime.now(UTC)
    with db.session_scope(engine) as session:
        for org in world:
            orgs.add(session, now, org.name, "gemeente")
            orgs.add_address(session, now, org.name, org.address)
            orgs.set_secret(session, now, org.name, org.secret)


def daemon_env(database_url: str, imap: Any, smtp: Any, **extra: str) -> dict[str, str]:
    """The environment of a `mailbot run` against the test servers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILBOT_")}
    env.update({
        "MAILBOT_CONFIG": "/nonexistent/mailbot.toml", "MAILBOT_DATABASE_URL": database_url,
        "MAILBOT_IMAP_HOST": imap.host, "MAILBOT_IMAP_PORT": str(imap.port),
        "MAILBOT_IMAP_USER": imap.user, "MAILBOT_IMAP_PASSWORD": imap.password,
        "MAILBOT_IMAP_SECURITY": "none", "MAILBOT_SMTP_HOST": smtp.host,
        "MAILBOT_SMTP_PORT": str(smtp.port), "MAILBOT_SMTP_SECURITY": "none",
        "MAILBOT_FROM_ADDRESS": BOT, "MAILBOT_ADMIN_ADDRESSES": ADMIN,
        "MAILBOT_ROUND_AUTO": "false",  # no invitations in the middle of the burst
    })
    env.update({f"MAILBOT_{k.upper()}": v for k, v in extra.items()})
    return env


class Daemon:
    """One `python -m mailbot run`, its output appended to a log file."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env, self.log_path = env, log_path
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.started_at = datetime.now(UTC)
        self.crashes = 0  # exits nobody asked for

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "mailbot", "run"],
                                            env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.starts += 1
        self.started_at = datetime.now(UTC)

    def kill(self) -> None:
        """SIGKILL: no clean-up, no finally, exactly as a power cut would leave it."""
        if self.process is None:
            return
        if self.process.poll() is not None:
            self.crashes += 1
            return
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> int | None:
        """SIGTERM and wait; the exit code (None when it had to be killed)."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@dataclass
class Harness:
    """What a run needs from the world outside: the servers and how to look at them."""

    database_url: str
    imap: Any  # tests.servers.dovecot.ImapAccount
    smtp: Any  # tests.servers.smtp_sink.SmtpSink
    workdir: Path
    claim_seconds: int = 3


@contextmanager
def daemons(harness: Harness, count: int) -> Iterator[list[Daemon]]:
    """`count` daemons on the same mailbox and database, stopped with SIGTERM at the end."""
    env = daemon_env(harness.database_url, harness.imap, harness.smtp,
                     claim_seconds=str(harness.claim_seconds), poll_seconds="2",
                     outbox_seconds="1")
    running = [Daemon(env, harness.workdir / f"daemon-{n}.log") for n in range(count)]
    for daemon in running:
        daemon.start()
    try:
        yield running
    finally:
        for daemon in running:
            daemon.stop()


def run_scenario(harness: Harness, *, mails: int, orgs_count: int, kills: int,
                 daemon_count: int = 1, seed: int = 1, noise: bool = True,
                 timeout: float = 300) -> dict[str, Any]:
    """Register, send the burst, kill and restart, wait until the work is done; the summary."""
    started = time.monotonic()
    world, burst = plan(seed, mails, orgs_count, noise)
    engine = db.make_engine(harness.database_url)
    db.init(engine)
    register(engine, world)
    rng = random.Random(seed * 7919)
    claims_at_kill: list[int] = []
    with daemons(harness, daemon_count) as running:
        gaps = random.Random(seed * 104729)  # the feeder's own, so each run is the same run
        feeder = threading.Thread(target=_feed, args=(harness.imap.append, burst, gaps.random))
        feeder.start()
        for _ in range(kills):
            victim = rng.choice(running)
            _await_kill_moment(rng, victim, engine, harness.claim_seconds)
            victim.kill()
            claims_at_kill.append(_claims_held(engine, victim, harness.claim_seconds))
            victim.start()
        feeder.join()
        finished = _wait_until_done(engine, harness.imap, started + timeout)
    summary = verify(engine, world, burst, harness.smtp.messages, harness.imap.uids("INBOX"))
    summary["ok"] = summary["ok"] and finished and not any(d.crashes for d in running)
    engine.dispose()
    summary.update(
        daemons=daemon_count, kills=kills, seed=seed, finished=finished,
        kills_while_claims_held=sum(1 for n in claims_at_kill if n),
        daemon_starts=sum(d.starts for d in running),
        daemon_crashes=sum(d.crashes for d in running),
        handled_per_daemon=[d.log().count("handled inbound=") for d in running],
        seconds=round(time.monotonic() - started, 1),
    )
    return summary


def _feed(append: Callable[[bytes], None], burst: list[Mail], random_gap: Callable[[], float]
          ) -> None:
    for mail in burst:
        append(mail.raw)
        time.sleep(random_gap() * 0.08)


def _await_kill_moment(rng: random.Random, daemon: Daemon, engine: Engine, lease: int
                       ) -> None:
    """Once the daemon is up: half the time a random moment, half the time the moment it
    holds a message or a reply (a kill during start-up tests nothing)."""
    deadline = time.monotonic() + 30
    while (daemon.log().count("mailbot running") < daemon.starts and daemon.alive()
           and time.monotonic() < deadline):
        time.sleep(0.02)
    if rng.random() < 0.5:
        time.sleep(rng.uniform(0.0, 0.8))
        return
    deadline = time.monotonic() + 2
    while not _claims_held(engine, daemon, lease) and time.monotonic() < deadline:
        time.sleep(0.005)


def _claims_held(engine: Engine, daemon: Daemon, lease: int) -> int:
    """Messages and replies claimed since the daemon (re)started: what a kill interrupts.

    A message's claim carries its time; a reply's lease ends `lease` seconds after it.
    """
    since = daemon.started_at
    with Session(engine) as session:
        working = session.exec(select(Inbound.id).where(
            Inbound.state == "working", col(Inbound.claimed_at) >= since)).all()
        sending = session.exec(select(Reply.id).where(
            Reply.state == "sending",
            col(Reply.next_attempt_at) >= since + timedelta(seconds=lease))).all()
    return len(working) + len(sending)


def _wait_until_done(engine: Engine, imap: Any, deadline: float) -> bool:
    """Until the inbox is empty, every row handled and no reply waits (or the deadline)."""
    while time.monotonic() < deadline:
        with Session(engine) as session:
            open_rows = session.exec(select(Inbound.id).where(UNFINISHED)).first()
            waiting = session.exec(select(Reply.id).where(
                col(Reply.state).in_(("pending", "sending")))).first()
        if open_rows is None and waiting is None and not imap.uids("INBOX"):
            return True
        time.sleep(0.25)
    return False


def verify(engine: Engine, world: list[Org], burst: list[Mail], received: list[Any],
           inbox: list[int]) -> dict[str, Any]:
    """Compare the end state with the burst; every broken promise is a non-empty entry."""
    answers = _answers_by_cause(received)
    by_id = {mail.message_id.strip("<>"): mail for mail in burst}
    duplicates = sum(count - 1 for count in Counter(m.message["Message-ID"] for m in received)
                     .values())
    summary: dict[str, Any] = {
        "mails": len(burst), "orgs": len(world),
        "submissions_sent": sum(m.kind == "submission" for m in burst),
        "replies_received": len(received), "duplicate_replies": duplicates,
        "inbox_left": len(inbox),
        "unconfirmed": [m.message_id for m in burst
                        if m.kind == "submission" and not _has(answers, m, "bevestiging")],
        "noise_answered_wrongly": [m.message_id for m in burst if not _noise_ok(answers, m)],
        "unexpected_replies": [r.describe() for r in received if not _expected(r, by_id)],
    }
    summary.update(_stored_state(engine, world, burst))
    summary["ok"] = _all_kept(summary)
    return summary


def _expected(received: Any, by_id: dict[str, Mail]) -> bool:
    """A reply to one of the burst's mails, to its sender (never to anyone else)."""
    cause = by_id.get(_cause(received))
    return cause is not None and received.rcpt_tos == [cause.sender]


def _cause(received: Any) -> str:
    return str(received.message["In-Reply-To"] or "").strip().strip("<>")


def _answers_by_cause(received: list[Any]) -> dict[str, list[str]]:
    answers: dict[str, list[str]] = {}
    for message in received:
        answers.setdefault(_cause(message), []).append(str(message.message["Subject"]))
    return answers


def _has(answers: dict[str, list[str]], mail: Mail, word: str) -> bool:
    return any(word in subject for subject in answers.get(mail.message_id.strip("<>"), []))


def _noise_ok(answers: dict[str, list[str]], mail: Mail) -> bool:
    got = answers.get(mail.message_id.strip("<>"), [])
    if mail.kind == "auto_reply":
        return not got  # never answer a robot
    if mail.kind in ("wrong_secret", "stranger"):
        return bool(got) and all("bevestiging" not in subject for subject in got)
    return True


def _stored_state(engine: Engine, world: list[Org], burst: list[Mail]) -> dict[str, Any]:
    """Each municipality's revisions against its mails, in order; rows not finished."""
    wrong: list[str] = []
    stored = 0
    with Session(engine) as session:
        for org in world:
            expected = [m.figures for m in burst if m.kind == "submission" and m.org == org]
            revisions = _revisions(session, org.name)
            stored += len(revisions)
            if revisions != expected:
                wrong.append(org.name)
        quarantined = session.exec(
            select(Inbound.reason).where(Inbound.outcome == "quarantined")).all()
        unfinished = session.exec(select(Inbound.id).where(UNFINISHED))
        unmarked = session.exec(select(Inbound.id).where(Inbound.state == "handled"))
        failed = session.exec(select(Reply.id).where(Reply.state != "sent"))
        return {"submissions_stored": stored, "orgs_with_wrong_figures": wrong,
                "quarantined": len(quarantined), "quarantine_reasons": sorted(set(quarantined)),
                "rows_unfinished": len(unfinished.all()),
                "rows_moved_not_marked_filed": len(unmarked.all()),
                "replies_not_sent": len(failed.all())}


def _revisions(session: Session, org_name: str) -> list[dict[str, int]]:
    org = session.exec(select(Organisation).where(Organisation.name == org_name)).one()
    rows = session.exec(select(Submission).where(Submission.organisation_id == org.id)
                        .order_by(col(Submission.revision))).all()
    return [{a.question: a.value
             for a in session.exec(select(Answer).where(Answer.submission_id == row.id))}
            for row in rows]


def _all_kept(summary: dict[str, Any]) -> bool:
    return (summary["submissions_stored"] == summary["submissions_sent"]
            and not summary["orgs_with_wrong_figures"] and not summary["unconfirmed"]
            and not summary["noise_answered_wrongly"] and not summary["unexpected_replies"]
            and summary["inbox_left"] == 0 and summary["rows_unfinished"] == 0
            and summary["replies_not_sent"] == 0 and summary["quarantined"] == 0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--mails", type=int, default=300, help="mails in the burst")
    parser.add_argument("--orgs", type=int, default=40, help="municipalities (at least mails/8)")
    parser.add_argument("--kills", type=int, default=30, help="SIGKILLs during the run")
    parser.add_argument("--daemons", type=int, default=1, help="daemons side by side")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=900, help="seconds to finish the work")
    args = parser.parse_args(argv)
    # Stopped from outside (timeout, Ctrl-C): still stop the daemons and servers it started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    from tests.servers import dovecot, postgres
    from tests.servers.smtp_sink import SmtpSink

    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="mailbot-bench-") as tmp:
        server = dovecot.start()
        stack.callback(server.stop)
        sink = SmtpSink()
        sink.start()
        stack.callback(sink.stop)
        url = f"sqlite:///{tmp}/mailbot.db"
        if args.database == "postgresql":
            cluster = postgres.start()
            stack.callback(cluster.stop)
            url = stack.enter_context(cluster.database())
        harness = Harness(url, server.account(), sink, Path(tmp))
        summary = run_scenario(harness, mails=args.mails, orgs_count=args.orgs, kills=args.kills,
                               daemon_count=args.daemons, seed=args.seed, timeout=args.timeout)
    summary["database"] = args.database
    print(json.dumps(summary, indent=2))
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
