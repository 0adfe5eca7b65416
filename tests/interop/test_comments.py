"""Acceptance of issue 16 (threads): a Fedify peer member answers a proposal with words, and
the reply joins the proposal's discussion — on the page, escaped, and in
`coopfed proposal comments ID --json` as from the fediverse (real `coopfed serve`, peer on
127.0.0.2, the reply signed by Fedify's own HTTP-signature code)."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx

from tests.support.processes import coopfed

from .conftest import PeerFactory
from .fedify_peer import of_type
from .test_proposals import PEER_HOST, _cli, pytestmark, served  # noqa: F401

ESCAPE_PROBE = "<script>alert(1)</script>"


def _reply(author: str, question: str, text: str) -> dict[str, Any]:
    """A Mastodon-shaped reply with words to the co-op's Question."""
    note_id = f"{author}/notes/{uuid.uuid4()}"
    note = {
        "id": note_id,
        "type": "Note",
        "attributedTo": author,
        "inReplyTo": question,
        "content": f"<p>{text}</p>",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
    }
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{note_id}/activity",
        "type": "Create",
        "actor": author,
        "object": note,
        "to": note["to"],
    }


def _comments(cwd: Any, question_id: str, timeout: float = 30) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        comments: list[dict[str, Any]] = _cli(cwd, "proposal", "comments", question_id)
        if comments:
            return comments
        time.sleep(0.2)
    raise AssertionError(f"no comment on {question_id} after {timeout} s")


def test_a_peer_members_reply_shows_on_the_page_escaped_and_in_the_cli(
    served: tuple[str, Any],  # noqa: F811 (the fixture of test_proposals.py)
    fedify_peer: PeerFactory,
) -> None:
    base, cwd = served
    coop = f"{base}/actors/river"
    peer = fedify_peer(host=PEER_HOST)
    peer.follow("alice", coop)
    peer.wait_for("alice", of_type("Accept"), timeout=30)
    _cli(cwd, "member", "add", peer.actor_url("alice"))
    created = _cli(
        cwd, "proposal", "create", "--title", "Buy a van", "--method", "proposal",
        "--duration", "1d", "--open",
    )  # fmt: skip
    question_id = created["id"]
    text = f"Why a van? {ESCAPE_PROBE}"  # Mastodon escapes text; a hostile server may not

    sent = peer.send("alice", f"{coop}/inbox", _reply(peer.actor_url("alice"), question_id, text))

    assert sent["status"] in (200, 202), sent
    [comment] = _comments(cwd, question_id)
    assert comment["source"] == "fediverse"
    assert comment["author_actor"] == peer.actor_url("alice")
    assert comment["state"] == "shown"  # a member's comment, not one "from followers"
    assert comment["text"] == "Why a van? alert(1)"  # the text of the HTML, tags dropped
    page = httpx.get(question_id, headers={"Accept": "text/html"}, trust_env=False)
    assert page.status_code == 200
    assert "Why a van?" in page.text
    assert ESCAPE_PROBE not in page.text  # the script tag never reaches the reader verbatim


ADMIN, ADMIN_PASSWORD = "river_admin", "a long admin password"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _post_form(client: httpx.Client, page_path: str, action: str, fields: dict[str, str]) -> None:
    """Submit a site form as a browser does: its CSRF token read from the page first."""
    found = CSRF.search(client.get(page_path).text)
    assert found, f"no CSRF token on {page_path}"
    response = client.post(action, data={**fields, "csrf_token": found.group(1)})
    assert response.status_code in (200, 303), (response.status_code, response.text[-2000:])


def _is_comment_on(question: str) -> Callable[[dict[str, Any]], bool]:
    def matches(record: dict[str, Any]) -> bool:
        raw = record["raw"]
        activity = json.loads(raw) if isinstance(raw, str) else raw
        note = activity.get("object")
        if record.get("type") not in ("Create", "Announce") or not isinstance(note, dict):
            return False
        return note.get("type") == "Note" and note.get("inReplyTo") == question

    return matches


