"""Half-year rounds: invitations when a half year has ended, reminders, who is missing.

`timeline` says when each step falls, `mailing` queues the mail, `tick` is the daemon's job,
`threads` is what a reply inherits from its round, `status` is what the admin sees.
"""

from __future__ import annotations

from mailbot.rounds.mailing import (
    Addressed,
    milestone_key,
    missing,
    open_round,
    overview,
    remind,
    reminder_plan,
    require_ended,
    require_round,
    uninvited,
)
from mailbot.rounds.status import RoundView, Standing, view
from mailbot.rounds.threads import is_late, period_replied_to
from mailbot.rounds.tick import tick
from mailbot.rounds.timeline import Timeline, deadline_for, local_day, timeline

__all__ = [
    "Addressed", "RoundView", "Standing", "Timeline", "deadline_for", "is_late",
    "local_day",
    "milestone_key", "missing",
    "open_round", "overview", "period_replied_to", "remind", "reminder_plan", "require_ended",
    "require_round",
    "tick", "timeline",
    "uninvited", "view",
]
