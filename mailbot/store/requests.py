"""The admin's queue of ACCOUNT and WACHTWOORD requests, the admins' digest of new ones, and
handing out new secrets."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import String, cast, exists, func, literal
from sqlmodel import Session, col, select

from mailbot.config import Settings
from mailbot.dates.localtime import shown, zone_of
from mailbot.inbound.outcome import Draft
from mailbot.outbound import outbox
from mailbot.outbound.render import Renderer
from mailbot.store import milestones, orgs
from mailbot.store.models import Milestone, Organisation, Request


def open_request(
    session: Session, now: datetime, kind: str, sender: str, *,
    claimed_org: str | None, org: Organisation | None, person_name: str | None,
    inbound_id: int | None,
) -> tuple[Request, bool]:
    """Record a request; (request, False) when the same one is already waiting."""
    waiting = session.exec(
        select(Request).where(
            Request.kind == kind, Request.sender == sender, Request.state == "open",
            Request.organisation_id == (org.id if org else None),
        )
    ).first()
    if waiting is not None:
        return waiting, False
    request = Request(
        kind=kind, sender=sender, claimed_org=claimed_org, person_name=person_name,
        organisation_id=org.id if org else None, inbound_id=inbound_id, created_at=now,
    )
    session.add(request)
    session.flush()
    orgs.audit(session, now, sender, f"request.{kind}", org, f"request {request.id}")
    return request, True


def listing(session: Session, everything: bool = False) -> list[tuple[Request, str | None]]:
    """Requests (open ones unless everything) with the name of the organisation they concern."""
    query = select(Request).order_by(col(Request.id))
    if not everything:
        query = query.where(Request.state == "open")
    result = []
    for request in session.exec(query):
        org = session.get(Organisation, request.organisation_id or -1)
        result.append((request, org.name if org else request.claimed_org))
    return result


def _open(session: Session, request_id: int) -> Request:
    request = session.get(Request, request_id)
    if request is None:
        raise orgs.AdminError(f"Onbekende aanvraag: {request_id}")
    if request.state != "open":
        raise orgs.AdminError(f"Aanvraag {request_id} is al afgehandeld ({request.state})")
    return request


def approve(
    session: Session, settings: Settings, renderer: Renderer, now: datetime, request_id: int,
    org_name: str | None = None,
) -> tuple[Request, Organisation]:
    """Grant a request: register the address (ACCOUNT) and send the organisation a new secret."""
    request = _open(session, request_id)
    name = org_name or request.claimed_org
    if request.organisation_id is not None and org_name is None:
        org = session.get(Organisation, request.organisation_id)
    else:
        org = orgs.find(session, name) if name else None
    if org is None:
        raise orgs.AdminError(
            f"Aanvraag {request_id}: onbekende organisatie {name!r}; geef --org NAAM of "
            "voeg de organisatie eerst toe"
        )
    if request.kind == "account":
        orgs.add_address(session, now, org.name, request.sender)
    request.state, request.decided_at, request.organisation_id = "approved", now, org.id
    session.add(request)
    orgs.audit(session, now, "admin", f"request.approve.{request.kind}", org, f"{request_id}")
    send_new_secret(session, settings, renderer, now, org, basis=f"request:{request_id}")
    return request, org


def reject(
    session: Session, settings: Settings, renderer: Renderer, now: datetime, request_id: int,
    reason: str | None = None,
) -> Request:
    """Refuse a request and tell the sender politely."""
    request = _open(session, request_id)
    request.state, request.decided_at, request.reason = "rejected", now, reason
    session.add(request)
    orgs.audit(session, now, "admin", f"request.reject.{request.kind}", None, f"{request_id}")
    rendered = renderer.mail("request_rejected.txt.j2", kind=request.kind, reason=reason or "")
    outbox.queue(session, settings, now, Draft(request.sender, "request_rejected", rendered),
                 None, basis=f"request:{request_id}")
    return request


def send_new_secret(
    session: Session, settings: Settings, renderer: Renderer, now: datetime,
    org: Organisation, basis: str,
) -> list[str]:
    """Generate a new secret (the old one stops now) and mail it to every registered address."""
    _, secret = orgs.set_secret(session, now, org.name)
    addresses = orgs.addresses_of(session, org)
    if not addresses:
        raise orgs.AdminError(f"{org.name} heeft geen geregistreerd e-mailadres")
    rendered = renderer.mail("secret.txt.j2", org_name=org.name, secret=secret,
                             org_field="Gemeente" if org.kind == "gemeente" else "Politie-eenheid")
    for index, address in enumerate(addresses):
        draft = Draft(address, "secret", rendered, sensitive=True)
        outbox.queue(session, settings, now, draft, None, index, basis=f"{basis}:{now}")
    return addresses


TOLD = "request.told:"  # a milestone per request told to the admins, with its request id
DIGEST = "admin_requests"  # the kind of the admins' digest


def tell_admins(
    session: Session, settings: Settings, renderer: Renderer, now: datetime
) -> list[Request]:
    """Queue one mail to the admins listing the open requests not told yet, at most once per
    `request_digest_hours`: a flood of requests is one mail, and the first request after a
    quiet spell goes at once. Returns the requests told ([] when none is due).

    Each told request is a milestone recorded with the mail, in the caller's transaction, so
    it is told once, after a crash or with two daemons too (the second fails on the key).
    """
    if not settings.admin_addresses:
        return []
    told = exists().where(col(Milestone.key) == literal(TOLD) + cast(col(Request.id), String))
    waiting = list(session.exec(
        select(Request).where(Request.state == "open", ~told).order_by(col(Request.id))))
    if not waiting or _told_within(session, now - timedelta(hours=settings.request_digest_hours)):
        return []
    for request in waiting:
        milestones.record(session, f"{TOLD}{request.id}", now)
    rendered = renderer.mail("admin_requests.txt.j2", hours=settings.request_digest_hours,
                             requests=[_listed(session, settings, r) for r in waiting])
    basis = f"{DIGEST}:{','.join(str(request.id) for request in waiting)}"
    for index, address in enumerate(settings.admin_addresses):
        outbox.queue(session, settings, now, Draft(address, DIGEST, rendered), None, index,
                     basis=basis)
    return waiting


def _told_within(session: Session, since: datetime) -> bool:
    """Whether a digest went out after `since`."""
    last = session.exec(
        select(func.max(Milestone.at)).where(col(Milestone.key).startswith(TOLD))).one()
    return last is not None and last > since


def _listed(session: Session, settings: Settings, request: Request) -> dict[str, object]:
    """One request as the digest shows it, its time in the configured zone."""
    org = session.get(Organisation, request.organisation_id or -1)
    return {"id": request.id, "kind": request.kind, "sender": request.sender,
            "org_name": org.name if org else None, "claimed_org": request.claimed_org,
            "person_name": request.person_name,
            "created_at": shown(request.created_at, zone_of(settings))}
