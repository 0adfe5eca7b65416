"""A read deadline for every request body (pure ASGI middleware).

Without a buffering proxy in front, a client that sends headers and then trickles (or never
sends) its body would hold a socket and a task for ever; twenty such inbox POSTs were never cut.
The whole body must arrive within `server.body_read_timeout` seconds of the request's start;
otherwise the answer is 408 and the app's handler is abandoned (uvicorn then closes the
connection, since the body was not read to its end).
"""

from __future__ import annotations

import asyncio
import time

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTimeout(Exception):
    """The request body did not arrive in time (raised out of `receive`)."""


class BodyDeadline:
    def __init__(self, app: ASGIApp, *, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        deadline = time.monotonic() + self.seconds
        body_done = False
        started = False

        async def timed_receive() -> Message:
            nonlocal body_done
            if body_done:  # after the body: waiting for a disconnect is not limited
                return await receive()
            try:
                # asyncio.timeout, not wait_for: no task per receive (3% of a small POST).
                async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
                    message = await receive()
            except TimeoutError:
                raise BodyTimeout from None
            body_done = message["type"] != "http.request" or not message.get("more_body", False)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, timed_receive, tracking_send)
        except BodyTimeout:
            if not started:
                answer = JSONResponse(
                    {"error": "request_timeout", "detail": "the request body came too slowly"},
                    status_code=408,
                    headers={"Connection": "close"},
                )
                await answer(scope, timed_receive, send)
