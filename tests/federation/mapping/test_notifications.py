"""Notifications as private notes: to and mentioning only the recipient, text escaped, the
link and the reason in the content; a digest is one note with a paragraph per notification."""

from __future__ import annotations

from coopfed.activitypub.vocab import PUBLIC_ALIASES
from coopfed.federation.mapping.notifications import (
    NoticeItem,
    NotificationNote,
    notification_note_to_ap,
)

ALICE = "https://mastodon.example/users/alice"
COOP = "https://coop.example/actors/river"
PAGE = "https://coop.example/proposals/k3v9q2m7xa"


def note(*items: NoticeItem, heading: str = "") -> NotificationNote:
    return NotificationNote(
        activity_id="https://coop.example/activities/notification-ab",
        note_id="https://coop.example/activities/notification-ab/note",
        sender=COOP,
        recipient=ALICE,
        heading=heading,
        items=items,
        settings_url="https://coop.example/me",
        published="2026-09-01T10:00:05Z",
    )


def test_a_notification_is_a_private_mention_of_its_one_recipient() -> None:
    item = NoticeItem("“<b>Move</b>” is open.", "you may vote on it.", PAGE)
    activity = notification_note_to_ap(note(item))
    body = activity["object"]
    assert activity["type"] == "Create" and body["type"] == "Note"
    assert activity["to"] == body["to"] == [ALICE] and activity["cc"] == body["cc"] == []
    assert body["tag"] == [{"type": "Mention", "href": ALICE}]
    assert activity["actor"] == body["attributedTo"] == COOP
    assert "inReplyTo" not in body
    text = str(activity)
    assert not any(alias in text for alias in PUBLIC_ALIASES) and "followers" not in text
    content = body["content"]
    assert "&lt;b&gt;Move&lt;/b&gt;" in content and "<b>" not in content
    assert f'<a href="{PAGE}">{PAGE}</a>' in content
    assert "Why you get this: you may vote on it." in content
    assert '<a href="https://coop.example/me">' in content
    assert content.startswith('<p><span class="h-card"><a href="' + ALICE)


def test_a_digest_is_one_note_with_a_heading_and_every_item() -> None:
    first = NoticeItem("“A” is open.", "you may vote on it.", PAGE)
    second = NoticeItem("“B” has closed.", "you were in its electorate.", PAGE + "b")
    content = notification_note_to_ap(note(first, second, heading="River: daily digest"))["object"][
        "content"
    ]
    assert content.count("<p>") == 4  # heading, two items, the /me link
    assert "River: daily digest" in content and "“A” is open." in content
    assert "“B” has closed." in content and content.count('class="u-url mention"') == 1
