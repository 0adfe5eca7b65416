"""The confirmation step of irreversible buttons (close now, withdraw, expel…).

A button whose effect cannot be undone posts first without `confirm`; the answer is a page
saying what will happen, whose own form re-posts with `confirm=yes`. The check is on the
server, so a stray click, a double submit or a browser without JavaScript cannot act by
accident.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from coopfed.web.templating import render


def confirmed(form: FormData) -> bool:
    return form.get("confirm") == "yes"


@dataclass(frozen=True)
class Confirmation:
    heading: str  # "Close “Pick a name” now?"
    explanation: str  # what happens, in the member's words
    button: str  # the label of the button that acts
    cancel: str  # where Cancel goes back to
    fields: Sequence[tuple[str, str]] = field(default=())  # form fields to post again


async def ask(request: Request, confirmation: Confirmation) -> Response:
    context = {
        "heading": confirmation.heading,
        "explanation": confirmation.explanation,
        "button": confirmation.button,
        "cancel": confirmation.cancel,
        "fields": list(confirmation.fields),
        "action": request.url.path,
    }
    return await render(request, "confirm.html", context)
