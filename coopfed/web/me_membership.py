"""The "Your membership" section of /me (class, shares, status, data export), the "Your
application" section (its state: waiting, being voted on, admitted, or not accepted with the
reason) and `GET /me/export.json`: everything the node holds about the member, as a download.

Importing this module registers both sections in `me.SECTIONS`, first on the page.
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coopfed.node import Node
from coopfed.services.errors import NotFound
from coopfed.services.member_export import export_member
from coopfed.services.members import find_member
from coopfed.services.membership import latest_application
from coopfed.store.membership import ApplicationState
from coopfed.web import me
from coopfed.web.errors import error_response
from coopfed.web.sessions import Viewer, require_member
from coopfed.web.state import node_of
from coopfed.web.translate import N_


async def membership_section(node: Node, viewer: Viewer) -> me.PersonalSection | None:
    try:
        record, _events = await find_member(node, node.uris.actor(viewer.username))
    except NotFound:
        return None  # an account without membership (yet): nothing to show
    context = {"record": record}
    return me.PersonalSection("membership", N_("Your membership"), "me/membership.html", context)


STATE_WORDS = {
    ApplicationState.PENDING: N_("Waiting for an admin's decision"),
    ApplicationState.VOTING: N_("The members are voting on it"),
    ApplicationState.ADMITTED: N_("Admitted"),
    ApplicationState.REJECTED: N_("Not accepted"),
}


async def application_section(node: Node, viewer: Viewer) -> me.PersonalSection | None:
    application = await latest_application(node, node.uris.actor(viewer.username))
    if application is None:
        return None  # an account made by an admin, not through /apply
    context = {"application": application, "state": STATE_WORDS[application.state]}
    return me.PersonalSection("application", N_("Your application"), "me/application.html", context)


async def export_download(request: Request) -> Response:
    viewer = await require_member(request)
    node = node_of(request)
    try:
        document = await export_member(node, node.uris.actor(viewer.username))
    except NotFound:
        return error_response(404, "not_found", "you are not a member, so there is nothing held")
    body = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    headers = {
        "Content-Disposition": f'attachment; filename="{viewer.username}-membership-export.json"',
        "Cache-Control": "private, no-store",
    }
    return Response(body, media_type="application/json", headers=headers)


if membership_section not in me.SECTIONS:
    me.SECTIONS.insert(0, membership_section)
if application_section not in me.SECTIONS:
    me.SECTIONS.insert(1, application_section)

routes = [Route("/me/export.json", export_download, methods=["GET"])]
