"""The "Proxies" section of /me: the proxies a member gave and holds; granting and revoking.

`POST /me/proxies/grant` lets another member (username or handle) vote for the signed-in
member: on one proposal (its id), or on the proposals on an upcoming assembly's agenda, or
through a day, or until revoked; the charter's rules
decide (services/proxies.py) and a refusal is shown with its reason. `POST /me/proxies/revoke`
ends a grant she gave or holds. Importing this module registers the section in `me.SECTIONS`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coopfed.node import Node
from coopfed.services.errors import NotFound, ServiceError
from coopfed.services.proxies import grant_proxy, proxies_of, revoke_proxy, through_day
from coopfed.web import me
from coopfed.web.csrf import csrf_protected
from coopfed.web.sessions import Viewer, require_member
from coopfed.web.state import node_of
from coopfed.web.translate import N_, page_translator

KEY = "proxies"
FIELD_MAX = 300  # a username, handle or proposal id; anything longer is not one


async def proxies_section(node: Node, viewer: Viewer) -> me.PersonalSection | None:
    mine = await proxies_of(node, node.uris.actor(viewer.username))
    if mine is None:
        return None  # not a member: nothing to give or hold
    if not mine.allowed and not mine.given and not mine.held:
        return None  # the charter has no proxies and none are left from before
    return me.PersonalSection(KEY, N_("Proxies"), "me/proxies.html", {"mine": mine})


async def _answer(
    request: Request, viewer: Viewer, extra: dict[str, Any], status: int = 200
) -> Response:
    return await me.render_personal_page(request, viewer, {KEY: extra}, status=status)


def _text(form: FormData, name: str) -> str | None:
    value = form.get(name)
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()


@csrf_protected
async def grant(request: Request, form: FormData) -> Response:
    """Grant a proxy from the signed-in member to the member named in the form."""
    viewer = await require_member(request)
    node = node_of(request)
    holder, proposal, until, assembly = (
        _text(form, n) for n in ("holder", "proposal", "until", "assembly")
    )
    entered = {
        "holder": holder or "",
        "proposal": proposal or "",
        "until": until or "",
        "assembly": assembly or "",
    }
    if holder is None or any(len(v) > FIELD_MAX for v in entered.values()):
        error = (await page_translator(request)).gettext("name the member who will vote for you")
        return await _answer(request, viewer, {"error": error, "entered": entered}, status=400)
    ends = None
    if until is not None:
        try:
            ends = through_day(date.fromisoformat(until), node.settings.coop.time_zone)
        except ValueError:
            error = (await page_translator(request)).gettext(
                "%(until)s is not a date such as 2030-03-31", until=repr(until)
            )
            return await _answer(request, viewer, {"error": error, "entered": entered}, status=400)
    try:
        view = await grant_proxy(
            node,
            node.uris.actor(viewer.username),
            holder,
            proposal=proposal,
            until=ends,
            assembly=assembly,
        )
    except NotFound as error:
        return await _answer(request, viewer, {"error": str(error), "entered": entered}, status=404)
    except ServiceError as error:
        return await _answer(request, viewer, {"error": str(error), "entered": entered}, status=409)
    return await _answer(request, viewer, {"granted": view})


@csrf_protected
async def revoke(request: Request, form: FormData) -> Response:
    """Revoke a grant the signed-in member gave or holds."""
    viewer = await require_member(request)
    node = node_of(request)
    raw = form.get("proxy")
    if not isinstance(raw, str) or not raw.isdigit() or len(raw) > 12:
        return await _answer(
            request,
            viewer,
            {"error": (await page_translator(request)).gettext("no proxy chosen")},
            status=400,
        )
    try:
        view = await revoke_proxy(node, int(raw), by=node.uris.actor(viewer.username))
    except NotFound as error:
        return await _answer(request, viewer, {"error": str(error)}, status=404)
    except ServiceError as error:
        return await _answer(request, viewer, {"error": str(error)}, status=409)
    return await _answer(request, viewer, {"revoked": view})


if proxies_section not in me.SECTIONS:
    me.SECTIONS.append(proxies_section)

routes = [
    Route("/me/proxies/grant", grant, methods=["POST"]),
    Route("/me/proxies/revoke", revoke, methods=["POST"]),
]
