"""The benchmark: mailbot against the raw limit of the same servers on loopback.

`python -m bench.run` starts Dovecot, an SMTP sink (its own process) and PostgreSQL, fills a
mailbox with a backlog of mixed mail, and measures side by side: imapclient alone, a bare
pipeline, mailbot's `run_pass` per database with the share of each stage, the daemon's
APPEND-to-confirmation latency in IDLE, and peak RSS. Nothing here changes mailbot; stages are
timed by wrapping mailbot's functions from the outside (`bench/stages.py`).
"""