def test_a_site_comment_reaches_a_following_peer_signed(
    served: tuple[str, Any],  # noqa: F811 (the fixture of test_proposals.py)
    fedify_peer: PeerFactory,
) -> None:
    base, cwd = served
    coop = f"{base}/actors/river"
    peer = fedify_peer(host=PEER_HOST)
    peer.follow("alice", coop)
    peer.wait_for("alice", of_type("Accept"), timeout=30)
    made = coopfed("admin", "create", ADMIN, cwd=cwd, stdin=ADMIN_PASSWORD + "\n")
    assert made.returncode == 0, made.stderr
    _cli(cwd, "member", "add", "--local", ADMIN)
    created = _cli(
        cwd, "proposal", "create", "--title", "Buy a van", "--method", "proposal",
        "--duration", "1d", "--open",
    )  # fmt: skip
    question_id = created["id"]
    slug = question_id.rsplit("/", 1)[1]

    with httpx.Client(base_url=base, trust_env=False, follow_redirects=False) as client:
        fields = {"username": ADMIN, "password": ADMIN_PASSWORD, "next": "/"}
        _post_form(client, "/sign-in", "/sign-in", fields)
        page = f"/proposals/{slug}"
        _post_form(client, page, f"{page}/comments", {"comment": "Which van, though?"})

    record = peer.wait_for("alice", _is_comment_on(question_id), timeout=30)
    assert record["httpSignature"]["verified"], record["httpSignature"]
    raw = record["raw"]
    note = (json.loads(raw) if isinstance(raw, str) else raw)["object"]
    assert "Which van, though?" in note["content"]
    assert note["attributedTo"] == f"{base}/actors/{ADMIN}"


def _of(kind: str, object_id: str) -> Callable[[dict[str, Any]], bool]:
    """A recorded `kind` activity whose object is (or embeds) `object_id`."""

    def matches(record: dict[str, Any]) -> bool:
        raw = record["raw"]
        activity = json.loads(raw) if isinstance(raw, str) else raw
        inner = activity.get("object")
        found = inner.get("id") if isinstance(inner, dict) else inner
        if kind == "Undo" and isinstance(inner, dict):
            found = inner.get("object")
        return bool(activity.get("type") == kind and found == object_id)

    return matches


def test_a_hidden_site_comment_is_deleted_and_unannounced_at_the_peer_and_a_flag_reports(
    served: tuple[str, Any],  # noqa: F811 (the fixture of test_proposals.py)
    fedify_peer: PeerFactory,
) -> None:
    """Issue 16, moderation: hiding takes the comment back (the member's Delete, the Group's
    Undo{Announce}, both signed); the peer's Flag about it is a report for the admins."""
    base, cwd = served
    coop = f"{base}/actors/river"
    peer = fedify_peer(host=PEER_HOST)
    peer.follow("alice", coop)
    peer.wait_for("alice", of_type("Accept"), timeout=30)
    author = "river_mod"
    made = coopfed("admin", "create", author, cwd=cwd, stdin=ADMIN_PASSWORD + "\n")
    assert made.returncode == 0, made.stderr
    _cli(cwd, "member", "add", "--local", author)
    created = _cli(
        cwd, "proposal", "create", "--title", "Paint the van", "--method", "proposal",
        "--duration", "1d", "--open",
    )  # fmt: skip
    question_id = created["id"]
    slug = question_id.rsplit("/", 1)[1]
    with httpx.Client(base_url=base, trust_env=False, follow_redirects=False) as client:
        fields = {"username": author, "password": ADMIN_PASSWORD, "next": "/"}
        _post_form(client, "/sign-in", "/sign-in", fields)
        page = f"/proposals/{slug}"
        _post_form(client, page, f"{page}/comments", {"comment": "Buy my paint"})
    peer.wait_for("alice", _is_comment_on(question_id), timeout=30)
    [comment] = _comments(cwd, question_id)

    flag = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{peer.actor_url('alice')}/flags/{uuid.uuid4()}",
        "type": "Flag",
        "actor": peer.actor_url("alice"),
        "object": [f"{base}/actors/{author}", comment["id"]],
        "content": "spam",
    }
    sent = peer.send("alice", f"{base}/actors/{author}/inbox", flag)
    assert sent["status"] in (200, 202), sent
    deadline = time.monotonic() + 30
    reports: list[dict[str, Any]] = []
    while not reports and time.monotonic() < deadline:
        reports = _cli(cwd, "proposal", "reports", question_id)
        time.sleep(0.2)
    assert [(r["comment"], r["reason"], r["source"]) for r in reports] == [
        (comment["id"], "spam", "fediverse")
    ]

    hidden = _cli(cwd, "proposal", "hide-comment", question_id, comment["id"], "--reason", "spam")
    assert hidden["state"] == "hidden"
    for kind in ("Delete", "Undo"):
        # The Delete goes to the followers' shared inbox, addressed to no actor of the peer.
        record = peer.wait_for(None, _of(kind, comment["id"]), timeout=30)
        assert record["httpSignature"]["verified"], (kind, record["httpSignature"])
    assert _cli(cwd, "proposal", "reports", question_id) == []  # hiding answered the report
    page_text = httpx.get(question_id, headers={"Accept": "text/html"}, trust_env=False).text
    assert "Buy my paint" not in page_text


