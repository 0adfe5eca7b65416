"""E-mail pages: the one-click unsubscribe link of every message, and the admins' mail list.

`POST /unsubscribe/{token}` is RFC 8058's one-click endpoint: mail providers post
`List-Unsubscribe=One-Click` to it without a session or a CSRF token, so the unguessable
per-message token is the only credential, and it grants only opting its own address out of
optional mail. `GET` shows a button instead of acting, because link scanners follow GETs.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coopfed.services import mail
from coopfed.store import mail as mail_store
from coopfed.web.errors import error_page
from coopfed.web.sessions import require_admin
from coopfed.web.state import node_of
from coopfed.web.templating import render
from coopfed.web.translate import N_

MAX_TOKEN_CHARS = 100


async def unsubscribe_page(request: Request) -> Response:
    token = request.path_params["token"]
    node = node_of(request)
    async with node.engine.connect() as conn:
        address = await _address(conn, token)
    if address is None:
        return error_page(request, 404, N_("This unsubscribe link is not known here."))
    context = {"address": address, "token": token, "done": False}
    return await render(request, "unsubscribe.html", context)


async def unsubscribe_now(request: Request) -> Response:
    token = request.path_params["token"]
    node = node_of(request)
    async with node.engine.begin() as conn:
        address = (
            await mail.unsubscribe(conn, token, node.now())
            if len(token) <= MAX_TOKEN_CHARS
            else None
        )
    if address is None:
        return error_page(request, 404, N_("This unsubscribe link is not known here."))
    context = {"address": address, "token": token, "done": True}
    return await render(request, "unsubscribe.html", context)


async def _address(conn: AsyncConnection, token: str) -> str | None:
    if len(token) > MAX_TOKEN_CHARS:
        return None
    return await mail_store.address_for_unsubscribe(conn, token)


async def admin_mail(request: Request) -> Response:
    await require_admin(request)
    node = node_of(request)
    async with node.engine.connect() as conn:
        messages = await mail_store.recent(conn)
    settings = node.settings
    context = {
        "messages": messages,
        "smtp_host": settings.email.smtp_host,
        "mail_dir": str(mail.mail_dir(settings)),
        "files": {path.name for path in mail.written_files(settings)},
    }
    return await render(request, "admin/mail.html", context)


async def admin_mail_file(request: Request) -> Response:
    """One written .eml file, as text: the demo's way to read an invitation link."""
    await require_admin(request)
    settings = node_of(request).settings
    name = request.path_params["name"]
    by_name = {path.name: path for path in mail.written_files(settings)}
    if name not in by_name:  # only listed names: no path from the request reaches the disk
        return error_page(request, 404, N_("No such mail file."))
    body = by_name[name].read_bytes()
    return Response(body, media_type="text/plain; charset=utf-8")


routes = [
    Route("/unsubscribe/{token}", unsubscribe_page, methods=["GET"]),
    Route("/unsubscribe/{token}", unsubscribe_now, methods=["POST"]),
    Route("/admin/mail", admin_mail, methods=["GET"]),
    Route("/admin/mail/{name}", admin_mail_file, methods=["GET"]),
]
