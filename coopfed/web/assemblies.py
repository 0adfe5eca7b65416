"""`/assemblies` and `/assemblies/{id}`: general assemblies for browsers (the agenda with each
proposal's state and result, attendance, the quorum; admins add proposals to the agenda and
record attendance) and, at the
same IRI, the `Event` for servers (content negotiation, as proposals).

Who sees what is services/audience.py's: a members-only or allies-only assembly's Event is
served only to a signed GET from a member (or an ally), anyone else gets 404 as for an
assembly that does not exist. Its page follows the same rules with the session's reader;
the names of who attended are shown to members and admins, the counts to every reader.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from coopfed.governance.proposal import VISIBILITIES
from coopfed.services import assemblies as assembly_service
from coopfed.services import assembly_minutes
from coopfed.services.errors import ServiceError
from coopfed.web.csrf import csrf_protected
from coopfed.web.errors import error_response
from coopfed.web.negotiation import activity_response, wants_activity_json
from coopfed.web.proposal_pages import method_namer, reader_of
from coopfed.web.proposals import signing_actor
from coopfed.web.sessions import require_admin
from coopfed.web.state import node_of
from coopfed.web.templating import render
from coopfed.web.translate import page_translator

NOT_FOUND = "no such assembly"
FIELDS = ("title", "starts", "ends", "place", "link", "quorum", "visibility")
# Words in a service's refusal → the form field it is about (first match wins).
ERROR_FIELDS = (
    ("title", "title"), ("place", "place"), ("link", "link"), ("quorum", "quorum"),
    ("end after", "ends"), ("time zone", "starts"), ("visibility", "visibility"),
)  # fmt: skip


def _local_time(text: str, zone: str) -> datetime | None:
    """A browser's datetime-local value (no zone) in the co-op's time zone; None if unreadable."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.replace(tzinfo=ZoneInfo(zone)) if moment.tzinfo is None else moment


async def _form_page(
    request: Request, values: dict[str, str], errors: dict[str, str], *, status: int = 200
) -> Response:
    context = {"values": values, "errors": errors, "visibilities": VISIBILITIES}
    return await render(request, "assemblies/new.html", context, status=status)


async def new_assembly(request: Request) -> Response:
    await require_admin(request)
    return await _form_page(request, {"visibility": "public"}, {})


@csrf_protected
async def create(request: Request, form: FormData) -> Response:
    """An admin calls an assembly; its Event goes out with it."""
    await require_admin(request)
    node = node_of(request)
    values = {name: str(form.get(name) or "").strip() for name in FIELDS}
    zone = node.settings.coop.time_zone
    errors: dict[str, str] = {}
    starts = _local_time(values["starts"], zone)
    if starts is None:
        errors["starts"] = (await page_translator(request)).gettext(
            "Give the date and time it starts."
        )
    ends = _local_time(values["ends"], zone) if values["ends"] else None
    if values["ends"] and ends is None:
        errors["ends"] = (await page_translator(request)).gettext(
            "Give the date and time it ends, or leave it empty."
        )
    if errors:
        return await _form_page(request, values, errors, status=400)
    assert starts is not None
    draft = assembly_service.AssemblyDraft(
        title=values["title"],
        starts_at=starts,
        ends_at=ends,
        place=values["place"] or None,
        link=values["link"] or None,
        quorum=values["quorum"] or None,
        visibility=values["visibility"] or "public",
    )
    try:
        detail = await assembly_service.create_assembly(node, draft)
    except ServiceError as error:
        message = str(error)
        where = next((f for words, f in ERROR_FIELDS if words in message), "form")
        return await _form_page(request, values, {where: message}, status=400)
    return RedirectResponse(f"/assemblies/{detail.record.slug}", status_code=303)


async def assemblies_list(request: Request) -> Response:
    reader = await reader_of(request)
    node = node_of(request)
    listing = await assembly_service.list_for(node, reader.actor, is_admin=reader.is_admin)
    return await render(request, "assemblies/list.html", {"assemblies": listing})


