"""Moderating a proposal's discussion on the site: admins hide, remove (after a confirmation:
it cannot be undone) or release comments from the proposal page; members report a comment
with a reason; `/admin/reports` lists every open report, with the same buttons and Dismiss.

Thin over services/comment_moderation.py (the CLI's services). Every POST is CSRF-protected;
a refusal is shown on the proposal page (409), a comment or proposal that does not exist is a
404.
"""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from coopfed.services import comment_moderation as moderation
from coopfed.services import comments as comment_service
from coopfed.services.errors import NotFound, ServiceError
from coopfed.web.confirm import Confirmation, ask, confirmed
from coopfed.web.csrf import csrf_protected
from coopfed.web.errors import error_response
from coopfed.web.proposal_pages import proposal_page
from coopfed.web.sessions import require_admin, require_member
from coopfed.web.state import node_of
from coopfed.web.templating import render
from coopfed.web.translate import page_translator

REPORTS_PAGE = "/admin/reports"


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _back(form: FormData, slug: str) -> str:
    """Where an admin's button returns: the reports page it was pressed on, else the thread
    (never a URL taken from the form)."""
    return REPORTS_PAGE if _field(form, "back") == "reports" else f"/proposals/{slug}#discussion"


async def _refused(request: Request, slug: str, error: ServiceError) -> Response:
    return await proposal_page(request, slug, {"comment_admin_error": str(error)}, status=409)


@csrf_protected
async def hide_action(request: Request, form: FormData) -> Response:
    viewer = await require_admin(request)
    node = node_of(request)
    slug = request.path_params["slug"]
    try:
        await moderation.hide_comment(
            node,
            slug,
            _field(form, "comment"),
            by=node.uris.actor(viewer.username),
            reason=_field(form, "reason"),
        )
    except NotFound as missing:
        return error_response(404, "not_found", str(missing))
    except ServiceError as error:
        return await _refused(request, slug, error)
    return RedirectResponse(_back(form, slug), status_code=303)


@csrf_protected
async def remove_action(request: Request, form: FormData) -> Response:
    viewer = await require_admin(request)
    node = node_of(request)
    slug = request.path_params["slug"]
    comment = _field(form, "comment")
    if not confirmed(form):
        fields = [("comment", comment), ("back", _field(form, "back"))]
        tr = await page_translator(request)
        return await ask(
            request,
            Confirmation(
                heading=tr.gettext("Remove this comment?"),
                explanation=tr.gettext(
                    "Its text and its earlier versions are erased for good, and it leaves the"
                    " discussion; if the co-op published it, its deletion is sent to the"
                    " fediverse. Hiding it instead keeps the text for admins."
                ),
                button=tr.gettext("Remove the comment"),
                cancel=_back(form, slug),
                fields=fields,
            ),
        )
    try:
        await moderation.remove_comment(node, slug, comment, by=node.uris.actor(viewer.username))
    except NotFound as missing:
        return error_response(404, "not_found", str(missing))
    except ServiceError as error:
        return await _refused(request, slug, error)
    return RedirectResponse(_back(form, slug), status_code=303)


@csrf_protected
async def release_action(request: Request, form: FormData) -> Response:
    await require_admin(request)
    slug = request.path_params["slug"]
    try:
        await comment_service.release_reply(node_of(request), slug, _field(form, "comment"))
    except NotFound as missing:
        return error_response(404, "not_found", str(missing))
    except ServiceError as error:
        return await _refused(request, slug, error)
    return RedirectResponse(f"/proposals/{slug}#discussion", status_code=303)


@csrf_protected
async def report_action(request: Request, form: FormData) -> Response:
    viewer = await require_member(request)
    slug = request.path_params["slug"]
    comment = _field(form, "comment")
    try:
        await moderation.report_comment(
            node_of(request), slug, comment, viewer.username, _field(form, "reason")
        )
    except NotFound:
        return error_response(404, "not_found", "no such comment")
    except ServiceError as error:
        extra = {"report_error": str(error), "report_comment": comment}
        return await proposal_page(request, slug, extra, status=400)
    notice = (await page_translator(request)).gettext(
        "Thank you: the co-op's admins will look at this comment."
    )
    return await proposal_page(request, slug, {"comment_notice": notice})


async def reports_page(request: Request) -> Response:
    await require_admin(request)
    views, total = await moderation.open_reports(node_of(request))
    return await render(request, "admin/reports.html", {"reports": views, "total": total})


@csrf_protected
async def dismiss_action(request: Request, form: FormData) -> Response:
    viewer = await require_admin(request)
    node = node_of(request)
    slug = _field(form, "proposal")
    raw = request.path_params["id"]
    if not raw.isdigit():
        return error_response(404, "not_found", "no such report")
    try:
        await moderation.dismiss_report(node, slug, int(raw), by=node.uris.actor(viewer.username))
    except NotFound as missing:
        return error_response(404, "not_found", str(missing))
    except ServiceError as error:
        return error_response(409, "conflict", str(error))
    return RedirectResponse(REPORTS_PAGE, status_code=303)


routes = [
    Route("/proposals/{slug}/comments/hide", hide_action, methods=["POST"]),
    Route("/proposals/{slug}/comments/remove", remove_action, methods=["POST"]),
    Route("/proposals/{slug}/comments/release", release_action, methods=["POST"]),
    Route("/proposals/{slug}/comments/report", report_action, methods=["POST"]),
    Route(REPORTS_PAGE, reports_page, methods=["GET"]),
    Route(REPORTS_PAGE + "/{id}/dismiss", dismiss_action, methods=["POST"]),
]
