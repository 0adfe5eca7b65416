"""A proposal's discussion on the wire: replies from the fediverse, and site comments as Notes.

A reply is what Mastodon, Pleroma, Misskey and Lemmy send when someone answers a post with
words: `Create{Note{content, inReplyTo: <our Question or one of its comments>}}`. A poll vote
is the same shape WITHOUT content (mapping/votes.py), so `content` is what tells them apart.
The Note must be embedded and attributed to the signing actor, as for votes: the inbox's
signature check is the proof of authorship.

A comment written on the site goes out as a `Note` by the member's own actor, `inReplyTo` the
Question, addressed as the proposal is (FEDERATION.md, "Discussion"); the co-op's Group then
`Announce`s it to its followers (FEP-1b12), as Lemmy's communities do, so followers see the
thread under the poll.

An author edits a reply with `Update{Note}` (Mastodon since 3.5): `ap_to_reply_edit` reads it.

`ap_to_reply` and `ap_to_reply_edit` never raise on any JSON value: they return a `RemoteReply`
(or a `ReplyEdit`) or a `ReplyRefusal`.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from coopfed.activitypub.vocab import CONTEXT, PUBLIC

MAX_CONTENT_CHARS = 20_000  # a reply longer than this is cut (Mastodon's own limit is 500)
MAX_SITE_COMMENT_CHARS = 5_000


@dataclass(frozen=True, slots=True)
class RemoteReply:
    author: str
    note_id: str
    in_reply_to: str
    content_html: str  # as received; sanitised by the web when shown
    content_text: str  # paragraphs separated by blank lines
    published: str | None


@dataclass(frozen=True, slots=True)
class ReplyRefusal:
    reason: str


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _single_id(value: Any) -> str | None:
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, Mapping):
        value = value.get("id")
    return _text(value)


def _content(note: Mapping[str, Any]) -> str:
    content = note.get("content")
    if isinstance(content, str) and content.strip():
        return content
    content_map = note.get("contentMap")  # Misskey and others may send only contentMap
    if isinstance(content_map, Mapping):
        return next((v for v in content_map.values() if isinstance(v, str) and v.strip()), "")
    return ""


def ap_to_reply(activity: Any, *, ours: str) -> RemoteReply | ReplyRefusal:
    """Read a reply to something under `ours` (our base URL + "/"): a Question or a comment."""
    if not isinstance(activity, Mapping) or activity.get("type") != "Create":
        return ReplyRefusal("not a Create")
    note = activity.get("object")
    if not isinstance(note, Mapping) or note.get("type") != "Note":
        return ReplyRefusal("not an embedded Note")
    target = _single_id(note.get("inReplyTo"))
    if target is None or not target.startswith(ours):
        return ReplyRefusal("not a reply to one of our proposals")
    content = _content(note)
    if not content:
        return ReplyRefusal("no text")
    actor, note_id = _single_id(activity.get("actor")), _text(note.get("id"))
    if actor is None or note_id is None:
        return ReplyRefusal("the Create needs an actor and the Note an id")
    attributed = _single_id(note.get("attributedTo"))
    if attributed is not None and attributed != actor:
        return ReplyRefusal("attributed to another actor than the sender")
    content = content[:MAX_CONTENT_CHARS]
    return RemoteReply(
        actor, note_id, target, content, text_of(content), _text(note.get("published"))
    )


@dataclass(frozen=True, slots=True)
class ReplyEdit:
    """An author's edit of a reply (Mastodon's, Misskey's, Pleroma's `Update{Note}`)."""

    author: str
    note_id: str
    content_html: str  # as received; sanitised by the web when shown
    content_text: str
    updated: str | None


def ap_to_reply_edit(activity: Any) -> ReplyEdit | ReplyRefusal:
    """Read an `Update` of a Note with text; whether it edits one of our thread's comments is
    the service's question (the comment is found by its author and id)."""
    if not isinstance(activity, Mapping) or activity.get("type") != "Update":
        return ReplyRefusal("not an Update")
    note = activity.get("object")
    if not isinstance(note, Mapping) or note.get("type") != "Note":
        return ReplyRefusal("not an embedded Note")
    actor, note_id = _single_id(activity.get("actor")), _text(note.get("id"))
    if actor is None or note_id is None:
        return ReplyRefusal("the Update needs an actor and the Note an id")
    attributed = _single_id(note.get("attributedTo"))
    if attributed is not None and attributed != actor:
        return ReplyRefusal("attributed to another actor than the sender")
    content = _content(note)
    if not content:
        return ReplyRefusal("no text")
    content = content[:MAX_CONTENT_CHARS]
    return ReplyEdit(actor, note_id, content, text_of(content), _text(note.get("updated")))


class _Paragraphs(HTMLParser):
    """The text of a reply's HTML, paragraphs kept: `</p>` ends one, `<br>` ends a line."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("p", "div", "blockquote", "li"):
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def text_of(content: str) -> str:
    parser = _Paragraphs()
    parser.feed(content)
    parser.close()
    blocks = "".join(parser.parts).split("\n\n")
    return "\n\n".join(block.strip() for block in blocks if block.strip())


def site_comment_html(paragraphs: Sequence[str]) -> str:
    """A site comment's `content`: its paragraphs, escaped (members write plain text)."""
    return "".join(f"<p>{html.escape(part).replace(chr(10), '<br>')}</p>" for part in paragraphs)


@dataclass(frozen=True, slots=True)
class CommentNote:
    """A comment written on the site, as its author's actor publishes it."""

    note_id: str
    author: str
    question: str
    in_reply_to: str
    content_html: str
    published: str  # RFC 3339
    to: tuple[str, ...]
    cc: tuple[str, ...]


def comment_to_note(comment: CommentNote) -> dict[str, Any]:
    note: dict[str, Any] = {
        "id": comment.note_id,
        "type": "Note",
        "attributedTo": comment.author,
        "inReplyTo": comment.in_reply_to,
        "context": comment.question,  # FEP-7888: the thread this belongs to
        "content": comment.content_html,
        "published": comment.published,
        "to": list(comment.to),
        "cc": list(comment.cc),
    }
    return {"@context": CONTEXT, **note}


def create_comment(comment: CommentNote, activity_id: str) -> dict[str, Any]:
    note = comment_to_note(comment)
    del note["@context"]
    return {
        "@context": CONTEXT,
        "id": activity_id,
        "type": "Create",
        "actor": comment.author,
        "object": note,
        "published": comment.published,
        "to": note["to"],
        "cc": note["cc"],
    }


def announce_comment(
    group: str, comment: CommentNote, activity_id: str, followers: str
) -> dict[str, Any]:
    """The Group's `Announce` of a member's comment (FEP-1b12), embedding the Note as Lemmy
    does so receivers need not fetch it."""
    note = comment_to_note(comment)
    del note["@context"]
    return {
        "@context": CONTEXT,
        "id": activity_id,
        "type": "Announce",
        "actor": group,
        "object": note,
        "published": comment.published,
        "to": [PUBLIC],
        "cc": [followers],
    }
