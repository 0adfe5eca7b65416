"""Content negotiation between browsers (HTML) and servers (ActivityStreams JSON)."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

AS_MEDIA_TYPE = "application/activity+json"
AS_ACCEPT_MARKERS = ("application/activity+json", "application/ld+json")


def wants_activity_json(request: Request) -> bool:
    """True for ActivityPub clients. Browsers send text/html first; servers send AS types.

    Mastodon sends `application/activity+json, application/ld+json`; Fedify sends
    `application/activity+json, application/ld+json; profile=…`; a bare `application/json` is
    also treated as a machine (curl and scripts).
    """
    accept = request.headers.get("accept", "").lower()
    if any(marker in accept for marker in AS_ACCEPT_MARKERS):
        return True
    return "application/json" in accept and "text/html" not in accept


class ActivityJSONResponse(Response):
    media_type = AS_MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def activity_response(document: dict[str, Any], status: int = 200) -> ActivityJSONResponse:
    # Vary: caches must not hand the JSON to a browser or the HTML to a server.
    return ActivityJSONResponse(document, status_code=status, headers={"Vary": "Accept"})