def test_an_unhidden_site_comment_is_created_and_announced_again_at_the_peer(
    served: tuple[str, Any],  # noqa: F811 (the fixture of test_proposals.py)
    fedify_peer: PeerFactory,
) -> None:
    """Issue 16, unhide: the Group's new Announce of the same Note reaches the following peer
    again, signed, as when it was posted (the member's Create of a public comment is addressed
    to Public and followers get it through the Announce; Fedify keeps no tombstone)."""
    base, cwd = served
    coop = f"{base}/actors/river"
    peer = fedify_peer(host=PEER_HOST)
    peer.follow("alice", coop)
    peer.wait_for("alice", of_type("Accept"), timeout=30)
    author = "river_back"
    made = coopfed("admin", "create", author, cwd=cwd, stdin=ADMIN_PASSWORD + "\n")
    assert made.returncode == 0, made.stderr
    _cli(cwd, "member", "add", "--local", author)
    created = _cli(
        cwd, "proposal", "create", "--title", "Paint the van", "--method", "proposal",
        "--duration", "1d", "--open",
    )  # fmt: skip
    question_id = created["id"]
    slug = question_id.rsplit("/", 1)[1]
    with httpx.Client(base_url=base, trust_env=False, follow_redirects=False) as client:
        fields = {"username": author, "password": ADMIN_PASSWORD, "next": "/"}
        _post_form(client, "/sign-in", "/sign-in", fields)
        page = f"/proposals/{slug}"
        _post_form(client, page, f"{page}/comments", {"comment": "Green, after all"})
    peer.wait_for("alice", _is_comment_on(question_id), timeout=30)
    [comment] = _comments(cwd, question_id)
    _cli(cwd, "proposal", "hide-comment", question_id, comment["id"])
    peer.wait_for(None, _of("Undo", comment["id"]), timeout=30)
    seen = {_activity_id(r) for r in peer.inbox()}

    shown = _cli(cwd, "proposal", "unhide-comment", question_id, comment["id"])
    assert shown["state"] == "shown"
    record = peer.wait_for(None, _new(_of("Announce", comment["id"]), seen), timeout=30)
    assert record["httpSignature"]["verified"], record["httpSignature"]
    raw = record["raw"]
    note = (json.loads(raw) if isinstance(raw, str) else raw)["object"]
    assert "Green, after all" in note["content"]
    page_text = httpx.get(question_id, headers={"Accept": "text/html"}, trust_env=False).text
    assert "Green, after all" in page_text


def _new(
    matches: Callable[[dict[str, Any]], bool], seen: set[str]
) -> Callable[[dict[str, Any]], bool]:
    """`matches`, among activities the peer had not received yet."""
    return lambda record: matches(record) and _activity_id(record) not in seen


def _activity_id(record: dict[str, Any]) -> str:
    raw = record["raw"]
    return str((json.loads(raw) if isinstance(raw, str) else raw).get("id"))
