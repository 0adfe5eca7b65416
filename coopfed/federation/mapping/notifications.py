"""Notifications as direct messages: a private `Create{Note}` from the co-op actor to one
member's fediverse account (a remote member's own actor, or an account linked to a member).

Shaped like the vote receipts (mapping/votes.py) and link-code answers: `to` and a `Mention`
of the recipient only, `cc` empty, no Public, so Mastodon shows it as a private mention. The
text says what happened and why the member is told, and links to the page; a daily digest is
one note listing several notifications. The note's own words ("Why you get this") are in
the recipient's language (`language`), as the items the service composed are; the shape on the
wire is the same in every language.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from coopfed.activitypub.vocab import CONTEXT
from coopfed.i18n import DEFAULT, translations


@dataclass(frozen=True, slots=True)
class NoticeItem:
    """One thing the member is told: what, why they get it, and the page it is about."""

    text: str
    reason: str
    url: str


@dataclass(frozen=True, slots=True)
class NotificationNote:
    activity_id: str
    note_id: str
    sender: str  # the co-op actor
    recipient: str
    heading: str  # e.g. "Test Co-op: daily digest"; empty for a single notification
    items: tuple[NoticeItem, ...]
    settings_url: str  # where the member chooses how they hear from the co-op (/me)
    published: str  # RFC 3339
    language: str = DEFAULT  # the recipient's (coopfed.i18n.SUPPORTED)


def _link(url: str) -> str:
    escaped = html.escape(url, quote=True)
    return f'<a href="{escaped}">{escaped}</a>'


def _item_html(item: NoticeItem, language: str) -> str:
    why = translations(language).gettext("Why you get this: %(reason)s")
    return (
        f"{html.escape(item.text)} {_link(item.url)}<br>"
        f"<small>{html.escape(why % {'reason': item.reason})}</small>"
    )


def notification_note_to_ap(note: NotificationNote) -> dict[str, Any]:
    """`Create{Note}` to and mentioning only the recipient."""
    who = html.escape(note.recipient, quote=True)
    mention = f'<span class="h-card"><a href="{who}" class="u-url mention">{who}</a></span>'
    paragraphs = [f"<p>{mention} {html.escape(note.heading)}</p>"] if note.heading else []
    items: Sequence[NoticeItem] = note.items
    for index, item in enumerate(items):
        lead = mention + " " if index == 0 and not note.heading else ""
        paragraphs.append(f"<p>{lead}{_item_html(item, note.language)}</p>")
    choose = translations(note.language).gettext("Choose how you hear from us:")
    paragraphs.append(f"<p><small>{html.escape(choose)} {_link(note.settings_url)}</small></p>")
    content = "".join(paragraphs)
    body: dict[str, Any] = {
        "id": note.note_id,
        "type": "Note",
        "attributedTo": note.sender,
        "to": [note.recipient],
        "cc": [],
        "tag": [{"type": "Mention", "href": note.recipient}],
        "content": content,
        "published": note.published,
        "sensitive": False,
    }
    return {
        "@context": CONTEXT,
        "id": note.activity_id,
        "type": "Create",
        "actor": note.sender,
        "to": [note.recipient],
        "cc": [],
        "published": note.published,
        "object": body,
    }
