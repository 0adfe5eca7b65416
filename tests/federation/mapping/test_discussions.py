"""The Group's Notes (discussions, outcome statements): addressing by visibility, escaped
content, and what a Create carries."""

from __future__ import annotations

from coopfed.activitypub.vocab import PUBLIC
from coopfed.federation.mapping.discussions import (
    GroupNote,
    addressing,
    create_group_note,
    discussion_html,
    group_note,
)

GROUP = "https://coop.example/actors/river"
FOLLOWERS = f"{GROUP}/followers"
ALICE, BOB = "https://a.example/users/alice", "https://b.example/users/bob"


def test_addressing_follows_the_visibility() -> None:
    assert addressing("public", FOLLOWERS, (ALICE,)) == ((PUBLIC,), (FOLLOWERS,))
    assert addressing("members", FOLLOWERS, (BOB, ALICE, BOB)) == ((ALICE, BOB), ())
    assert addressing("allies", FOLLOWERS, ()) == ((), ())


def test_the_title_leads_the_content_and_everything_is_escaped() -> None:
    html = discussion_html("<Pay> & perks", ["a <b>", "line\nbreak"])
    assert (
        html
        == "<p><strong>&lt;Pay&gt; &amp; perks</strong></p><p>a &lt;b&gt;</p><p>line<br>break</p>"
    )


def _note(**changes: object) -> GroupNote:
    fields: dict[str, object] = {
        "note_id": "https://coop.example/proposals/p1/outcome", "group": GROUP,
        "content_html": "<p>Done</p>", "published": "2026-12-04T18:00:00Z",
        "url": "https://coop.example/proposals/p1", "context": "https://coop.example/proposals/p1",
        "to": (ALICE,), "cc": (),
    }  # fmt: skip
    fields.update(changes)
    return GroupNote(**fields)  # type: ignore[arg-type]


def test_a_members_only_note_mentions_its_one_recipient_and_replies_to_the_question() -> None:
    note = group_note(_note(in_reply_to="https://coop.example/proposals/p1", mention=True))
    assert note["type"] == "Note" and note["attributedTo"] == GROUP
    assert note["inReplyTo"] == "https://coop.example/proposals/p1"
    assert note["tag"] == [{"type": "Mention", "href": ALICE}]
    assert "replies" not in note


def test_a_served_note_lists_its_replies_and_a_create_embeds_it_without_them() -> None:
    note = _note(replies=("https://a.example/statuses/1",))
    served = group_note(note)
    assert served["replies"]["totalItems"] == 1
    assert "inReplyTo" not in served and "tag" not in served
    create = create_group_note(note, "https://coop.example/activities/1")
    assert (create["type"], create["actor"], create["to"]) == ("Create", GROUP, [ALICE])
    assert "replies" not in create["object"] and "@context" not in create["object"]
