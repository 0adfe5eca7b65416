"""`/allies` and `/projects`: the co-op's allied co-ops and shared projects, for everyone.

Every other co-op is shown as `name (@user@host)` with its name cleaned (it is the remote
server's text); project rules received with an invitation are cleaned the same way. Joint
proposals are listed for members and admins only (linked proposals are members-only).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coopfed.node import Node
from coopfed.services.coop_relations import (
    OtherCoop,
    Relations,
    alliance_views,
    relations,
    sees_joint_proposals,
)
from coopfed.store.alliances import AllianceState
from coopfed.store.projects import ProjectMemberState
from coopfed.web.sanitize import clean_text, remote_actor_label
from coopfed.web.sessions import current_viewer
from coopfed.web.state import node_of
from coopfed.web.templating import render
from coopfed.web.translate import ENGLISH, N_, Translator, page_translator

MAX_SHOWN = 120


@dataclass(frozen=True)
class Shown:
    """Another co-op or project as a page shows it."""

    uri: str
    label: str
    local: bool


def coop_label(node: Node, other: OtherCoop) -> Shown:
    """`name (@user@host)` for remote actors; our own co-op or a project hosted here by name."""
    if other.local:
        username = other.uri.rsplit("/", 1)[-1]
        if username == node.settings.coop.handle:
            return Shown(other.uri, f"{node.settings.coop.name} (this co-op)", True)
        return Shown(other.uri, clean_text(username, 64), True)
    if other.actor is not None:
        actor = other.actor
        label = remote_actor_label(actor.display_name, actor.preferred_username, actor.host)
        return Shown(other.uri, label, False)
    parts = urlsplit(other.uri)
    user = parts.path.rstrip("/").rsplit("/", 1)[-1] or "?"
    return Shown(other.uri, remote_actor_label("", user, parts.netloc or "?"), False)


RULE_WORDS = {
    "unanimity": N_("every co-op must agree"),
    "proportional": N_("proportional to weights"),
}


def rule_text(charter: Mapping[str, Any], tr: Translator = ENGLISH) -> str:
    """A project's joint rule in words (the charter may come from another server: cleaned)."""
    rule = str(charter.get("rule", "?"))
    text = tr.gettext(RULE_WORDS[rule]) if rule in RULE_WORDS else rule.replace("_", " ")
    if charter.get("threshold"):
        text += tr.gettext(", more than %(share)s of the co-ops", share=charter["threshold"])
    if charter.get("coop_quorum"):
        text += tr.gettext("; co-op quorum %(share)s", share=charter["coop_quorum"])
    if charter.get("weighting"):
        text += tr.gettext("; weights: %(weights)s", weights=charter["weighting"])
    return clean_text(text, MAX_SHOWN * 2)


@dataclass(frozen=True)
class HostedRow:
    name: str
    uri: str
    rule: str
    members: tuple[tuple[Shown, str], ...]  # each co-op and its state in the project


@dataclass(frozen=True)
class ElsewhereRow:
    name: str
    project: Shown
    rule: str
    state: str  # invited | joined | left | removed


@dataclass(frozen=True)
class JointRow:
    title: str
    project: str
    state: str
    status: str | None
    closes_at: datetime
    hosted: bool
    linked: str | None


def project_context(
    node: Node, found: Relations, *, joined_only: bool, tr: Translator = ENGLISH
) -> dict[str, Any]:
    """Hosted projects, projects elsewhere (only joined ones when `joined_only`), joint ones."""
    hosted = [
        HostedRow(
            clean_text(item.project.name, MAX_SHOWN),
            item.uri,
            rule_text(item.project.charter, tr),
            tuple((coop_label(node, other), member.state) for member, other in item.members),
        )
        for item in found.hosted
    ]
    elsewhere = [
        ElsewhereRow(
            clean_text(item.membership.name, MAX_SHOWN),
            coop_label(node, item.project),
            rule_text(item.membership.charter, tr),
            item.membership.state,
        )
        for item in found.memberships
        if not item.project.local
        and (not joined_only or item.membership.state == ProjectMemberState.JOINED)
    ]
    names = {row.uri: row.name for row in hosted} | {row.project.uri: row.name for row in elsewhere}
    joint = [
        JointRow(
            clean_text(item.joint.title, MAX_SHOWN * 2),
            names.get(item.joint.project_uri) or clean_text(item.joint.project_uri, MAX_SHOWN),
            item.joint.state,
            item.joint.status,
            item.joint.closes_at,
            item.joint.hosted,
            item.linked_proposal_uri,
        )
        for item in found.joint
    ]
    return {"hosted": hosted, "elsewhere": elsewhere, "joint": joint}


async def allies_page(request: Request) -> Response:
    node = node_of(request)
    views = await alliance_views(node, states=(AllianceState.ACTIVE,))
    allies = [(coop_label(node, view.coop), view.alliance) for view in views]
    return await render(request, "allies.html", {"allies": allies})


async def projects_page(request: Request) -> Response:
    node = node_of(request)
    viewer = await current_viewer(request)
    actor = node.uris.actor(viewer.username) if viewer else None
    members_view = await sees_joint_proposals(
        node, actor, is_admin=bool(viewer and viewer.is_admin)
    )
    found = await relations(node, with_joint=members_view)
    context = project_context(node, found, joined_only=True, tr=(await page_translator(request)))
    context["members_view"] = members_view
    return await render(request, "projects.html", context)


routes = [
    Route("/allies", allies_page, methods=["GET"]),
    Route("/projects", projects_page, methods=["GET"]),
]
