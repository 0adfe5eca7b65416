"""WebFinger, NodeInfo and host-meta endpoints."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from coopfed.federation.discovery import (
    WebfingerQueryError,
    nodeinfo_document,
    nodeinfo_index,
    parse_webfinger_resource,
    webfinger_jrd,
)
from coopfed.services import node_info
from coopfed.web.errors import error_response
from coopfed.web.state import node_of

CORS = {"Access-Control-Allow-Origin": "*"}


async def webfinger(request: Request) -> Response:
    node = node_of(request)
    try:
        target = parse_webfinger_resource(
            request.query_params.get("resource", ""), domain=node.settings.domain, uris=node.uris
        )
    except WebfingerQueryError as exc:
        return error_response(400, "bad_resource", str(exc))
    if target is None or not await node_info.is_public_actor(node, target.username):
        return error_response(404, "not_found", "no such account on this server")
    jrd = webfinger_jrd(target.username, domain=node.settings.domain, uris=node.uris)
    return JSONResponse(jrd, media_type="application/jrd+json", headers=CORS)


async def nodeinfo_links(request: Request) -> Response:
    return JSONResponse(nodeinfo_index(node_of(request).uris), headers=CORS)


async def nodeinfo(request: Request) -> Response:
    node = node_of(request)
    stats = await node_info.usage(node)
    document = nodeinfo_document(
        coop_name=node.settings.coop.name,
        coop_handle=node.settings.coop.handle,
        people=stats.people,
        open_registrations=stats.open_registrations,
    )
    media_type = 'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.1#"'
    return JSONResponse(document, media_type=media_type, headers=CORS)


async def host_meta(request: Request) -> Response:
    # Some older clients find WebFinger through host-meta (RFC 6415).
    template = f"{node_of(request).uris.base}/.well-known/webfinger?resource={{uri}}"
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">'
        f'<Link rel="lrdd" type="application/jrd+json" template="{template}"/></XRD>\n'
    )
    return Response(xml, media_type="application/xrd+xml", headers=CORS)


routes = [
    Route("/.well-known/webfinger", webfinger),
    Route("/.well-known/nodeinfo", nodeinfo_links),
    Route("/.well-known/host-meta", host_meta),
    Route("/nodeinfo/2.1", nodeinfo),
]
