"""The "Notifications" section of /me: how the member hears from the co-op.

`POST /me/notifications` stores the choice — e-mail, a direct message to their fediverse
account, both or none; at once or a daily digest — through `services.notifications`, which
refuses a channel that reaches nobody (400, with the reason, next to the form). Importing this
module registers the section in `me.SECTIONS`.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coopfed.node import Node
from coopfed.services.errors import NotFound, ServiceError
from coopfed.services.notifications import (
    Channel,
    Frequency,
    choose_preference,
    notification_settings,
)
from coopfed.web import me
from coopfed.web.csrf import csrf_protected
from coopfed.web.errors import error_page
from coopfed.web.sessions import Viewer, require_member
from coopfed.web.state import node_of
from coopfed.web.translate import N_

KEY = "notifications"

CHANNELS: tuple[tuple[str, str], ...] = (
    (Channel.EMAIL.value, N_("By e-mail")),
    (Channel.DM.value, N_("By a direct message to my fediverse account")),
    (Channel.BOTH.value, N_("Both")),
    (Channel.NONE.value, N_("Not at all")),
)
FREQUENCIES: tuple[tuple[str, str], ...] = (
    (Frequency.AT_ONCE.value, N_("At once")),
    (Frequency.DAILY.value, N_("In one daily digest")),
)


async def notifications_section(node: Node, viewer: Viewer) -> me.PersonalSection | None:
    found = await notification_settings(node, viewer.username)
    if found is None:
        return None  # not a member: the co-op has nothing to tell
    context = {
        "settings": found,
        "channels": CHANNELS,
        "frequencies": FREQUENCIES,
        "is_admin": viewer.is_admin,
    }
    return me.PersonalSection(KEY, N_("Notifications"), "me/notifications.html", context)


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value[:20] if isinstance(value, str) else ""


@csrf_protected
async def choose(request: Request, form: FormData) -> Response:
    viewer = await require_member(request)
    node = node_of(request)
    extra: dict[str, Any]
    try:
        await choose_preference(
            node, viewer.username, _text(form, "channel"), _text(form, "frequency")
        )
    except NotFound as error:  # no membership, so no section to show the error in
        return error_page(request, 404, str(error))
    except ServiceError as error:
        extra = {"error": str(error)}
        return await me.render_personal_page(request, viewer, {KEY: extra}, status=400)
    extra = {"saved": True}
    return await me.render_personal_page(request, viewer, {KEY: extra})


if notifications_section not in me.SECTIONS:
    me.SECTIONS.append(notifications_section)

routes = [Route("/me/notifications", choose, methods=["POST"])]
