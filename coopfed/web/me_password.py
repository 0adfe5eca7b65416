"""The "Password" section of /me: a signed-in person changes their password.

The current password is asked for (a browser left signed in must not let someone else lock its
owner out). The change ends every session (`services.accounts.change_password`); this browser
gets a new one, so the person stays signed in here only. Importing this module registers the
section in `me.SECTIONS`.
"""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coopfed.node import Node
from coopfed.services.accounts import AccountError, change_password
from coopfed.services.errors import NotFound
from coopfed.web import me
from coopfed.web.csrf import csrf_protected
from coopfed.web.errors import error_page
from coopfed.web.keys import web_keys
from coopfed.web.sessions import Viewer, require_member, start_session
from coopfed.web.state import node_of
from coopfed.web.translate import N_, page_translator

KEY = "password"


async def password_section(node: Node, viewer: Viewer) -> me.PersonalSection:
    return me.PersonalSection(KEY, N_("Password"), "me/password.html", {})


async def _answer(
    request: Request, viewer: Viewer, extra: dict[str, str], status: int = 200
) -> Response:
    return await me.render_personal_page(request, viewer, {KEY: extra}, status=status)


@csrf_protected
async def change(request: Request, form: FormData) -> Response:
    viewer = await require_member(request)
    fields = {name: form.get(name) for name in ("current", "password", "password_again")}
    current, new, again = (value if isinstance(value, str) else "" for value in fields.values())
    if not current or not new:
        return await _answer(
            request,
            viewer,
            {"error": (await page_translator(request)).gettext("Enter both passwords.")},
            status=400,
        )
    if new != again:
        error = (await page_translator(request)).gettext(
            "The two new passwords differ: type the same one twice."
        )
        return await _answer(request, viewer, {"error": error}, status=400)
    try:
        account = await change_password(node_of(request), viewer.account_id, current, new)
    except NotFound as error:
        return error_page(request, 404, str(error))
    except AccountError as error:
        message = str(error)
        return await _answer(request, viewer, {"error": message[:1].upper() + message[1:] + "."},
                             status=400)  # fmt: skip
    response = await _answer(request, viewer, {"changed": "yes"})
    start_session(request, response, await web_keys(request), account)
    return response


if password_section not in me.SECTIONS:
    me.SECTIONS.append(password_section)

routes = [Route("/me/password", change, methods=["POST"])]
