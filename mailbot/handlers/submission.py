"""A filled-in form: authenticate, check every answer, store a revision, confirm.

Where the answers are read: what the person wrote above the quote (or between the quoted lines)
counts first. The quoted message counts only when it is a blank form the bot itself sent (the
template, HELP, the no-form reply) that the person typed into, as Outlook users do:

1. its quote header names the bot (its address, or its name and no address at all);
2. the mail does not answer one of the bot's replies about figures already received
   (confirmation, problems, GEGEVENS), found by In-Reply-To among the replies sent;
3. it carries the form's `Wachtwoord:` line: every blank form does, while the bot never
   echoes that line in a reply.

So a quoted earlier submission (the person's own sent mail, a colleague's forward), a quoted
confirmation and a quoted problem reply never yield answers, however they are filled in.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select

from mailbot import rounds
from mailbot.dates.localtime import shown, zone_of
from mailbot.dates.periods import Period
from mailbot.forms import Form, load_form
from mailbot.handlers.forward import forward
from mailbot.handlers.refusal import login_failed, registered_elsewhere
from mailbot.inbound.outcome import Context, Draft, Outcome
from mailbot.login import dmarc, locks
from mailbot.login.addresses import try_normalise
from mailbot.login.auth import Login, authenticate
from mailbot.reader.message import MailView
from mailbot.reader.parse import Reading, Scans, parse, period_from_subject
from mailbot.reader.reading import both
from mailbot.store import orgs, submissions
from mailbot.store.models import Organisation, Reply


def handle(ctx: Context) -> Outcome:
    """Store the figures of an authenticated sender, or say exactly why not."""
    sender = try_normalise(ctx.mail.sender)
    if sender is None:
        return Outcome("ignored", "no usable sender address")
    reading = read(ctx, load_form("gemeente"))
    if not _is_form(reading):
        return _no_form(ctx, sender)
    if not _sender_trusted(ctx, sender):
        return login_failed(ctx, sender, "dmarc policy: sender domain not authenticated")
    login = authenticate(ctx.session, ctx.settings, ctx.now, sender, reading.org_name,
                         reading.secret, ctx.verified_secrets)
    if login.org is None:
        return _refuse(ctx, sender, login, reading.person_name)
    org = login.org
    form = load_form(org.kind)
    if form.kind != "gemeente":
        reading = read(ctx, form)
    if reading.problems or reading.period is None:
        return _problems(ctx, sender, org, form, reading)
    return _store(ctx, sender, org, form, reading, reading.period)


def read(ctx: Context, form: Form) -> Reading:
    """Read the answers where the person wrote them: above the quote, else in our quoted form.

    Without a `Periode:` line the period is that of the round replied to, else the one in the
    subject, else the one in our quoted form.
    """
    # A reply to an invitation or reminder is about that round's period, written or not.
    default = rounds.period_replied_to(ctx.session, ctx.mail) or period_from_subject(
        ctx.mail.subject)
    fresh = parse(ctx.mail.fresh, form, now=ctx.now, default_period=default, scans=ctx.scans)
    if fresh.answers:
        # Our quoted form matters only for the period, when no other source gives one; reading
        # it for every mail would double the cost of the common case.
        if default is None and fresh.period_text is None:
            ours = our_quoted_form(ctx, form)
            if ours is not None and ours.period is not None:
                return parse(ctx.mail.fresh, form, now=ctx.now, default_period=ours.period,
                             scans=ctx.scans)
        return fresh
    ours = our_quoted_form(ctx, form)
    if ours is None:
        return fresh
    # Typed into the quoted template (Outlook): header fields in the fresh part still count first.
    return parse(both(ctx.mail), form, now=ctx.now, default_period=default or ours.period,
                 scans=ctx.scans)


def credentials(mail: MailView, scans: Scans, now: datetime) -> tuple[str | None, str | None]:
    """The organisation name and secret `read` will most likely find, without the database:
    what the read-ahead thread checks early (a wrong guess only loses that head start)."""
    form = load_form("gemeente")
    fresh = parse(mail.fresh, form, now=now, scans=scans)
    if fresh.secret or not mail.quoted:
        return fresh.org_name, fresh.secret
    combined = parse(both(mail), form, now=now, scans=scans)
    return combined.org_name, combined.secret


# The bot's replies about figures it already received; quoting one quotes a submission.
_ABOUT_FIGURES = frozenset({"confirmation", "problems", "gegevens"})


def our_quoted_form(ctx: Context, form: Form) -> Reading | None:
    """The quoted message read as a form, when it is a blank form the bot sent; else None."""
    mail = ctx.mail
    if not mail.quoted or not _written_by_us(ctx) or _answers_our_report(ctx):
        return None
    quoted = parse(mail.quoted, form, now=ctx.now, scans=ctx.scans)
    return quoted if "secret" in quoted.fields else None


def _written_by_us(ctx: Context) -> bool:
    """The quote header names our address, or our name without any address."""
    writer = ctx.mail.quoted_from.casefold()
    if ctx.settings.from_address.casefold() in writer:
        return True
    return ctx.settings.from_name.casefold() in " ".join(writer.split()) and "@" not in writer


def _answers_our_report(ctx: Context) -> bool:
    parent = ctx.mail.in_reply_to or next(reversed(ctx.mail.references), None)
    if parent is None:
        return False
    kind = ctx.session.exec(select(Reply.kind).where(Reply.message_id == f"<{parent}>")).first()
    return kind in _ABOUT_FIGURES


def _no_form(ctx: Context, sender: str) -> Outcome:
    """No form filled in. From a registered address (its domain authenticated, where that is
    required) it goes to a person, unless the only figures are in a message the person
    quoted (figures typed into a quote): then, as to anyone else, the answer says so."""
    form = load_form("gemeente")
    quoted_figures = _quoted_figures(ctx, form)
    if not quoted_figures and ctx.settings.helpdesk:
        acting = orgs.acting_for(ctx.session, sender)
        if acting and _sender_trusted(ctx, sender):
            return forward(ctx, sender, acting)
    if _answers_our_report(ctx) and not quoted_figures:
        # "Dank u wel" under a confirmation, with no one to hand it to, needs no answer.
        return Outcome("ignored", "remark on one of our replies, no form")
    return _reply(ctx, sender, "rejected", "no form" + _unread(ctx), "no_form", "no_form.txt.j2",
                  form=form, org_name="", period="", quoted_figures=quoted_figures,
                  cut=bool(ctx.mail.cut))


def _quoted_figures(ctx: Context, form: Form) -> bool:
    """Figures stand in a quoted message, at any depth (a forward's forward)."""
    quotes = (text for text in (ctx.mail.quoted, ctx.mail.older) if text)
    return any(parse(text, form, now=ctx.now, scans=ctx.scans).answers for text in quotes)


def _sender_trusted(ctx: Context, sender: str) -> bool:
    """With MAILBOT_REQUIRE_DMARC, the From domain must have passed at our border host."""
    if not ctx.settings.require_dmarc:
        return True
    headers = ctx.mail.authentication_results
    return dmarc.passes(headers, ctx.settings.authserv_id, sender.rpartition("@")[2])


def _refuse(ctx: Context, sender: str, login: Login, person_name: str | None) -> Outcome:
    """The seed's answer; to a registered address that named another organisation, or none,
    with the name it is registered for. Only a guess from a registered address counts toward
    a lockout; the admins hear of it when this one locks the organisation."""
    notices: tuple[Draft, ...] = ()
    claimed = login.claimed
    if login.guess and claimed is not None and locks.record_guess(
        ctx.session, ctx.settings, ctx.now, claimed, sender
    ):
        rendered = ctx.renderer.mail("admin_locked.txt.j2", org_name=claimed.name,
                                     attempts=ctx.settings.lockout_attempts,
                                     minutes=ctx.settings.lockout_minutes, sender=sender)
        notices = tuple(Draft(a, "admin_locked", rendered) for a in ctx.settings.admin_addresses)
    elsewhere = registered_elsewhere(ctx, sender, login)
    reason = "login failed" + ("; told the name it is registered for" if elsewhere else "")
    return login_failed(ctx, sender, reason, notices, standing=login.sender, claimed=claimed,
                        person_name=person_name, registered_for=elsewhere)


def _is_form(reading: Reading) -> bool:
    """A form with at least one question answered, well or not: a blank template is no form."""
    if not reading.has_form:
        return False
    return bool(reading.answers) or any(
        p.question is not None and p.code != "missing" for p in reading.problems
    )


def _problems(
    ctx: Context, sender: str, org: Organisation, form: Form, reading: Reading
) -> Outcome:
    codes = ",".join(sorted({p.code for p in reading.problems})) or "period_missing"
    labels = {q.key: q.label for q in form.questions}
    return _reply(ctx, sender, "rejected", f"problems: {codes}{_unread(ctx, reading)}",
                  "problems", "problems.txt.j2", authenticated=True, org_name=org.name,
                  person_name=reading.person_name or "",
                  problems=reading.problems, labels=labels, lines=reading.lines,
                  org_field=form.org_field,
                  last_ended=Period.last_ended(ctx.now, zone_of(ctx.settings)),
                  cut=bool(ctx.mail.cut or reading.cut))


def _unread(ctx: Context, reading: Reading | None = None) -> str:
    """For the reason: the reader's limits the mail met (mailbot.reader.limits), if any."""
    met = sorted(ctx.mail.cut | ({"form_lines"} if reading is not None and reading.cut else set()))
    return f"; unread beyond limits: {','.join(met)}" if met else ""


def _store(
    ctx: Context, sender: str, org: Organisation, form: Form, reading: Reading, period: Period
) -> Outcome:
    stored = submissions.store(
        ctx.session, ctx.now, org, str(period), form, reading.answers, sender=sender,
        person_name=reading.person_name, inbound_id=ctx.inbound.id, notes=_notes(reading),
        late=rounds.is_late(ctx.session, ctx.settings, str(period), ctx.inbound.received_at,
                            ctx.deadlines),
    )
    labels = {q.key: q.label for q in form.questions}
    rows = [{"key": q.key, "label": q.label, "value": reading.answers.get(q.key),
             "note": _notes(reading).get(q.key, "")} for q in form.questions]
    changes = [{"key": c.question, "label": labels[c.question], "before": c.before,
                "after": c.after} for c in stored.changes]
    zone = zone_of(ctx.settings)
    replaced_at = shown(stored.replaced.created_at, zone) if stored.replaced else ""
    revision = stored.submission.revision
    return _reply(
        ctx, sender, "processed", f"stored revision {revision}", "confirmation",
        "confirmation.txt.j2", authenticated=True, org_name=org.name,
        person_name=reading.person_name, period=str(period), period_dutch=period.dutch,
        rows=rows, late=stored.submission.late, replaced=stored.replaced is not None,
        replaced_at=replaced_at, revision=revision, changes=changes,
        warnings=form.warnings(reading.answers),
    )


def _notes(reading: Reading) -> dict[str, str]:
    """The remarks kept with the answers; a secret typed into one is never stored or shown."""
    secret = reading.secret
    if not secret:
        return reading.notes
    return {key: note.replace(secret, "*" * len(secret)) for key, note in reading.notes.items()}


def _reply(
    ctx: Context, to: str, status: str, reason: str, kind: str, template: str, *,
    authenticated: bool = False, **context: object,
) -> Outcome:
    """One reply; `authenticated` when `to` is a registered sender who gave the right secret."""
    rendered = ctx.renderer.mail(template, **context)
    draft = Draft(to, kind, rendered, authenticated=authenticated)
    # `status` is one of Outcome's statuses: the callers pass literals.
    return Outcome(status, reason, (draft,))  # type: ignore[arg-type]
