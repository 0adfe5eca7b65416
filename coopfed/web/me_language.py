"""The "Language" section of /me: the language of the site and of the member's e-mails.

`POST /me/language` stores the choice — English, French, or the co-op's default (no
preference) — through `services.languages`; the page answering the post is already in the new
language (web/language.py puts the member's choice first). Importing this module registers the
section in `me.SECTIONS`.
"""

from __future__ import annotations

from dataclasses import replace

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coopfed.i18n import N_
from coopfed.node import Node
from coopfed.services.errors import NotFound, ServiceError
from coopfed.services.languages import choice_of_account, choose_language
from coopfed.web import me
from coopfed.web.csrf import csrf_protected
from coopfed.web.errors import error_page
from coopfed.web.sessions import Viewer, require_member
from coopfed.web.state import node_of

KEY = "language"

# Each language named in itself: a reader looking for theirs finds it whatever the page's.
LANGUAGES: tuple[tuple[str, str], ...] = (("en", "English"), ("fr", "Français"))


async def language_section(node: Node, viewer: Viewer) -> me.PersonalSection | None:
    chosen = await choice_of_account(node, viewer.username)
    if chosen is None:
        return None  # not a member: nothing is kept for them (their browser decides)
    context = {"chosen": chosen, "languages": LANGUAGES}
    return me.PersonalSection(KEY, N_("Language"), "me/language.html", context)


@csrf_protected
async def choose(request: Request, form: FormData) -> Response:
    viewer = await require_member(request)
    value = form.get("language")
    try:
        chosen = await choose_language(
            node_of(request), viewer.username, value[:16] if isinstance(value, str) else ""
        )
    except NotFound as error:  # no membership, so no section to show the error in
        return error_page(request, 404, str(error))
    except ServiceError:  # only a forged form: the select offers nothing else
        return await me.render_personal_page(request, viewer, {KEY: {"error": True}}, status=400)
    chosen_viewer = replace(viewer, language=chosen)
    request.state.viewer = chosen_viewer  # this answer is in the language just chosen
    return await me.render_personal_page(request, chosen_viewer, {KEY: {"saved": True}})


if language_section not in me.SECTIONS:
    me.SECTIONS.append(language_section)

routes = [Route("/me/language", choose, methods=["POST"])]
