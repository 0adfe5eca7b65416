"""`/admin/applications` (admit with a class, reject with a reason) and `/admin/members` (move a
member to another class, reinstate a suspended member).

Applicants and members who are remote are always shown with their host; everything that came
from another server (names, handles, messages) is cleaned before it is shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from coopfed.governance.membership import MembershipPrinciple
from coopfed.node import Node
from coopfed.services.errors import NotFound, ServiceError
from coopfed.services.member_classes import change_member_class, reinstate_member
from coopfed.services.members import list_members
from coopfed.services.membership import admit_applicant, list_applications, reject_applicant
from coopfed.services.membership_principle import principle_of
from coopfed.store import account_links as link_store
from coopfed.store import remote_actors as remote_store
from coopfed.store.members import MemberRecord
from coopfed.store.membership import Application
from coopfed.web.confirm import Confirmation, ask, confirmed
from coopfed.web.csrf import csrf_protected
from coopfed.web.me_links import link_view
from coopfed.web.sanitize import clean_text, remote_actor_label
from coopfed.web.sessions import require_admin
from coopfed.web.state import node_of
from coopfed.web.templating import render
from coopfed.web.translate import N_, page_translator

MAX_REASON = 500
MAX_MESSAGE_SHOWN = 2000
GONE = N_("No application from them is waiting any more: it was settled meanwhile.")
FormErrors = dict[str, dict[str, str]]  # applicant actor IRI (or member id) → field → message


@dataclass(frozen=True)
class ShownApplication:
    application: Application
    who: str  # "name (@user@host)" for remote applicants, the username for local ones
    local: bool
    message: str


@dataclass(frozen=True)
class ShownMember:
    record: MemberRecord
    who: str
    local: bool
    linked: tuple[str, ...] = ()  # linked fediverse accounts, `name (@user@host)`


async def person_label(conn: AsyncConnection, node: Node, actor_uri: str, handle: str) -> str:
    """How an actor is shown to admins: a local username, or a remote one with its host."""
    local_prefix = node.uris.actor("")
    if actor_uri.startswith(local_prefix) and "/" not in actor_uri[len(local_prefix) :]:
        return clean_text(actor_uri[len(local_prefix) :], 64)
    remote = await remote_store.get_by_uri(conn, actor_uri)
    host = urlsplit(actor_uri).netloc or "?"
    if remote is not None:
        return remote_actor_label(remote.display_name, remote.preferred_username, remote.host)
    user = handle.removeprefix("acct:").lstrip("@").split("@", 1)[0]
    if not user or "/" in user:
        user = urlsplit(actor_uri).path.rstrip("/").rsplit("/", 1)[-1] or "?"
    return remote_actor_label("", user, host)


def is_local(node: Node, actor_uri: str) -> bool:
    return actor_uri.startswith(node.uris.actor(""))


async def shown_applications(node: Node) -> list[ShownApplication]:
    applications = await list_applications(node)
    shown = []
    async with node.engine.connect() as conn:
        for application in applications:
            who = await person_label(conn, node, application.actor_uri, application.handle)
            message = clean_text(application.message, MAX_MESSAGE_SHOWN)
            local = is_local(node, application.actor_uri)
            shown.append(ShownApplication(application, who, local, message))
    return shown


def _form_context(
    principle: MembershipPrinciple, listed: set[str], errors: FormErrors | None
) -> dict[str, object]:
    """What both admin lists show around their forms: the class choices, each row's errors, and
    as notices above the list the errors about rows no longer listed (settled meanwhile)."""
    notices = [
        message
        for key, fields in (errors or {}).items()
        if key not in listed
        for message in fields.values()
    ]
    return {"class_names": principle.class_names, "errors": errors or {}, "notices": notices}


async def _applications_page(
    request: Request, errors: FormErrors | None = None, *, status: int = 200
) -> Response:
    node = node_of(request)
    principle = (await principle_of(node)).principle
    applications = await shown_applications(node)
    listed = {item.application.actor_uri for item in applications}
    context = {"applications": applications, **_form_context(principle, listed, errors)}
    return await render(request, "admin/applications.html", context, status=status)


async def applications_page(request: Request) -> Response:
    await require_admin(request)
    return await _applications_page(request)


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


@csrf_protected
async def admit(request: Request, form: FormData) -> Response:
    viewer = await require_admin(request)
    node = node_of(request)
    applicant = _text(form, "applicant")
    member_class = _text(form, "member_class") or None
    try:
        await admit_applicant(
            node, applicant, member_class=member_class, by=node.uris.actor(viewer.username)
        )
    except NotFound:
        return await _applications_page(
            request,
            {applicant: {"form": (await page_translator(request)).gettext(GONE)}},
            status=409,
        )
    except ServiceError as error:
        errors = {applicant: {"member_class": str(error).capitalize() + "."}}
        return await _applications_page(request, errors, status=409)
    return RedirectResponse("/admin/applications", status_code=303)


@csrf_protected
async def reject(request: Request, form: FormData) -> Response:
    viewer = await require_admin(request)
    node = node_of(request)
    applicant = _text(form, "applicant")
    reason = _text(form, "reason")
    if not reason or len(reason) > MAX_REASON:
        tr = await page_translator(request)
        wanted = tr.gettext("Give the reason the applicant will be told.")
        if reason:
            wanted = tr.gettext("Too long.")
        return await _applications_page(request, {applicant: {"reason": wanted}}, status=400)
    if not confirmed(form):  # the applicant is told at once: no undo
        return await _confirm_reject(request, applicant, reason)
    try:
        await reject_applicant(node, applicant, reason=reason, by=node.uris.actor(viewer.username))
    except NotFound:
        return await _applications_page(
            request,
            {applicant: {"form": (await page_translator(request)).gettext(GONE)}},
            status=409,
        )
    except ServiceError as error:
        errors = {applicant: {"reason": str(error).capitalize() + "."}}
        return await _applications_page(request, errors, status=409)
    return RedirectResponse("/admin/applications", status_code=303)


async def _confirm_reject(request: Request, applicant: str, reason: str) -> Response:
    tr = await page_translator(request)
    confirmation = Confirmation(
        heading=tr.gettext("Reject this application?"),
        explanation=tr.gettext(
            "%(applicant)s will be told their application was rejected, with this reason:"
            " “%(reason)s”. They would have to apply again.",
            applicant=applicant,
            reason=reason,
        ),
        button=tr.gettext("Reject the application"),
        cancel="/admin/applications",
        fields=(("applicant", applicant), ("reason", reason)),
    )
    return await ask(request, confirmation)


async def _members_page(
    request: Request, errors: FormErrors | None = None, *, status: int = 200
) -> Response:
    node = node_of(request)
    records = await list_members(node)
    shown = []
    async with node.engine.connect() as conn:
        links = await link_store.links_by_member(conn)
        for record in records:
            who = await person_label(conn, node, record.actor_uri, record.handle)
            linked = tuple(link_view(link).label for link in links.get(record.row_id, []))
            shown.append(ShownMember(record, who, is_local(node, record.actor_uri), linked))
    principle = (await principle_of(node)).principle
    listed = {item.record.member_id for item in shown}
    context = {"members": shown, **_form_context(principle, listed, errors)}
    return await render(request, "admin/members.html", context, status=status)


async def members_page(request: Request) -> Response:
    await require_admin(request)
    return await _members_page(request)


@csrf_protected
async def change_class(request: Request, form: FormData) -> Response:
    viewer = await require_admin(request)
    node = node_of(request)
    member = _text(form, "member")
    try:
        await change_member_class(
            node, member, _text(form, "member_class"), decided_by=node.uris.actor(viewer.username)
        )
    except ServiceError as error:  # NotFound included: the member id came from our own page
        errors = {member: {"member_class": str(error).capitalize() + "."}}
        return await _members_page(request, errors, status=409)
    return RedirectResponse("/admin/members", status_code=303)


@csrf_protected
async def reinstate(request: Request, form: FormData) -> Response:
    viewer = await require_admin(request)
    node = node_of(request)
    member = _text(form, "member")
    try:
        await reinstate_member(node, member, decided_by=node.uris.actor(viewer.username))
    except ServiceError as error:
        errors = {member: {"reinstate": str(error).capitalize() + "."}}
        return await _members_page(request, errors, status=409)
    return RedirectResponse("/admin/members", status_code=303)


routes = [
    Route("/admin/applications", applications_page, methods=["GET"]),
    Route("/admin/applications/admit", admit, methods=["POST"]),
    Route("/admin/applications/reject", reject, methods=["POST"]),
    Route("/admin/members", members_page, methods=["GET"]),
    Route("/admin/members/class", change_class, methods=["POST"]),
    Route("/admin/members/reinstate", reinstate, methods=["POST"]),
]
