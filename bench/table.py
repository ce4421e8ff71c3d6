"""The markdown of a benchmark result: one table side by side per database, then latency."""

from __future__ import annotations

from typing import Any

from bench.report import LABELS, STAGE_LABELS
from bench.stages import STAGES


def render(result: dict[str, Any]) -> str:
    params, kinds = result["parameters"], list(result["databases"])
    lines = [
        f"### mailbot benchmark {result['date']}: {result['backlog_messages']} mails from "
        f"{params['orgs']} municipalities",
        "",
        _machine(result["machine"]),
        "",
        _source(result.get("source", {})),
        "",
        f"Backlog: {_mix(result['mix'], result['lmtp_bounces'])}.",
        "",
        "| | " + " | ".join(LABELS[k] for k in kinds) + " | target |",
        "| --- | " + " | ".join("---:" for _ in kinds) + " | --- |",
    ]
    lines += _throughput(result, kinds)
    lines += _stages(result, kinds)
    lines += ["", *_latency(result["latency"]), "", *_verdicts(result["targets"]), ""]
    for kind in kinds:
        lines += _statements(kind, result["databases"][kind]["mailbot"])
    return "\n".join(lines)


def _statements(kind: str, bot: dict[str, Any]) -> list[str]:
    """The SQL that took the most time in the driver: where to look for round trips to save."""
    lines = ["", f"Top SQL by driver time on the pipeline's thread, {LABELS[kind]}:", "",
             "| statement | per message | total s |", "| --- | ---: | ---: |"]
    for entry in bot.get("top_statements", [])[:6]:
        text = entry["statement"].replace("|", "\\|")
        lines.append(f"| `{text[:110]}` | {entry['per_message']:.2f} | {entry['seconds']:.2f} |")
    return lines


def _machine(m: dict[str, Any]) -> str:
    return (f"Machine: {m['nproc']} cores (`nproc`), {m['cpu']}, {m['ram_gb']} GB RAM; "
            f"Python {m['python']}, {m['dovecot'] and 'Dovecot ' + m['dovecot']}, "
            f"PostgreSQL {m['postgresql']}, SQLite {m['sqlite']}. All servers on loopback; "
            f"the SMTP sink, each measured run and the daemon in processes of their own.")


def _source(source: dict[str, Any]) -> str:
    dirty = source.get("mailbot_uncommitted_files", 0)
    return (f"mailbot at commit `{source.get('commit', '?')}`"
            + (f" with {dirty} uncommitted file(s) in mailbot/" if dirty else "") + ".")


def _mix(mix: dict[str, int], lmtp: int) -> str:
    names = {"first": "first submissions", "correction": "corrections",
             "problem": "problem mails (a bad value)", "wrong_secret": "wrong secrets",
             "auto_reply": "auto-replies", "bounce": f"bounces ({lmtp} of them over LMTP)",
             "help": "HELP", "gegevens": "GEGEVENS", "big": "25 MB submission"}
    ordered = [kind for kind in names if kind in mix] + [k for k in mix if k not in names]
    return ", ".join(f"{mix[kind]} {names.get(kind, kind)}" for kind in ordered)


def _row(label: str, cells: list[str], target: str = "") -> str:
    return f"| {label} | " + " | ".join(cells) + f" | {target} |"


def _verdict(passed: bool) -> str:
    return "PASS" if passed else "**MISS**"


