"""Moderating a proposal's discussion on the wire: what coopfed sends when an admin hides or
removes a comment it published, and the reports (`Flag`) other servers send about comments.

- A site comment hidden or removed: its author's `Delete{Tombstone}` of the Note (Mastodon's
  shape; no `formerType`: Fedify reads a bare "Note" there as an unknown type and warns), and
  for public proposals the Group's `Undo{Announce}` of the Announce it sent (Mastodon finds a
  boost to undo by the Announce's id, so it is kept).
- A `Flag` as Mastodon sends it: `actor` the reporting server's instance actor, `object` a list
  of the reported account and its statuses, `content` the moderator's comment; Lemmy and Mbin
  send one object id and `summary`. `ap_to_flag` never raises on any JSON value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from coopfed.activitypub.vocab import CONTEXT, PUBLIC
from coopfed.federation.mapping.comments import CommentNote, text_of

MAX_FLAG_OBJECTS = 50  # Mastodon lets a moderator attach at most a few dozen statuses
MAX_REPORT_CHARS = 1_000


def delete_comment(comment: CommentNote, activity_id: str) -> dict[str, Any]:
    """The author's Delete of a hidden or removed comment, addressed as the Note was."""
    return {
        "@context": CONTEXT,
        "id": activity_id,
        "type": "Delete",
        "actor": comment.author,
        "object": {"id": comment.note_id, "type": "Tombstone"},
        "to": list(comment.to),
        "cc": list(comment.cc),
    }


def undo_announce(
    group: str, announce_id: str, note_id: str, activity_id: str, followers: str
) -> dict[str, Any]:
    """The Group's Undo of its Announce (FEP-1b12) of a comment taken out of the thread."""
    return {
        "@context": CONTEXT,
        "id": activity_id,
        "type": "Undo",
        "actor": group,
        "object": {
            "id": announce_id,
            "type": "Announce",
            "actor": group,
            "object": note_id,
            "to": [PUBLIC],
            "cc": [followers],
        },
        "to": [PUBLIC],
        "cc": [followers],
    }


@dataclass(frozen=True, slots=True)
class RemoteFlag:
    actor: str
    flag_id: str
    objects: tuple[str, ...]  # the reported ids, of which only our comments count
    reason: str  # plain text, cut to MAX_REPORT_CHARS


@dataclass(frozen=True, slots=True)
class FlagRefusal:
    reason: str


def _ids(value: Any) -> tuple[str, ...]:
    values = value if isinstance(value, list) else [value]
    found: list[str] = []
    for item in values[:MAX_FLAG_OBJECTS]:
        if isinstance(item, Mapping):
            item = item.get("id")
        if isinstance(item, str) and item and item not in found:
            found.append(item)
    return tuple(found)


def _reason(activity: Mapping[str, Any]) -> str:
    for key in ("content", "summary"):  # Mastodon: content; Lemmy: summary; Mbin: both
        value = activity.get(key)
        if isinstance(value, str) and value.strip():
            return text_of(value)[:MAX_REPORT_CHARS]
    return ""


def ap_to_flag(activity: Any) -> RemoteFlag | FlagRefusal:
    if not isinstance(activity, Mapping) or activity.get("type") != "Flag":
        return FlagRefusal("not a Flag")
    actor, flag_id = activity.get("actor"), activity.get("id")
    if isinstance(actor, Mapping):
        actor = actor.get("id")
    if not isinstance(actor, str) or not actor or not isinstance(flag_id, str) or not flag_id:
        return FlagRefusal("a Flag needs an actor and an id")
    objects = _ids(activity.get("object"))
    if not objects:
        return FlagRefusal("a Flag needs an object")
    return RemoteFlag(actor, flag_id, objects, _reason(activity))
