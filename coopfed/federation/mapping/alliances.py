"""Alliances and project invitations on the wire: Offer(Alliance), Invite, Follow, their answers.

- `Offer{object: Alliance}` by co-op A to co-op B; B answers `Accept`/`Reject` with the Offer's
  id as object (B may `Reject` later to end it); A ends it with `Undo{object: Offer}`.
- `Invite{object: project, target: co-op, projectCharter}` by a project to a co-op; the co-op
  answers `Accept`/`Reject` with the Invite's id; `Leave{object: project}` to go.
- `Remove{actor: project, object: co-op, target: project}`: the project removes a member co-op.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from coopfed.activitypub.vocab import CONTEXT


@dataclass(frozen=True)
class InviteIn:
    activity_id: str
    project_uri: str
    target: str
    name: str
    charter: Mapping[str, Any]


class ShapeRefused(ValueError):
    """A payload that does not have the shape we accept."""


def _activity(kind: str, activity_id: str, actor: str, obj: Any, to: str) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "id": activity_id,
        "type": kind,
        "actor": actor,
        "object": obj,
        "to": [to],
    }


def alliance_offer_to_ap(
    *, activity_id: str, coop_uri: str, other_uri: str, name: str
) -> dict[str, Any]:
    alliance = {
        "id": f"{activity_id}#alliance",
        "type": "Alliance",
        "attributedTo": coop_uri,
        "name": name,
    }
    return {**_activity("Offer", activity_id, coop_uri, alliance, other_uri), "target": other_uri}


def answer_to_ap(
    kind: str, *, activity_id: str, actor: str, answered_id: str, to: str
) -> dict[str, Any]:
    """`Accept`/`Reject` of an Offer or Invite we received (its id as object)."""
    assert kind in {"Accept", "Reject"}, kind
    return _activity(kind, activity_id, actor, answered_id, to)


def undo_offer_to_ap(*, activity_id: str, coop_uri: str, offer_id: str, to: str) -> dict[str, Any]:
    offer = {"id": offer_id, "type": "Offer", "actor": coop_uri}
    return _activity("Undo", activity_id, coop_uri, offer, to)


def follow_to_ap(*, activity_id: str, actor: str, followed: str) -> dict[str, Any]:
    return _activity("Follow", activity_id, actor, followed, followed)


def undo_follow_to_ap(
    *, activity_id: str, actor: str, follow_id: str, followed: str
) -> dict[str, Any]:
    follow = {"id": follow_id, "type": "Follow", "actor": actor, "object": followed}
    return _activity("Undo", activity_id, actor, follow, followed)


def invite_to_ap(
    *, activity_id: str, project_uri: str, coop_uri: str, name: str, charter: Mapping[str, Any]
) -> dict[str, Any]:
    invite = _activity("Invite", activity_id, project_uri, project_uri, coop_uri)
    return {**invite, "target": coop_uri, "name": name, "projectCharter": dict(charter)}


def leave_to_ap(*, activity_id: str, coop_uri: str, project_uri: str) -> dict[str, Any]:
    """A member co-op leaves a shared project."""
    return _activity("Leave", activity_id, coop_uri, project_uri, project_uri)


def remove_to_ap(*, activity_id: str, project_uri: str, coop_uri: str) -> dict[str, Any]:
    """The project removes a member co-op (told to that co-op)."""
    return {
        **_activity("Remove", activity_id, project_uri, coop_uri, coop_uri),
        "target": project_uri,
    }


def ap_to_invite(activity: Mapping[str, Any]) -> InviteIn:
    target, obj, charter = (
        activity.get("target"),
        activity.get("object"),
        activity.get("projectCharter"),
    )
    if not isinstance(target, str) or obj != activity.get("actor"):
        raise ShapeRefused("an Invite names the project as object and the co-op as target")
    if not isinstance(charter, dict):
        raise ShapeRefused("an Invite to a project carries its projectCharter")
    name = activity.get("name")
    return InviteIn(
        str(activity["id"]), str(obj), target, name if isinstance(name, str) else "", charter
    )
