"""Discussions and outcome statements on the wire: Notes by the co-op's Group.

A discussion is a thread that is not yet a vote. The Group publishes it as a `Note` (its title
as the first paragraph, since Mastodon shows a Note's `content` only), addressed as a proposal
of the same visibility is (FEDERATION.md, "Discussions"); replies to it come back as
`Create{Note}` with `inReplyTo` the discussion, read by `mapping.comments.ap_to_reply`.

An outcome statement is what the proposer or an admin writes once a proposal is decided: the
Group's `Note` `inReplyTo` the Question, with the Question's audience.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from coopfed.activitypub.vocab import CONTEXT, PUBLIC
from coopfed.federation.mapping.comments import site_comment_html


@dataclass(frozen=True, slots=True)
class GroupNote:
    """A Note the co-op's Group publishes: a discussion, or an outcome statement."""

    note_id: str
    group: str
    content_html: str
    published: str  # RFC 3339
    url: str
    context: str  # FEP-7888: the thread it belongs to (itself, or the Question)
    to: tuple[str, ...]
    cc: tuple[str, ...]
    in_reply_to: str | None = None
    mention: bool = False  # members-only: Mastodon delivers only to those a post mentions
    replies: tuple[str, ...] | None = None


def addressing(
    visibility: str, group_followers: str, readers: Sequence[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(`to`, `cc`) as for a proposal of this visibility: public to Public (and the Group's
    followers), otherwise to the `readers` the caller decided (services/audience.py)."""
    if visibility == "public":
        return (PUBLIC,), (group_followers,)
    return tuple(sorted(set(readers))), ()


def discussion_html(title: str, paragraphs: Sequence[str]) -> str:
    """The discussion's `content`: its title in bold, then its text (members write plain text)."""
    return f"<p><strong>{html.escape(title)}</strong></p>" + site_comment_html(paragraphs)


def group_note(note: GroupNote) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "id": note.note_id,
        "type": "Note",
        "attributedTo": note.group,
        "content": note.content_html,
        "url": note.url,
        "context": note.context,
        "published": note.published,
        "to": list(note.to),
        "cc": list(note.cc),
        "sensitive": False,
    }
    if note.in_reply_to is not None:
        document["inReplyTo"] = note.in_reply_to
    if note.mention:
        document["tag"] = [{"type": "Mention", "href": actor} for actor in note.to]
    if note.replies is not None:
        document["replies"] = {
            "id": f"{note.note_id}#replies",
            "type": "Collection",
            "totalItems": len(note.replies),
            "items": list(note.replies),
        }
    return document


def create_group_note(note: GroupNote, activity_id: str) -> dict[str, Any]:
    document = group_note(note)
    del document["@context"]
    document.pop("replies", None)  # a fresh Note has none; GET lists them
    return {
        "@context": CONTEXT,
        "id": activity_id,
        "type": "Create",
        "actor": note.group,
        "object": document,
        "published": note.published,
        "to": document["to"],
        "cc": document["cc"],
    }
