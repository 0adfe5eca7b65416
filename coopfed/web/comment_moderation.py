"""Moderating a thread on the site, a proposal's (`/proposals/{slug}/comments/…`) or a
discussion's (`/discussions/{id}/comments/…`), with the same handlers: admins hide, remove
(after a confirmation: it cannot be undone), release or unhide comments from the page; members
report a comment with a reason; `/admin/reports` lists every open report of both, with the
same buttons and Dismiss.

Thin over services/comment_moderation.py (the CLI's services). Every POST is CSRF-protected;
a refusal is shown on the thread's page (409), a comment or thread that does not exist is a
404.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from coopfed.services import comment_moderation as moderation
from coopfed.services import comments as comment_service
from coopfed.services.errors import NotFound, ServiceError
from coopfed.store.comments import ThreadKind
from coopfed.web.confirm import Confirmation, ask, confirmed
from coopfed.web.csrf import csrf_protected
from coopfed.web.discussions import discussion_page
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


def _thread_of(request: Request) -> tuple[ThreadKind, str]:
    """Which thread the path names: a proposal by its slug, a discussion by its id."""
    if "slug" in request.path_params:
        return ThreadKind.PROPOSAL, request.path_params["slug"]
    return ThreadKind.DISCUSSION, request.path_params["id"]


def _thread_url(kind: ThreadKind, ref: str) -> str:
    if kind is ThreadKind.DISCUSSION:
        return f"/discussions/{ref}#comments"
    return f"/proposals/{ref}#discussion"


def _back(form: FormData, kind: ThreadKind, ref: str) -> str:
    """Where an admin's button returns: the reports page it was pressed on, else the thread
    (never a URL taken from the form)."""
    return REPORTS_PAGE if _field(form, "back") == "reports" else _thread_url(kind, ref)


async def _page(
    request: Request, kind: ThreadKind, ref: str, extra: Mapping[str, Any], status: int = 200
) -> Response:
    if kind is ThreadKind.DISCUSSION:
        return await discussion_page(request, ref, extra, status=status)
    return await proposal_page(request, ref, extra, status=status)


async def _refused(request: Request, kind: ThreadKind, ref: str, error: ServiceError) -> Response:
    return await _page(request, kind, ref, {"comment_admin_error": str(error)}, status=409)


@csrf_protected
async def hide_action(request: Request, form: FormData) -> Response:
    viewer = await require_admin(request)
    node = node_of(request)
    kind, ref = _thread_of(request)
    try:
        await moderation.hide_comment(
            node,
            ref,
            _field(form, "comment"),
            by=node.uris.actor(viewer.username),
            reason=_field(form, "reason"),
            kind=kind,
        )
    except NotFound as missing:
        return error_response(404, "not_found", str(missing))
    except ServiceError as error:
        return await _refused(request, kind, ref, error)
    return RedirectResponse(_back(form, kind, ref), status_code=303)


@csrf_protected
async def unhide_action(request: Request, form: FormData) -> Response:
    await require_admin(request)
    kind, ref = _thread_of(request)
    try:
        await moderation.unhide_comment(node_of(request), ref, _field(form, "comment"), kind=kind)
    except NotFound as missing:
        return error_response(404, "not_found", str(missing))
    except ServiceError as error:
        return await _refused(request, kind, ref, error)
    return RedirectResponse(_thread_url(kind, ref), status_code=303)


@csrf_protected
async def remove_action(request: Request, form: FormData) -> Response:
    viewer = await require_admin(request)
    node = node_of(request)
    kind, ref = _thread_of(request)
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
                cancel=_back(form, kind, ref),
                fields=fields,
            ),
        )
    try:
        await moderation.remove_comment(
            node, ref, comment, by=node.uris.actor(viewer.username), kind=kind
        )
    except NotFound as missing:
        return error_response(404, "not_found", str(missing))
    except ServiceError as error:
        return await _refused(request, kind, ref, error)
    return RedirectResponse(_back(form, kind, ref), status_code=303)


@csrf_protected
async def release_action(request: Request, form: FormData) -> Response:
    await require_admin(request)
    kind, ref = _thread_of(request)
    try:
        await comment_service.release_reply(node_of(request), ref, _field(form, "comment"), kind)
    except NotFound as missing:
        return error_response(404, "not_found", str(missing))
    except ServiceError as error:
        return await _refused(request, kind, ref, error)
    return RedirectResponse(_thread_url(kind, ref), status_code=303)


@csrf_protected
async def report_action(request: Request, form: FormData) -> Response:
    viewer = await require_member(request)
    kind, ref = _thread_of(request)
    comment = _field(form, "comment")
    try:
        await moderation.report_comment(
            node_of(request), ref, comment, viewer.username, _field(form, "reason"), kind
        )
    except NotFound:
        return error_response(404, "not_found", "no such comment")
    except ServiceError as error:
        extra = {"report_error": str(error), "report_comment": comment}
        return await _page(request, kind, ref, extra, status=400)
    notice = (await page_translator(request)).gettext(
        "Thank you: the co-op's admins will look at this comment."
    )
    return await _page(request, kind, ref, {"comment_notice": notice})


async def reports_page(request: Request) -> Response:
    await require_admin(request)
    views, total = await moderation.open_reports(node_of(request))
    return await render(request, "admin/reports.html", {"reports": views, "total": total})


@csrf_protected
async def dismiss_action(request: Request, form: FormData) -> Response:
    viewer = await require_admin(request)
    node = node_of(request)
    # The form names the report's thread: `proposal` (a slug) or `discussion` (an id).
    kind, ref = ThreadKind.PROPOSAL, _field(form, "proposal")
    if not ref and _field(form, "discussion"):
        kind, ref = ThreadKind.DISCUSSION, _field(form, "discussion")
    raw = request.path_params["id"]
    if not raw.isdigit():
        return error_response(404, "not_found", "no such report")
    try:
        await moderation.dismiss_report(
            node, ref, int(raw), by=node.uris.actor(viewer.username), kind=kind
        )
    except NotFound as missing:
        return error_response(404, "not_found", str(missing))
    except ServiceError as error:
        return error_response(409, "conflict", str(error))
    return RedirectResponse(REPORTS_PAGE, status_code=303)


_ACTIONS = (
    ("hide", hide_action),
    ("remove", remove_action),
    ("release", release_action),
    ("report", report_action),
    ("unhide", unhide_action),
)
routes = [
    *(
        Route(f"{thread}/comments/{verb}", action, methods=["POST"])
        for thread in ("/proposals/{slug}", "/discussions/{id}")
        for verb, action in _ACTIONS
    ),
    Route(REPORTS_PAGE, reports_page, methods=["GET"]),
    Route(REPORTS_PAGE + "/{id}/dismiss", dismiss_action, methods=["POST"]),
]
