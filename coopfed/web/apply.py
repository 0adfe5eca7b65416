"""`/apply`: a person applies for membership on the site.

One unit of work: a local account (never an admin) and the application for its actor, so a
refused application leaves no account behind. Field errors are shown next to their field. The
e-mail address (optional, recommended) or a fediverse handle is where the applicant is told the
outcome (`application_outcomes`); a bad address, or a handle that does not resolve to an actor,
is refused (400) with the reason, the form kept. The handle is resolved only once every other
field is right, so a form with mistakes costs no request.
Applications posted are limited per client address (`apply_limit`): 429 past the limit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coopfed.governance.membership import ClassPolicy
from coopfed.services.accounts import (
    AccountError,
    create_local_account,
    validate_password,
    validate_username,
)
from coopfed.services.addresses import normalise_email
from coopfed.services.application_outcomes import resolve_contact
from coopfed.services.errors import ServiceError
from coopfed.services.membership import ApplicationRequest, ApplyStatus, receive_application
from coopfed.services.membership_principle import principle_of
from coopfed.web import apply_limit
from coopfed.web.clientaddr import client_of
from coopfed.web.csrf import csrf_protected
from coopfed.web.language import choose
from coopfed.web.state import node_of
from coopfed.web.templating import render
from coopfed.web.translate import ENGLISH, N_, Translator, page_translator

MAX_MESSAGE = 2000
MAX_EMAIL_FIELD = 400  # kept to show again; the address itself is checked to 254 characters
TOO_MANY_APPLICATIONS = N_(
    "Too many applications were sent from your address. Please try again in %(minutes)s"
    " minutes; nothing was saved this time."
)


@dataclass
class ApplyForm:
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    contact_actor: str | None = None  # the actor IRI the fediverse handle resolved to


class Refused(Exception):
    """The application was refused inside the transaction: roll the account back too."""


async def open_classes(request: Request) -> tuple[list[ClassPolicy], str]:
    """Classes open to applications (the default first when open) and the default's name."""
    principle = (await principle_of(node_of(request))).principle
    classes = [policy for policy in principle.classes if policy.open_to_applications]
    classes.sort(key=lambda policy: policy.name != principle.default_class)
    return classes, principle.default_class


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _typed(form: FormData) -> dict[str, str]:
    """What the form shows again after a refusal (never the password)."""
    return {
        "username": _text(form, "username").lower()[:64],
        "email": _text(form, "email")[:MAX_EMAIL_FIELD],
        "fediverse": _text(form, "fediverse")[:MAX_EMAIL_FIELD],
        "message": _text(form, "message"),
        "member_class": _text(form, "member_class"),
    }


def read_apply_form(form: FormData, class_names: list[str], tr: Translator = ENGLISH) -> ApplyForm:
    password = form.get("password")
    read = ApplyForm(_typed(form))
    try:
        validate_username(read.values["username"])
    except AccountError:
        read.errors["username"] = tr.gettext("1 to 30 characters: lowercase letters, digits and _.")
    try:
        validate_password(password if isinstance(password, str) else "")
    except AccountError as error:
        read.errors["password"] = str(error).capitalize() + "."
    if read.values["email"]:
        try:
            read.values["email"] = normalise_email(read.values["email"])
        except ServiceError as error:
            reason = str(error)  # not .capitalize(): it would lower the address quoted in it
            read.errors["email"] = reason[:1].upper() + reason[1:] + "."
    if len(read.values["message"]) > MAX_MESSAGE:
        read.errors["message"] = tr.gettext("At most %(most)s characters.", most=MAX_MESSAGE)
    if not read.values["member_class"] and len(class_names) == 1:
        read.values["member_class"] = class_names[0]
    if read.values["member_class"] not in class_names:
        read.errors["member_class"] = tr.gettext("Choose one of the classes listed.")
    return read


async def _form_page(
    request: Request, read: ApplyForm, *, status: int = 200, notice: str = ""
) -> Response:
    classes, _default = await open_classes(request)
    context = {"values": read.values, "errors": read.errors, "classes": classes, "notice": notice}
    return await render(request, "apply.html", context, status=status)


async def apply_page(request: Request) -> Response:
    classes, default = await open_classes(request)
    chosen = default if any(policy.name == default for policy in classes) else ""
    return await _form_page(request, ApplyForm({"member_class": chosen}))


async def _apply(request: Request, read: ApplyForm, password: str) -> str:
    """Account and application in one transaction; the message the applicant is shown."""
    node = node_of(request)
    username = read.values["username"]
    now = node.now()
    application = ApplicationRequest(
        actor_uri=node.uris.actor(username),
        handle=username,
        requested_class=read.values["member_class"],
        message=read.values["message"],
        source="web",
        email=read.values["email"] or None,
        contact_actor=read.contact_actor,
        language=await choose(request),  # the outcome is written in the language of this page
    )
    async with node.engine.begin() as conn:
        await create_local_account(
            conn, username=username, password=password, is_admin=False, now=now
        )
        outcome = await receive_application(conn, node.uris, application, now)
        if outcome.status is not ApplyStatus.RECEIVED:
            raise Refused(outcome.message)
    return outcome.message


async def _too_many(request: Request, form: FormData) -> Response:
    """429: the form again (what was typed kept, never the password) with the reason."""
    node = node_of(request)
    minutes = node.settings.web.apply_window_minutes
    read = ApplyForm(_typed(form))
    read.values["message"] = read.values["message"][:MAX_MESSAGE]
    notice = (await page_translator(request)).gettext(TOO_MANY_APPLICATIONS, minutes=minutes)
    response = await _form_page(request, read, status=429, notice=notice)
    response.headers["Retry-After"] = str(apply_limit.retry_after_seconds(node))
    return response


@csrf_protected
async def apply(request: Request, form: FormData) -> Response:
    node = node_of(request)
    address = client_of(request)
    if await apply_limit.is_blocked(node, address):
        return await _too_many(request, form)
    await apply_limit.note_attempt(node, address)
    classes, _default = await open_classes(request)
    read = read_apply_form(
        form, [policy.name for policy in classes], (await page_translator(request))
    )
    if read.errors:
        return await _form_page(request, read, status=400)
    if read.values["fediverse"]:
        try:
            read.contact_actor = await resolve_contact(node, read.values["fediverse"])
        except ServiceError as error:
            reason = str(error)
            read.errors["fediverse"] = reason[:1].upper() + reason[1:] + "."
            return await _form_page(request, read, status=400)
    password = form.get("password")
    assert isinstance(password, str)  # read_apply_form refused anything else
    try:
        message = await _apply(request, read, password)
    except AccountError as error:
        read.errors["username"] = str(error).capitalize() + "."
        return await _form_page(request, read, status=400)
    except (Refused, ServiceError) as error:
        read.errors["member_class"] = str(error).capitalize() + "."
        return await _form_page(request, read, status=400)
    context = {
        "username": read.values["username"],
        "message": message,
        "email": read.values["email"],
        "fediverse": read.values["fediverse"] if read.contact_actor else "",
    }
    return await render(request, "apply_received.html", context)


routes = [
    Route("/apply", apply_page, methods=["GET"]),
    Route("/apply", apply, methods=["POST"]),
]
