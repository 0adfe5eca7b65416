"""The signed-in member's own page.

Extension point: membership, ballots and data export add a `PersonalSection` provider to
`SECTIONS`. A provider gets the node and the viewer and returns a section (its own template
under templates/me/, its own context) or None when it has nothing to show for this person.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coopfed.node import Node
from coopfed.web.sessions import Viewer, require_member
from coopfed.web.state import node_of
from coopfed.web.templating import render


@dataclass(frozen=True)
class PersonalSection:
    key: str  # stable, used in element ids: "membership", "ballots", "export"
    title: str
    template: str  # included inside the section, e.g. "me/membership.html"
    context: dict[str, Any] = field(default_factory=dict)


SectionProvider = Callable[[Node, Viewer], Awaitable[PersonalSection | None]]

# Filled by the membership and proposal work; order here is order on the page.
SECTIONS: list[SectionProvider] = []


async def personal_sections(node: Node, viewer: Viewer) -> list[PersonalSection]:
    found = [await provider(node, viewer) for provider in SECTIONS]
    return [section for section in found if section is not None]


async def render_personal_page(
    request: Request,
    viewer: Viewer,
    extra: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    status: int = 200,
) -> Response:
    """The page; `extra` adds to a section's context by key (what a form post has to show)."""
    node = node_of(request)
    sections = [
        replace(section, context={**section.context, **(extra or {}).get(section.key, {})})
        for section in await personal_sections(node, viewer)
    ]
    # Each section template sees its own context as `section.context`.
    context = {
        "member_handle": f"@{viewer.username}@{node.settings.domain}",
        "sections": sections,
    }
    return await render(request, "me.html", context, status=status)


async def personal_page(request: Request) -> Response:
    return await render_personal_page(request, await require_member(request))


routes = [Route("/me", personal_page, methods=["GET"])]
