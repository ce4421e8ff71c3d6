"""The one command of the benchmark:

    python -m bench.run [--n 5000] [--orgs 320] [--latency 200]
                        [--databases sqlite,postgresql] [--out bench/results]

Starts Dovecot, an SMTP sink process and PostgreSQL on loopback, fills a mailbox with `--n`
mixed mails from `--orgs` municipalities (one of them 25 MB), then measures in this order:
imapclient alone (the raw limit), and per database the bare pipeline and mailbot's `run_pass`,
each in a process of its own on a fresh copy of the same backlog; last the daemon's latency in
IDLE on the first database. Writes `<date>-n<N>.json` and `.md` to `--out` and prints the table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import corpus, latency, report, stack
from bench.stack import Stack
from tests.mails import BOT
from tests.servers.dovecot import ImapAccount
from tests.stories import ADMIN

DATABASES = ("sqlite", "postgresql")


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split(
        "\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=5000, help="messages in the backlog")
    parser.add_argument("--orgs", type=int, default=320, help="registered municipalities")
    parser.add_argument("--latency", type=int, default=200, help="mails timed one by one")
    parser.add_argument("--databases", default=",".join(DATABASES),
                        help="comma-separated: sqlite, postgresql")
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    parser.add_argument("--no-big", action="store_true", help="leave out the 25 MB message")
    args = parser.parse_args(argv)
    args.databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    unknown = set(args.databases) - set(DATABASES)
    if unknown or not args.databases:
        parser.error(f"--databases: choose from {', '.join(DATABASES)}")
    if args.n < 2 or args.orgs < 1:
        parser.error("--n must be at least 2 and --orgs at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    started, load_before = time.monotonic(), os.getloadavg()
    if load_before[0] > 0.5:
        print(f"note: load average {load_before[0]:.1f} before the start; other work on this "
              "machine lowers every figure", flush=True)
    phases: dict[str, float] = {}
    clock = _Phases(phases)
    world = corpus.world(args.orgs)
    mails = corpus.backlog(world, args.n, big=not args.no_big)
    hashed = stack.hashes(world)
    clock.done("corpus and secrets")
    with stack.running("postgresql" in args.databases) as servers:
        print(f"servers up; filling the mailbox with {len(mails)} mails", flush=True)
        account = servers.dovecot.account()
        filled = stack.fill(account, mails)
        clock.done("servers and mailbox")
        results: dict[str, Any] = {"raw_limit": _floor(servers, account, "raw", None)}
        clock.done("raw limit")
        for kind in args.databases:
            results[kind] = {
                "bare": _floor(servers, account, "bare", servers.database_url(kind, "bare")),
                "mailbot": _backlog(servers, account, kind, world, hashed),
            }
            clock.done(kind)
        results["latency"] = _latency(servers, args.databases[0], world, hashed, args.latency)
        clock.done("latency")
    lmtp = sum(mail.lmtp for mail in mails)
    result = report.assemble(args, corpus.counts(mails), lmtp, filled, results,
                             time.monotonic() - started)
    result["load_average_before"] = load_before
    result["phase_seconds"] = phases
    paths = report.write(result, args.out)
    print(report.markdown(result))
    print(f"written: {', '.join(str(p) for p in paths)}")
    return 0


class _Phases:
    """Wall time of each phase of the run, to see where the minutes go."""

    def __init__(self, phases: dict[str, float]) -> None:
        self.phases, self.mark = phases, time.monotonic()

    def done(self, name: str) -> None:
        now = time.monotonic()
        self.phases[name] = round(now - self.mark, 1)
        self.mark = now


def _settings(account: ImapAccount, servers: Stack, url: str) -> dict[str, Any]:
    return {
        "database_url": url, "imap_host": account.host, "imap_port": account.port,
        "imap_user": account.user, "imap_password": account.password, "imap_security": "none",
        "smtp_host": servers.sink.host, "smtp_port": servers.sink.port, "smtp_security": "none",
        "from_address": BOT, "admin_addresses": [ADMIN],
    }


def _floor(servers: Stack, account: ImapAccount, mode: str, url: str | None) -> dict[str, Any]:
    """The raw limit or the bare pipeline on a fresh copy of the backlog."""
    loaded = stack.load(account)
    spec = {"mode": mode, **_settings(account, servers, url or "")}
    print(f"{mode}: {loaded} messages" + (f" on {url.split(':')[0]}" if url else ""), flush=True)
    sent_before = servers.sink.count()
    result = _subprocess("bench.bare", spec, servers.directory / f"{mode}.json")
    if mode == "bare":
        result["sent"] = servers.sink.wait_count(sent_before + loaded, 60) - sent_before
    result["left_in_inbox"] = stack.left_in_inbox(account)
    return result


def _backlog(servers: Stack, account: ImapAccount, kind: str, world: list[corpus.Org],
             hashed: dict[str, str]) -> dict[str, Any]:
    url = servers.database_url(kind, "mailbot")
    stack.register(url, world, hashed)
    loaded = stack.load(account)
    print(f"mailbot: {loaded} messages on {kind}", flush=True)
    log = servers.directory / f"mailbot-{kind}.log"
    spec = {"settings": _settings(account, servers, url), "log": str(log)}
    sent_before = servers.sink.count()
    result = _subprocess("bench.backlog", spec, servers.directory / f"mailbot-{kind}.json")
    result["loaded"] = loaded
    result["sink_received"] = servers.sink.wait_count(
        sent_before + result["sent"], 60) - sent_before
    result["left_in_inbox"] = stack.left_in_inbox(account)
    text = log.read_text(errors="replace")
    result["log_errors"] = text.count(" ERROR ") + text.count("Traceback")
    return result


def _latency(servers: Stack, kind: str, world: list[corpus.Org], hashed: dict[str, str],
             count: int) -> dict[str, Any]:
    account = servers.dovecot.account()
    url = servers.database_url(kind, "latency")
    stack.register(url, world, hashed)
    print(f"latency: {count} mails one by one, daemon on {kind}", flush=True)
    figures = latency.measure(account, servers.sink, _settings(account, servers, url), world,
                              count, servers.directory / "daemon.log")
    return {"database": kind, **figures}


def _subprocess(module: str, spec: dict[str, Any], out: Path) -> dict[str, Any]:
    """Run a measured part in a process of its own; its JSON result."""
    spec_path = out.with_suffix(".spec.json")
    spec_path.write_text(json.dumps(spec))
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILBOT_")}
    env["MAILBOT_CONFIG"] = "/nonexistent/mailbot.toml"
    completed = subprocess.run([sys.executable, "-m", module, str(spec_path), str(out)],
                               env=env, capture_output=True, text=True)
    if completed.returncode != 0:
        raise RuntimeError(f"{module} failed ({completed.returncode}):\n{completed.stderr}")
    result: dict[str, Any] = json.loads(out.read_text())
    return result



if __name__ == "__main__":
    sys.exit(main())
