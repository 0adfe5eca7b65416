"""Who may say what (FEP-fe34 origin rules), checked in the inbox before anything is stored.

- the activity's id and its actor share an origin (the signature already bound the key to the
  actor);
- `Create` of an object attributed to someone else is refused;
- `Update`, `Delete` and `Undo` act only on objects of the actor's own origin; an `Undo` of a
  `Follow` only by that follower; an actor `Update` only of the actor itself, without moving
  its inbox, shared inbox or key to another host;
- embedded objects from a third origin are not trusted: replaced by their id before storing
  (except a relayed Question in an `Announce`: its handler trusts it only by its proof);
- deleted objects stay deleted for their sender: its `Create` or `Update` reusing the id is
  refused, its second `Delete` is a no-op. Ids are keyed per actor (dedupe and tombstones), and
  an actor may delete only what `may_delete` says, so a neighbour on the same server can neither
  pre-empt nor tombstone someone else's id, even one under no actor (`/notes/x`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.activitypub.origin import InvalidURL, origin_of
from coopfed.federation.mapping.remote_actors import (
    ActorRefused,
    ap_to_remote_actor,
    is_actor_document,
)
from coopfed.store import inbox as inbox_store

_OWNER_ONLY = frozenset({"Update", "Delete", "Undo"})
_TOMBSTONE_CHECKED = frozenset({"Create", "Update", "Delete"})


@dataclass(frozen=True)
class Shape:
    id: str
    type: str
    actor: str
    actor_origin: str
    object_id: str | None


@dataclass(frozen=True)
class Refusal:
    reason: str
    detail: str = ""
    status: int = 403


def _id_of(value: Any) -> str | None:
    if isinstance(value, str) and value:
        return value
    if isinstance(value, dict):
        inner = value.get("id")
        return inner if isinstance(inner, str) and inner else None
    return None


def _origin(url: str) -> str | None:
    try:
        return origin_of(url)
    except InvalidURL:
        return None


def activity_shape(activity: dict[str, Any]) -> Shape | Refusal:
    """The fields every activity needs: id, type, actor (a URL or an object with one)."""
    activity_id = activity.get("id")
    kind = activity.get("type")
    actor = _id_of(activity.get("actor"))
    if not isinstance(activity_id, str) or not activity_id:
        return Refusal("no_id", "an activity needs an id", 400)
    if not isinstance(kind, str) or not kind:
        return Refusal("no_type", "an activity needs a type (one string)", 400)
    if actor is None:
        return Refusal("no_actor", "an activity needs an actor", 400)
    actor_origin = _origin(actor)
    if actor_origin is None:
        return Refusal("bad_actor", "the actor must be an http(s) URL", 400)
    if _origin(activity_id) != actor_origin:
        return Refusal("id_origin", "the activity id is not on the actor's origin", 400)
    object_id = _id_of(activity.get("object"))
    return Shape(activity_id, kind, actor, actor_origin, object_id)


def _attributed_to(obj: dict[str, Any]) -> list[str]:
    raw = obj.get("attributedTo")
    values = raw if isinstance(raw, list) else [raw]
    return [found for found in (_id_of(value) for value in values) if found is not None]


def _under(iri: str, actor: str) -> bool:
    return iri == actor or any(iri.startswith(actor + mark) for mark in "/#?")


def under_another_actor(iri: str, actor: str) -> bool:
    """True when `iri` sits under a sibling actor's IRI on the sender's own server.

    Mastodon ids are predictable (`{actor}#votes/N/activity`), so an account could claim a
    neighbour's next id and block the real one (issue 13, hole 2). A sibling is the next path
    segment beside the sender's last one: `/users/alice…` beside `/users/mallory`. Ids under no
    actor (`/notes/abc` on Misskey, `/<uuid>` Follows on Mastodon) are not siblings; an actor
    directly under the root (`/actor`) has no siblings to protect, since its parent is the root.
    """
    if _under(iri, actor) or _origin(iri) != _origin(actor) or _origin(actor) is None:
        return False
    origin = _origin(actor) or ""
    if not actor.startswith(origin + "/"):  # a spelling origin_of normalised (port, case)
        return False
    path = actor[len(origin) :].split("?", 1)[0].split("#", 1)[0]
    segments = [part for part in path.split("/") if part]
    if len(segments) < 2 or path.endswith("/"):
        return False
    parent = origin + "/" + "/".join(segments[:-1]) + "/"
    if not iri.startswith(parent):
        return False
    sibling = iri[len(parent) :]
    for mark in "/#?":
        sibling = sibling.split(mark, 1)[0]
    return sibling not in ("", segments[-1])


_FOREIGN_OBJECT_CHECKED = frozenset({"Create", "Update", "Delete", "Undo"})


def _foreign_id(shape: Shape) -> Refusal | None:
    if under_another_actor(shape.id, shape.actor):
        return Refusal("foreign_id", f"activity id {shape.id[:200]} is under another actor's IRI")
    if (
        shape.type in _FOREIGN_OBJECT_CHECKED
        and shape.object_id is not None
        and under_another_actor(shape.object_id, shape.actor)
    ):
        detail = f"object id {shape.object_id[:200]} is under another actor's IRI"
        return Refusal("foreign_id", detail)
    return None


def check(activity: dict[str, Any], shape: Shape, *, our_origin: str) -> Refusal | None:
    """A refusal when the actor may not do this; None when it may."""
    # The older, more specific refusals (not_owner, attributed_to) answer first.
    return _check_ownership(activity, shape) or _foreign_id(shape)


def _check_ownership(activity: dict[str, Any], shape: Shape) -> Refusal | None:
    obj = activity.get("object")
    if shape.type == "Create" and isinstance(obj, dict):
        authors = _attributed_to(obj)
        if authors and any(author != shape.actor for author in authors):
            return Refusal("attributed_to", "Create of an object attributed to someone else")
    if shape.type in _OWNER_ONLY:
        if shape.object_id is None:
            return Refusal("no_object", f"{shape.type} needs an object", 400)
        if _origin(shape.object_id) != shape.actor_origin:
            return Refusal("not_owner", f"{shape.type} of an object of another origin")
    if shape.type == "Undo" and isinstance(obj, dict):
        undone_actor = _id_of(obj.get("actor"))
        if undone_actor is not None and undone_actor != shape.actor:
            return Refusal("not_owner", "Undo of someone else's activity")
    if shape.type == "Update" and isinstance(obj, dict) and is_actor_document(obj):
        return _check_actor_update(obj, shape)
    return None


def _check_actor_update(obj: dict[str, Any], shape: Shape) -> Refusal | None:
    if obj.get("id") != shape.actor:
        return Refusal("not_owner", "an actor may only update itself")
    try:
        ap_to_remote_actor(obj)
    except ActorRefused as exc:
        return Refusal(f"actor_{exc.reason}", exc.detail)
    return None


def _relayed_question(shape: Shape, obj: dict[str, Any]) -> bool:
    """An Announce of a Question or of an Update(Question): kept whole for its handler,
    which trusts it only by its co-op's proof, else fetches it from its origin
    (inbound/relayed.py)."""
    if shape.type != "Announce":
        return False
    inner = obj.get("object") if obj.get("type") == "Update" else obj
    return isinstance(inner, dict) and inner.get("type") == "Question"


def strip_foreign_embeds(activity: dict[str, Any], shape: Shape) -> bool:
    """Replace an embedded object of a third origin by its id; True if the activity changed."""
    obj = activity.get("object")
    if not isinstance(obj, dict) or _relayed_question(shape, obj):
        return False
    object_id = _id_of(obj)
    if object_id is not None and _origin(object_id) == shape.actor_origin:
        return False
    if object_id is None:  # an anonymous embedded object cannot be checked: drop it
        activity.pop("object")
    else:
        activity["object"] = object_id
    return True


def created_id(shape: Shape) -> str | None:
    """The object a Create brings (kept with the item: its sender may later Delete it)."""
    return shape.object_id if shape.type == "Create" else None


async def may_delete(conn: AsyncConnection, actor: str, object_id: str) -> bool:
    """The one rule for whose Delete tombstones an id: `actor`'s own IRI and what sits under
    it, or an id it sent us before (an activity of its, or the object of its Create)."""
    return _under(object_id, actor) or await inbox_store.sent_before(conn, actor, object_id)


def tombstone_target(shape: Shape) -> str | None:
    """The object whose deletion decides this activity (checked as it is stored), if any."""
    if shape.type not in _TOMBSTONE_CHECKED:
        return None
    return shape.object_id


def tombstoned_verdict(shape: Shape) -> Literal["noop", "refuse"]:
    """What to answer when the target was deleted: a second Delete is a no-op."""
    return "noop" if shape.type == "Delete" else "refuse"