def _throughput(result: dict[str, Any], kinds: list[str]) -> list[str]:
    raw, dbs = result["raw_limit"], result["databases"]
    n = [dbs[k]["mailbot"]["messages"] for k in kinds]
    return [
        _row("raw limit: imapclient alone, batched FETCH + MOVE, msg/s",
             [f"{raw['per_second']:,.0f}" for _ in kinds]),
        _row("bare pipeline (fetch, stdlib parse, 1 insert, 1 reply, MOVE), msg/s",
             [f"{dbs[k]['bare']['per_second']:.1f}" for k in kinds]),
        _row("**mailbot `run_pass`, msg/s**",
             [f"**{dbs[k]['per_second']:.1f}** {_verdict(dbs[k]['per_second'] >= 100)} "
              f"({count} in {dbs[k]['mailbot']['seconds']:.0f} s)"
              for k, count in zip(kinds, n, strict=True)], ">= 100"),
        _row("mailbot / bare pipeline",
             [f"{dbs[k]['ratio_to_bare']:.0%} {_verdict(dbs[k]['ratio_to_bare'] >= 0.6)}"
              for k in kinds], ">= 60 %"),
        _row("mailbot / raw limit", [f"{dbs[k]['ratio_to_raw']:.1%}" for k in kinds]),
        _row("argon2id verifications: count, s run beside the pipeline (read-ahead), "
             "s the pipeline ran or waited for them",
             [f"{dbs[k]['argon2']['count']}, {dbs[k]['argon2'].get('beside_seconds', 0):.1f} s, "
              f"{dbs[k]['argon2']['seconds']:.1f} s" for k in kinds]),
        _row("work beside the pipeline (read-ahead thread, argon2 worker), s",
             [_beside(dbs[k]["mailbot"]) for k in kinds]),
        _row("SQL statements, COMMITs, ROLLBACKs that reach the database, per message",
             [_per_message(dbs[k]["mailbot"]) for k in kinds]),
        _row("mailbot with argon2 time taken out, msg/s",
             [f"{dbs[k]['per_second_without_argon2']:.1f}" for k in kinds]),
        _row("mailbot CPU time / wall time of the pass",
             [f"{dbs[k]['mailbot']['cpu_seconds']:.0f} s / {dbs[k]['mailbot']['seconds']:.0f} s"
              for k in kinds]),
        _row("peak RSS of the pass, MB" + (" (with the 25 MB message)"
                                           if result["parameters"]["big_message"] else ""),
             [f"{dbs[k]['mailbot']['peak_rss_mb']:.0f} "
              f"{_verdict(dbs[k]['mailbot']['peak_rss_mb'] < 200)}" for k in kinds], "< 200"),
        _row("peak RSS, MB: mailbot before the 25 MB message / bare pipeline / imapclient alone",
             [f"{_mb(dbs[k]['mailbot'].get('peak_rss_before_big_mb'))} / "
              f"{dbs[k]['bare']['peak_rss_mb']:.0f} / {raw['peak_rss_mb']:.0f}" for k in kinds]),
    ]


def _beside(bot: dict[str, Any]) -> str:
    beside = {stage: seconds for stage, seconds in bot.get("stages_beside", {}).items()
              if seconds >= 0.05}
    return ", ".join(f"{stage} {seconds:.1f}" for stage, seconds in
                     sorted(beside.items(), key=lambda item: -item[1])) or "-"


def _mb(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def _per_message(bot: dict[str, Any]) -> str:
    messages = max(1, bot["messages"])
    driver = bot.get("driver_calls", {})
    return " / ".join(f"{count / messages:.1f}" for count in (
        bot["sql_statements"], driver.get("commit", 0), driver.get("rollback", 0)))


def _stages(result: dict[str, Any], kinds: list[str]) -> list[str]:
    dbs = result["databases"]
    lines = [_row("*where mailbot's time goes: ms per message, share of the pass*",
                  ["" for _ in kinds])]
    for stage in STAGES:
        lines.append(_row(
            f"&nbsp;&nbsp;{STAGE_LABELS[stage]}",
            [f"{dbs[k]['stage_ms_per_message'][stage]:.2f} ms, "
             f"{dbs[k]['stage_share'][stage]:.0%}" for k in kinds]))
    lines.append(_row("*bare pipeline: parse / insert / send, ms per message*",
                      [_bare_stages(dbs[k]["bare"]) for k in kinds]))
    return lines


def _bare_stages(bare: dict[str, Any]) -> str:
    messages = bare["messages"] or 1
    return " / ".join(f"{1000 * bare['stages'].get(s, 0.0) / messages:.2f}"
                      for s in ("parse", "database", "send"))


def _latency(lat: dict[str, Any]) -> list[str]:
    if lat["median_s"] is None:
        return [f"Latency: no confirmation arrived ({lat['missed']} missed)."]
    missed = f" ({lat['missed']} missed)" if lat["missed"] else ""
    return [
        f"Latency, APPEND to confirmation at the sink, `mailbot run` idle in IDLE on "
        f"{LABELS[lat['database']]}, {lat['count']} mails one at a time{missed}:",
        "",
        "| median | p95 | min | max | handling per message (daemon log, median) |"
        " daemon peak RSS |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {lat['median_s']:.3f} s {_verdict(lat['median_s'] < 1.0 and not lat['missed'])} "
        f"(< 1 s) | {lat['p95_s']:.3f} s {_verdict(lat['p95_s'] < 1.5 and not lat['missed'])} "
        f"(< 1.5 s) | {lat['min_s']:.3f} s | {lat['max_s']:.3f} s | "
        f"{lat['handle_median_ms'] or 0:.0f} ms | {lat['daemon_peak_rss_mb']:.0f} MB |",
    ]


def _verdicts(targets: list[dict[str, Any]]) -> list[str]:
    missed = [t for t in targets if not t["pass"]]
    if not missed:
        return ["All targets met."]
    lines = ["Missed targets and the stage that dominates:", ""]
    for t in missed:
        lines.append(f"- {t['target']}: {t['dominant']}")
    return lines
