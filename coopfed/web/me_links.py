"""The "Fediverse account" section of /me: link accounts whose votes count as the member's.

`POST /me/links/code` makes a one-time code, shown once on the page that answers (never
stored in clear, never in a URL); the member sends it from their fediverse account in a direct
message to the co-op actor. `POST /me/links/unlink` removes a link. Linked accounts are always
shown with their host, names cleaned. Importing this module registers the section in
`me.SECTIONS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coopfed.node import Node
from coopfed.services.account_links import account_links, issue_code, unlink
from coopfed.services.errors import NotFound, ServiceError
from coopfed.store.account_links import LinkedActor
from coopfed.web import me
from coopfed.web.csrf import csrf_protected
from coopfed.web.errors import error_page
from coopfed.web.sanitize import remote_actor_label
from coopfed.web.sessions import Viewer, require_member
from coopfed.web.state import node_of
from coopfed.web.translate import N_, page_translator

KEY = "links"


@dataclass(frozen=True)
class LinkView:
    row_id: int
    label: str  # `name (@user@host)`: cleaned, always with the host
    actor_uri: str
    linked_at: Any


def link_view(link: LinkedActor) -> LinkView:
    parts = urlsplit(link.actor_uri)
    host = link.host or parts.hostname or "unknown host"
    # Never fetched (no username known): the last path segment stands in, as Mastodon's URLs go.
    username = link.username or parts.path.rstrip("/").rsplit("/", 1)[-1] or "?"
    label = remote_actor_label(link.name, username, host)
    return LinkView(link.row_id, label, link.actor_uri, link.linked_at)


async def links_section(node: Node, viewer: Viewer) -> me.PersonalSection | None:
    found = await account_links(node, viewer.username)
    if found is None:
        return None  # not a member: nothing to link
    context = {
        "links": [link_view(link) for link in found.links],
        "pending_until": found.pending_until,
        "coop_handle": f"@{node.settings.coop.handle}@{node.settings.domain}",
    }
    return me.PersonalSection(KEY, N_("Fediverse account"), "me/links.html", context)


async def _answer(
    request: Request, viewer: Viewer, extra: dict[str, Any], status: int = 200
) -> Response:
    response = await me.render_personal_page(request, viewer, {KEY: extra}, status=status)
    response.headers["Cache-Control"] = "private, no-store"  # the page may carry a code
    return response


@csrf_protected
async def new_code(request: Request, form: FormData) -> Response:
    """Make a code and show it once."""
    viewer = await require_member(request)
    try:
        issued = await issue_code(node_of(request), viewer.username)
    except NotFound as error:  # no membership, so no section to show the error in
        return error_page(request, 404, str(error))
    except ServiceError as error:
        return await _answer(request, viewer, {"error": str(error)}, status=409)
    return await _answer(request, viewer, {"issued": issued})


@csrf_protected
async def remove_link(request: Request, form: FormData) -> Response:
    """Unlink one account; its later votes no longer count for the member."""
    viewer = await require_member(request)
    raw = form.get("link")
    if not isinstance(raw, str) or not raw.isdigit() or len(raw) > 12:
        return await _answer(
            request,
            viewer,
            {"error": (await page_translator(request)).gettext("no linked account chosen")},
            status=400,
        )
    try:
        actor_uri = await unlink(node_of(request), viewer.username, int(raw))
    except NotFound as error:
        return await _answer(request, viewer, {"error": str(error)}, status=404)
    return await _answer(request, viewer, {"unlinked": actor_uri})


if links_section not in me.SECTIONS:
    me.SECTIONS.append(links_section)

routes = [
    Route("/me/links/code", new_code, methods=["POST"]),
    Route("/me/links/unlink", remove_link, methods=["POST"]),
]
