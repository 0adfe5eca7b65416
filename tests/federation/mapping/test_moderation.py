"""`Flag`s as real servers send them (the fixture corpus), and what coopfed sends to take a
comment back (Delete of the Note, Undo of the Group's Announce)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from coopfed.federation.mapping.comments import CommentNote
from coopfed.federation.mapping.moderation import (
    MAX_FLAG_OBJECTS,
    MAX_REPORT_CHARS,
    FlagRefusal,
    RemoteFlag,
    ap_to_flag,
    delete_comment,
    undo_announce,
)

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "fediverse"
PAYLOADS = sorted(CORPUS.rglob("*.json"))


def _load(path: Path) -> Any:
    return json.loads(path.read_text())


@pytest.mark.parametrize("path", PAYLOADS, ids=lambda p: p.relative_to(CORPUS).as_posix())
def test_every_payload_is_a_flag_or_refused_with_a_reason(path: Path) -> None:
    flag = ap_to_flag(_load(path))
    assert isinstance(flag, RemoteFlag) or (isinstance(flag, FlagRefusal) and flag.reason)


def test_the_flags_of_mastodon_mbin_and_lemmy_are_read() -> None:
    flags = {
        p.relative_to(CORPUS).as_posix(): flag
        for p in PAYLOADS
        if isinstance(flag := ap_to_flag(_load(p)), RemoteFlag)
    }
    assert sorted(flags) == [
        "lemmy/activities/community/report_page.json",
        "mastodon/activities/flag.json",
        "mbin/activities/flag.json",
    ]
    mastodon = flags["mastodon/activities/flag.json"]
    assert mastodon.actor == "https://mastodon.example/actor"  # the instance actor
    assert mastodon.objects == (
        "https://example.com/users/1",
        "https://example.com/posts/380590",
        "https://example.com/posts/380591",
    )
    assert mastodon.reason == "Please take a look at this user and their posts"
    assert flags["lemmy/activities/community/report_page.json"].reason == "report this post"


@pytest.mark.parametrize(
    "payload",
    [
        None, [], "Flag", {"type": "Flag"}, {"type": "Flag", "actor": "https://a.example/x"},
        {"type": "Flag", "actor": "https://a.example/x", "id": "https://a.example/1"},
        {"type": "Flag", "actor": 5, "id": "https://a.example/1", "object": "https://c/1"},
        {"type": "Flag", "actor": "https://a.example/x", "id": "https://a.example/1",
         "object": [None, 3, {}, ""]},
    ],
)  # fmt: skip
def test_malformed_flags_are_refused(payload: Any) -> None:
    assert isinstance(ap_to_flag(payload), FlagRefusal)


def test_a_flag_is_bounded_in_objects_and_reason() -> None:
    flag = ap_to_flag(
        {
            "type": "Flag",
            "id": "https://a.example/1",
            "actor": {"id": "https://a.example/actor"},
            "object": [f"https://c.example/{n}" for n in range(500)],
            "content": "<p>" + "x" * 5000 + "</p>",
        }
    )
    assert isinstance(flag, RemoteFlag)
    assert len(flag.objects) == MAX_FLAG_OBJECTS and len(flag.reason) == MAX_REPORT_CHARS


NOTE = CommentNote(
    note_id="https://coop.example/comments/abc",
    author="https://coop.example/actors/bea",
    question="https://coop.example/proposals/p",
    in_reply_to="https://coop.example/proposals/p",
    content_html="<p>x</p>",
    published="2026-12-04T10:00:00Z",
    to=("https://www.w3.org/ns/activitystreams#Public",),
    cc=("https://coop.example/actors/river/followers",),
)


def test_the_delete_is_by_the_author_addressed_as_the_note() -> None:
    delete = delete_comment(NOTE, "https://coop.example/activities/1")
    assert delete["actor"] == NOTE.author and delete["type"] == "Delete"
    assert delete["object"] == {"id": NOTE.note_id, "type": "Tombstone"}
    assert (delete["to"], delete["cc"]) == (list(NOTE.to), list(NOTE.cc))
    assert "content" not in json.dumps(delete)  # nothing of the text goes out again


def test_the_undo_names_the_announce_by_its_id() -> None:
    undo = undo_announce(
        "https://coop.example/actors/river", "https://coop.example/activities/a",
        NOTE.note_id, "https://coop.example/activities/u",
        "https://coop.example/actors/river/followers",
    )  # fmt: skip
    assert undo["type"] == "Undo" and undo["object"]["id"] == "https://coop.example/activities/a"
    assert undo["object"]["type"] == "Announce" and undo["object"]["object"] == NOTE.note_id
