"""Direct messages to the co-op actor (Mastodon's "private mention") and our direct replies.

Mastodon sends a direct message as `Create{Note}` addressed `to` the mentioned actors only: no
`as:Public`, no followers collection, `cc` empty. Its `content` is HTML that starts with the
mention, e.g. `<p><span class="h-card"><a href="…" class="u-url mention">@<span>coop</span></a>
</span> ABCD-EFGH</p>`. A link code is read from the text: tags stripped, mentions, links and
punctuation around words dropped; `ABCD-EFGH` (any dash, any case) first, else an 8-character
word of the code alphabet. `ap_to_direct_message` never raises on any JSON value.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from coopfed.activitypub.vocab import CONTEXT

PUBLIC = frozenset({"https://www.w3.org/ns/activitystreams#Public", "as:Public", "Public"})
MAX_CONTENT_CHARS = 5000  # a code message is short; longer text is not searched further
CODE_CHARS = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_GROUPED = re.compile(
    r"(?<![0-9A-Za-z])([0-9A-Za-z]{4})\s?[-‐‑‒–—]\s?([0-9A-Za-z]{4})(?![0-9A-Za-z])"
)
_WORD_EDGES = ".,;:!?\"'()[]{}<>«»“”‘’"


@dataclass(frozen=True, slots=True)
class DirectMessage:
    """A Note addressed privately to our actor; `code` is the link code found in it, if any."""

    sender: str
    activity_id: str
    note_id: str | None
    code: str | None


def _ids(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    found: list[str] = []
    for item in items:
        if isinstance(item, Mapping):
            item = item.get("id")
        if isinstance(item, str):
            found.append(item)
    return found


def _addressees(*objects: Mapping[str, Any]) -> list[str]:
    return [
        uri for obj in objects for key in ("to", "cc", "bto", "bcc") for uri in _ids(obj.get(key))
    ]


def _is_private_to(addressees: Iterable[str], recipient: str) -> bool:
    listed = list(addressees)
    if recipient not in listed:
        return False
    # A followers-only post lists the author's followers collection (Mastodon: …/followers).
    return not any(uri in PUBLIC or uri.rstrip("/").endswith("/followers") for uri in listed)


def ap_to_direct_message(activity: Any, *, recipient: str) -> DirectMessage | None:
    """The message, when `activity` is a direct message to `recipient`; else None."""
    if not isinstance(activity, Mapping) or activity.get("type") != "Create":
        return None
    note = activity.get("object")
    if not isinstance(note, Mapping) or note.get("type") != "Note":
        return None
    activity_id, actors = activity.get("id"), _ids(activity.get("actor"))
    if not isinstance(activity_id, str) or len(actors) != 1:
        return None
    attributed = _ids(note.get("attributedTo"))
    if attributed and attributed != actors:
        return None
    if not _is_private_to(_addressees(activity, note), recipient):
        return None
    note_id = note.get("id")
    code = find_code(_content(note))
    return DirectMessage(
        actors[0], activity_id, note_id if isinstance(note_id, str) else None, code
    )


def _content(note: Mapping[str, Any]) -> str:
    content = note.get("content")
    if isinstance(content, str) and content:
        return content
    content_map = note.get("contentMap")
    if isinstance(content_map, Mapping):
        for value in content_map.values():
            if isinstance(value, str) and value:
                return value
    return ""


class _TextOf(HTMLParser):
    """Text of HTML; every tag boundary becomes a space (so `</span>ABCD` stays apart)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def text_of(content: str) -> str:
    parser = _TextOf()
    parser.feed(content[:MAX_CONTENT_CHARS])
    parser.close()
    return "".join(parser.parts)


def _words(text: str) -> list[str]:
    # Mastodon splits the mention over tags ("@" then "coop"): rejoin "@ coop" before dropping it.
    joined = re.sub(r"@\s+(?=\w)", "@", text)
    kept = []
    for word in joined.split():
        if word.startswith("@") or "://" in word:
            continue
        kept.append(word.strip(_WORD_EDGES))
    return [word for word in kept if word]


def _candidates(words: list[str]) -> list[tuple[str, bool]]:
    """(code as written without its dash, grouped?) for every code-shaped word, in order."""
    found = [(m.group(1) + m.group(2), True) for w in words if (m := _GROUPED.fullmatch(w))]
    found += [(m.group(1) + m.group(2), True) for m in _GROUPED.finditer(" ".join(words))]
    found += [(w, False) for w in words if len(w) == 8 and w.isascii() and w.isalnum()]
    return found


def find_code(content: str) -> str | None:
    """The link code in HTML `content`, upper case without its dash, or None.

    Code-shaped words are ranked: all in the code alphabet, then written in capitals as shown,
    then grouped `XXXX-XXXX`; the first of the best wins ("self-made ABCD-EFGH" finds ABCD-EFGH).
    """
    candidates = _candidates(_words(text_of(content)))
    if not candidates:
        return None

    def rank(candidate: tuple[str, bool]) -> tuple[bool, bool, bool]:
        code, grouped = candidate
        return (all(c in CODE_CHARS for c in code.upper()), code == code.upper(), grouped)

    return max(candidates, key=rank)[0].upper()


@dataclass(frozen=True, slots=True)
class DirectReply:
    """A private answer from our actor to one remote actor."""

    activity_id: str
    note_id: str
    sender: str
    recipient: str
    text: str  # plain text, escaped here
    in_reply_to: str | None
    published: str  # RFC 3339


def direct_reply_to_ap(reply: DirectReply) -> dict[str, Any]:
    """`Create{Note}` to and mentioning only the recipient: Mastodon shows a private mention."""
    who = html.escape(reply.recipient, quote=True)
    content = (
        f'<p><span class="h-card"><a href="{who}" class="u-url mention">{who}</a></span>'
        f" {html.escape(reply.text)}</p>"
    )
    note: dict[str, Any] = {
        "id": reply.note_id,
        "type": "Note",
        "attributedTo": reply.sender,
        "to": [reply.recipient],
        "cc": [],
        "tag": [{"type": "Mention", "href": reply.recipient}],
        "content": content,
        "published": reply.published,
        "sensitive": False,
    }
    if reply.in_reply_to is not None:
        note["inReplyTo"] = reply.in_reply_to
    return {
        "@context": CONTEXT,
        "id": reply.activity_id,
        "type": "Create",
        "actor": reply.sender,
        "to": [reply.recipient],
        "cc": [],
        "published": reply.published,
        "object": note,
    }
