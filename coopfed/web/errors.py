"""JSON error bodies for every 4xx/5xx the node answers to servers and scripts."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

log = logging.getLogger(__name__)


def error_response(status: int, reason: str, detail: str = "", **headers: str) -> JSONResponse:
    body = {"error": reason, "detail": detail} if detail else {"error": reason}
    return JSONResponse(body, status_code=status, headers=headers or None)


async def http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    reason = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    headers = dict(exc.headers or {})
    return error_response(exc.status_code, reason, str(exc.detail), **headers)


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(
        500, "internal_error", "the server failed; the operator's log has details"
    )
