"""Direct messages to the co-op: Mastodon's private mention is one, public and followers-only
posts are not; the link code is found in the HTML whatever surrounds it."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coopfed.federation.mapping.direct_messages import (
    DirectReply,
    ap_to_direct_message,
    direct_reply_to_ap,
    find_code,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "fediverse" / "mastodon"
COOP = "https://coop.example/actors/river"
MENTION = (
    '<span class="h-card" translate="no"><a href="https://coop.example/actors/river"'
    ' class="u-url mention">@<span>river</span></a></span>'
)


def mastodon_dm(content: str = f"<p>{MENTION} ABCD-EFGH</p>") -> dict[str, Any]:
    """Mastodon's private message fixture (a Note), addressed to the co-op and wrapped in its
    Create the way Mastodon delivers it."""
    note = json.loads((FIXTURES / "activities" / "private_message.json").read_text())
    note = copy.deepcopy(note)
    note["to"] = [COOP]
    note["tag"] = [{"type": "Mention", "href": COOP, "name": "@river@coop.example"}]
    note["content"] = content
    note["contentMap"] = {"es": content}
    return {
        "@context": note["@context"],
        "id": f"{note['id']}/activity",
        "type": "Create",
        "actor": note["attributedTo"],
        "published": note["published"],
        "to": [COOP],
        "cc": [],
        "object": {key: value for key, value in note.items() if key != "@context"},
    }


def test_mastodons_private_mention_with_a_code_is_a_link_message() -> None:
    activity = mastodon_dm()
    message = ap_to_direct_message(activity, recipient=COOP)
    assert message is not None
    assert message.sender == "https://mastodon.world/users/nutomic"
    assert message.code == "ABCDEFGH" and message.activity_id == activity["id"]
    assert message.note_id == activity["object"]["id"]


@pytest.mark.parametrize(
    ("to", "cc"),
    [
        (["https://www.w3.org/ns/activitystreams#Public"], [COOP]),
        (["as:Public", COOP], []),
        (["https://mastodon.world/users/nutomic/followers"], [COOP]),
        (["https://elsewhere.example/users/bob"], []),
    ],
)
def test_public_followers_only_or_not_to_us_is_no_direct_message(
    to: list[str], cc: list[str]
) -> None:
    activity = mastodon_dm()
    for holder in (activity, activity["object"]):
        holder["to"], holder["cc"] = to, cc
    assert ap_to_direct_message(activity, recipient=COOP) is None


def test_a_note_by_someone_else_or_not_a_note_is_no_direct_message() -> None:
    activity = mastodon_dm()
    activity["object"]["attributedTo"] = "https://mastodon.world/users/other"
    assert ap_to_direct_message(activity, recipient=COOP) is None
    activity = mastodon_dm()
    activity["object"]["type"] = "Question"
    assert ap_to_direct_message(activity, recipient=COOP) is None
    assert ap_to_direct_message({"type": "Create", "object": "x"}, recipient=COOP) is None


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (f"<p>{MENTION} ABCD-EFGH</p>", "ABCDEFGH"),
        (f"<p>{MENTION}</p><p>  abcd-efgh.  </p>", "ABCDEFGH"),
        (f"<p>{MENTION} my code: ABCD – EFGH, thanks!</p>", "ABCDEFGH"),
        (f"<p>{MENTION} self-made ABCD-EFGH</p>", "ABCDEFGH"),
        (f"<p>{MENTION} please transfer XY7KQ2MN</p>", "XY7KQ2MN"),
        (f"<p>{MENTION}<br>ABCD&#45;EFGH</p>", "ABCDEFGH"),
        ("<p>@river@coop.example ABCD-EFGH https://x.example/ABCD-EFGH</p>", "ABCDEFGH"),
        (f"<p>{MENTION} hello, how do I join?</p>", None),
        ("", None),
    ],
)
def test_the_code_is_found_in_the_html(content: str, code: str | None) -> None:
    assert find_code(content) == code


@given(st.text(max_size=300))
def test_find_code_never_raises(content: str) -> None:
    found = find_code(content)
    assert found is None or (found.isalnum() and found == found.upper())


def test_the_reply_is_private_to_the_sender_and_escaped() -> None:
    reply = DirectReply(
        activity_id="https://coop.example/activities/1",
        note_id="https://coop.example/activities/1/note",
        sender=COOP,
        recipient="https://mastodon.world/users/nutomic",
        text="Not linked: <b>that</b> code is not valid.",
        in_reply_to="https://mastodon.world/users/nutomic/statuses/1",
        published="2030-01-01T00:00:00Z",
    )
    activity = direct_reply_to_ap(reply)
    note = activity["object"]
    assert activity["to"] == note["to"] == [reply.recipient] and activity["cc"] == note["cc"] == []
    assert note["tag"] == [{"type": "Mention", "href": reply.recipient}]
    assert "&lt;b&gt;that&lt;/b&gt;" in note["content"] and "<b>" not in note["content"]
    assert note["inReplyTo"] == reply.in_reply_to and activity["actor"] == COOP
