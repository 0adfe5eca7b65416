"""Inbox endpoints: `POST /actors/{username}/inbox` and the shared `POST /inbox`.

Thin adapter over `coopfed.federation.inbox`: read the body under the cap, hand over the URL as
the sender addressed it (our public base URL, raw path and query), turn the answer into JSON.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from coopfed import metrics
from coopfed.federation import inbox as pipeline
from coopfed.node import Node
from coopfed.store import actors as actor_store
from coopfed.web.clientaddr import client_of
from coopfed.web.state import node_of


def _public_url(node: Node, request: Request) -> str:
    raw_path = request.scope.get("raw_path") or request.url.path.encode()
    url = node.uris.base + raw_path.decode("latin-1")
    query = request.scope.get("query_string", b"")
    return f"{url}?{query.decode('latin-1')}" if query else url


async def _actor_exists(node: Node, username: str) -> bool:
    # Local actors are never deleted, so a positive answer is kept for the process.
    known = node.federation.known_usernames
    if username in known:
        return True
    async with node.engine.connect() as conn:
        found = await actor_store.get_local_actor(conn, username) is not None
    if found:
        known.add(username)
    return found


def _response(answer: pipeline.InboxAnswer) -> Response:
    if answer.body is None:
        return Response(status_code=answer.status, headers=answer.headers)
    return JSONResponse(answer.body, status_code=answer.status, headers=answer.headers)


async def _receive(request: Request, recipient: str | None) -> Response:
    node = node_of(request)
    cap = node.settings.federation.max_body_bytes
    try:
        body = await pipeline.read_capped(
            request.stream(), cap, request.headers.get("content-length")
        )
    except pipeline.BodyTooLarge:
        too_large = pipeline.too_large(cap)
        _count(too_large)
        return _response(too_large)
    inbox_request = pipeline.InboxRequest(
        url=_public_url(node, request),
        headers=request.headers,
        body=body,
        recipient=recipient,
        client=client_of(request),
    )
    answer = await pipeline.receive(node, inbox_request)
    _count(answer)
    return _response(answer)


def _count(answer: pipeline.InboxAnswer) -> None:
    body = answer.body or {}
    result = "accepted" if answer.status < 300 else "refused"
    error, reason = str(body.get("error", "")), str(body.get("reason", ""))
    metrics.INBOX_RECEIVED.labels(result, error, reason).inc()


async def actor_inbox(request: Request) -> Response:
    username = request.path_params["username"]
    if not await _actor_exists(node_of(request), username):
        return JSONResponse({"error": "not_found", "detail": "no such actor"}, status_code=404)
    return await _receive(request, username)


async def shared_inbox(request: Request) -> Response:
    return await _receive(request, None)


routes = [
    Route("/actors/{username}/inbox", actor_inbox, methods=["POST"]),
    Route("/inbox", shared_inbox, methods=["POST"]),
]