async def _page(
    request: Request,
    slug: str,
    *,
    error: str | None = None,
    agenda_error: str | None = None,
    status: int = 200,
) -> Response:
    reader = await reader_of(request)
    page = await assembly_service.load_page(
        node_of(request), slug, reader.actor, is_admin=reader.is_admin
    )
    if page is None:
        return error_response(404, "not_found", NOT_FOUND)
    context = {"page": page, "record": page.detail.record, "quorum": page.detail.quorum,
               "method_name": method_namer(await page_translator(request)), "attend_error": error,
               "agenda_error": agenda_error}  # fmt: skip
    return await render(request, "assemblies/page.html", context, status=status)


async def assembly(request: Request) -> Response:
    node = node_of(request)
    slug = request.path_params["slug"]
    if not wants_activity_json(request):
        return await _page(request, slug)
    visibility = await assembly_service.visibility_of(node, slug)
    if visibility is None:
        return error_response(404, "not_found", NOT_FOUND)
    # Public: the same document for everyone, no signature checked (no key fetched).
    reader = None if visibility == "public" else await signing_actor(node, request)
    event = await assembly_service.served_event(node, slug, reader)
    if event is None:
        return error_response(404, "not_found", NOT_FOUND)
    response = activity_response(event)
    if visibility != "public":
        response.headers["Cache-Control"] = "private, no-store"
    return response


@csrf_protected
async def attend(request: Request, form: FormData) -> Response:
    """An admin records that a member attended (by id, username or handle)."""
    viewer = await require_admin(request)
    slug = request.path_params["slug"]
    member = form.get("member")
    text = member.strip() if isinstance(member, str) else ""
    if not text:
        return await _page(
            request,
            slug,
            error=(await page_translator(request)).gettext("Name the member who attended."),
            status=400,
        )
    try:
        await assembly_service.record_attendance(
            node_of(request), slug, text, by=f"web:{viewer.username}"
        )
    except ServiceError as error:  # NotFound too: an unknown member is the form's error
        return await _page(request, slug, error=str(error), status=400)
    return RedirectResponse(f"/assemblies/{slug}#attendance", status_code=303)


@csrf_protected
async def add_item(request: Request, form: FormData) -> Response:
    """An admin puts a proposal on the agenda (last); the Event's Update goes out with it."""
    await require_admin(request)
    slug = request.path_params["slug"]
    proposal = form.get("proposal")
    text = proposal.strip() if isinstance(proposal, str) else ""
    if not text:
        return await _page(
            request,
            slug,
            agenda_error=(await page_translator(request)).gettext("Choose a proposal."),
            status=400,
        )
    try:
        await assembly_service.add_to_agenda(node_of(request), slug, text)
    except ServiceError as error:
        return await _page(request, slug, agenda_error=str(error), status=400)
    return RedirectResponse(f"/assemblies/{slug}#agenda-heading", status_code=303)


async def minutes(request: Request) -> Response:
    """The minutes as Markdown or PDF, for those who see the attendance (members, admins)."""
    node = node_of(request)
    reader = await reader_of(request)
    slug = request.path_params["slug"]
    kind = request.path_params["format"]
    page = await assembly_service.load_page(node, slug, reader.actor, is_admin=reader.is_admin)
    if kind not in ("md", "pdf") or page is None or not page.sees_attendance:
        return error_response(404, "not_found", NOT_FOUND)
    coop = node.settings.coop
    drawn = assembly_minutes.minutes_of(page.detail, coop.name, coop.time_zone)
    name = f"minutes-{page.detail.record.slug}"
    private = {"Cache-Control": "private, no-store"}
    if kind == "pdf":
        headers = {**private, "Content-Disposition": f'attachment; filename="{name}.pdf"'}
        pdf = assembly_minutes.minutes_pdf(drawn)
        return Response(pdf, media_type="application/pdf", headers=headers)
    markdown = assembly_minutes.minutes_markdown(drawn)
    return Response(markdown, media_type="text/markdown; charset=utf-8", headers=private)


routes = [
    Route("/assemblies", assemblies_list, methods=["GET"]),
    Route("/assemblies/new", new_assembly, methods=["GET"]),
    Route("/assemblies/new", create, methods=["POST"]),
    Route("/assemblies/{slug}/attend", attend, methods=["POST"]),
    Route("/assemblies/{slug}/agenda", add_item, methods=["POST"]),
    Route("/assemblies/{slug}/minutes.{format:str}", minutes, methods=["GET"]),
    Route("/assemblies/{slug}", assembly, methods=["GET"]),
]
