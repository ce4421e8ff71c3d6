"""GEGEVENS / "Mijn gegevens opvragen": every stored figure, only to a registered address."""

from __future__ import annotations

from collections import defaultdict

from mailbot import orgs
from mailbot.addresses import try_normalise
from mailbot.export import HISTORY_HEADER, to_csv
from mailbot.forms import load_form
from mailbot.handlers.refusal import login_failed
from mailbot.localtime import shown_day, zone_of
from mailbot.models import Organisation
from mailbot.outcome import Attachment, Context, Draft, Outcome
from mailbot.submissions import current_rows


def handle(ctx: Context) -> Outcome:
    """Reply to the sender only when it is a registered address; never to Reply-To or the body."""
    sender = try_normalise(ctx.mail.sender)
    if sender is None:
        return Outcome("ignored", "gegevens without a usable sender")
    acting = orgs.acting_for(ctx.session, sender)
    if not acting:
        return login_failed(ctx, sender, "gegevens from an unregistered address")
    overviews = [_overview(ctx, org) for org in acting]
    rows = [row for overview in overviews for row in overview["csv"]]
    rendered = ctx.renderer.mail("gegevens.txt.j2", organisations=overviews)
    attachment = Attachment("gegevens.csv", "text/csv", to_csv(HISTORY_HEADER, rows).encode())
    return Outcome("processed", f"gegevens sent for {len(acting)} organisation(s)",
                   (Draft(sender, "gegevens", rendered, (attachment,)),))


def _overview(ctx: Context, org: Organisation) -> dict[str, object]:
    """The current figures of one organisation, grouped per period, for template and CSV."""
    periods: dict[str, dict[str, object]] = defaultdict(dict)
    csv_rows = []
    for sub, _, answer in sorted(current_rows(ctx.session, org=org),
                                 key=lambda r: (r[0].period, r[0].form_kind)):
        form = load_form(sub.form_kind, sub.form_version)
        entry = periods[sub.period]
        entry.setdefault("revision", sub.revision)
        entry.setdefault("date", shown_day(sub.created_at, zone_of(ctx.settings)))
        entry.setdefault("answers", {})[answer.question] = answer.value  # type: ignore[index]
        entry["form"] = form
        csv_rows.append((sub.period, org.name, sub.form_kind, answer.question, answer.value,
                         sub.revision, sub.created_at.isoformat(), sub.form_version))
    return {"name": org.name, "periods": dict(sorted(periods.items())), "csv": csv_rows}
