"""`coopfed proposal comments ID [--json]`: the discussion, with the fields operators script;
its moderation: release-comment, hide-comment, remove-comment, reports, dismiss-report."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from coopfed.federation.mapping.comments import RemoteReply, ReplyEdit
from coopfed.federation.mapping.moderation import RemoteFlag
from coopfed.governance.charter import Charter, NonMemberReplies
from coopfed.node import Node
from coopfed.services import comment_moderation, comments, proposals
from coopfed.settings import load_settings
from tests.cli.governance_support import Cli, write_config

FRED = "https://social.example/users/fred"


@pytest.fixture
def cli(database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(write_config(database_url, tmp_path), capsys)


def _add_comments(config: Path, slug: str) -> None:
    async def work() -> None:
        node = Node.from_settings(load_settings(config, environ={}))
        try:
            await comments.post_comment(node, slug, "alice", "First\n\nsecond paragraph")
            reply = RemoteReply(FRED, f"{FRED}/statuses/9", node.uris.proposal(slug),
                                "<p>From afar</p>", "From afar", None)  # fmt: skip
            async with node.engine.begin() as conn:
                await comments.receive_reply(conn, node.uris, reply, datetime.now(UTC))
        finally:
            await node.close()

    asyncio.run(work())


def test_comments_list_both_sources_with_their_fields(cli: Cli) -> None:
    assert cli("member", "add", "--local", "alice")[0] == 0
    created = cli.json(
        "proposal", "create", "--title", "Paint", "--method", "proposal", "--duration", "3d",
        "--open",
    )  # fmt: skip
    assert isinstance(created, dict)
    code, out, _ = cli("proposal", "comments", created["id"])
    assert code == 0 and out.strip() == "no comments yet"
    _add_comments(cli.config, created["slug"])
    listed = cli.json("proposal", "comments", created["id"])
    assert isinstance(listed, list)
    assert [(c["author"], c["source"], c["state"], c["text"]) for c in listed] == [
        ("alice", "site", "shown", "First\n\nsecond paragraph"),
        (FRED, "fediverse", "from_followers", "From afar"),
    ]
    assert all(set(c) >= {"author", "source", "text", "published", "state"} for c in listed)
    code, out, _ = cli("proposal", "comments", created["slug"])
    assert "alice (site)" in out and "[from_followers]" in out


def test_comments_of_an_unknown_proposal_exit_2(cli: Cli) -> None:
    code, _, err = cli("proposal", "comments", "nope")
    assert code == 2 and "no proposal" in err


def _hold_replies(config: Path) -> None:
    async def work() -> None:
        node = Node.from_settings(load_settings(config, environ={}))
        try:
            await proposals.set_charter(node, Charter(non_member_replies=NonMemberReplies.HELD))
        finally:
            await node.close()

    asyncio.run(work())


def test_an_admin_releases_a_held_reply_once(cli: Cli) -> None:
    assert cli("member", "add", "--local", "alice")[0] == 0
    _hold_replies(cli.config)
    created = cli.json(
        "proposal", "create", "--title", "Paint", "--method", "proposal", "--duration", "3d",
        "--open",
    )  # fmt: skip
    assert isinstance(created, dict)
    _add_comments(cli.config, created["slug"])
    listed = cli.json("proposal", "comments", created["id"])
    assert isinstance(listed, list)
    assert [c["state"] for c in listed] == ["shown", "held"]
    held = listed[1]["id"]
    released = cli.json("proposal", "release-comment", created["id"], held)
    assert released == {"id": held, "state": "from_followers"}
    after = cli.json("proposal", "comments", created["id"])
    assert isinstance(after, list) and [c["state"] for c in after] == ["shown", "from_followers"]
    code, _, err = cli("proposal", "release-comment", created["id"], held)
    assert code == 2 and "not held" in err  # a second release is refused, not a traceback
    code, _, err = cli("proposal", "release-comment", created["id"], "https://nope.example/1")
    assert code == 2 and "no comment" in err


def test_an_admin_hides_then_removes_a_comment_and_lists_its_reports(cli: Cli) -> None:
    assert cli("member", "add", "--local", "alice")[0] == 0
    created = cli.json(
        "proposal", "create", "--title", "Paint", "--method", "proposal", "--duration", "3d",
        "--open",
    )  # fmt: skip
    assert isinstance(created, dict)
    _add_comments(cli.config, created["slug"])
    _report(cli.config, created["slug"])
    listed = cli.json("proposal", "comments", created["id"])
    assert isinstance(listed, list)
    site = listed[0]["id"]
    reports = cli.json("proposal", "reports", created["id"])
    assert isinstance(reports, list) and len(reports) == 1
    assert {k: reports[0][k] for k in ("comment", "reporter", "source", "reason", "state")} == {
        "comment": site,
        "reporter": FRED_INSTANCE,
        "source": "fediverse",
        "reason": "spam",
        "state": "open",
    }
    hidden = cli.json("proposal", "hide-comment", created["id"], site, "--reason", "spam")
    assert hidden == {"id": site, "state": "hidden", "reason": "spam"}
    after = cli.json("proposal", "comments", created["id"])
    assert isinstance(after, list)
    assert (after[0]["state"], after[0]["reason"], after[0]["text"]) == (
        "hidden",
        "spam",
        "First\n\nsecond paragraph",
    )
    assert after[0]["moderated_by"].startswith("cli:") and after[0]["moderated_at"]
    assert cli.json("proposal", "reports", created["id"]) == []  # hiding answered it
    closed = cli.json("proposal", "reports", created["id"], "--all")
    assert isinstance(closed, list) and closed[0]["state"] == "actioned"
    removed = cli.json("proposal", "remove-comment", created["id"], site)
    assert removed == {"id": site, "state": "removed", "reason": None}
    gone = cli.json("proposal", "comments", created["id"])
    assert isinstance(gone, list) and (gone[0]["state"], gone[0]["text"]) == ("removed", "")
    code, _, err = cli("proposal", "remove-comment", created["id"], site)
    assert code == 2 and "removed already" in err
    code, _, err = cli("proposal", "hide-comment", created["id"], "https://nope.example/1")
    assert code == 2 and "no comment" in err


def test_an_admin_dismisses_a_report_once(cli: Cli) -> None:
    assert cli("member", "add", "--local", "alice")[0] == 0
    created = cli.json(
        "proposal", "create", "--title", "Paint", "--method", "proposal", "--duration", "3d",
        "--open",
    )  # fmt: skip
    assert isinstance(created, dict)
    _add_comments(cli.config, created["slug"])
    _report(cli.config, created["slug"])
    code, out, _ = cli("proposal", "reports", created["slug"])
    assert code == 0 and "> spam" in out
    reports = cli.json("proposal", "reports", created["id"])
    assert isinstance(reports, list)
    number = str(reports[0]["id"])
    dismissed = cli.json("proposal", "dismiss-report", created["id"], number)
    assert dismissed == {"id": reports[0]["id"], "state": "dismissed"}
    code, _, err = cli("proposal", "dismiss-report", created["id"], number)
    assert code == 2 and "not open" in err
    code, _, err = cli("proposal", "dismiss-report", created["id"], "999")
    assert code == 2 and "no report" in err
    listed = cli.json("proposal", "comments", created["id"])
    assert isinstance(listed, list) and listed[0]["state"] == "shown"  # left as it is


FRED_INSTANCE = "https://social.example/actor"


def _report(config: Path, slug: str) -> None:
    """A Flag from fred's server about alice's site comment (Mastodon's shape)."""

    async def work() -> None:
        node = Node.from_settings(load_settings(config, environ={}))
        try:
            (entry, *_) = await comments.thread_of_admin(node, slug)
            flag = RemoteFlag(
                FRED_INSTANCE, "https://social.example/flags/1",
                (node.uris.actor("alice"), entry.comment.uri), "spam",
            )  # fmt: skip
            async with node.engine.begin() as conn:
                await comment_moderation.receive_flag(conn, flag, datetime.now(UTC))
        finally:
            await node.close()

    asyncio.run(work())


def test_an_edited_reply_lists_its_history(cli: Cli) -> None:
    assert cli("member", "add", "--local", "alice")[0] == 0
    created = cli.json(
        "proposal", "create", "--title", "Paint", "--method", "proposal", "--duration", "3d",
        "--open",
    )  # fmt: skip
    assert isinstance(created, dict)

    async def work() -> None:
        node = Node.from_settings(load_settings(cli.config, environ={}))
        try:
            note = f"{FRED}/statuses/9"
            reply = RemoteReply(FRED, note, node.uris.proposal(created["slug"]),
                                "<p>Blue</p>", "Blue", None)  # fmt: skip
            edit = ReplyEdit(FRED, note, "<p>Green</p>", "Green", None)
            async with node.engine.begin() as conn:
                await comments.receive_reply(conn, node.uris, reply, datetime.now(UTC))
                await comments.receive_edit(conn, node.uris, edit, datetime.now(UTC))
        finally:
            await node.close()

    asyncio.run(work())
    (listed,) = cli.json("proposal", "comments", created["id"])  # type: ignore[misc]
    assert listed["text"] == "Green" and listed["edited_at"]
    assert [h["text"] for h in listed["history"]] == ["Blue"]
    assert set(listed["history"][0]) == {"text", "written", "replaced"}
    code, out, _ = cli("proposal", "comments", created["id"])
    assert code == 0 and "(edited)" in out


def test_an_admin_unhides_a_hidden_comment_once(cli: Cli) -> None:
    assert cli("member", "add", "--local", "alice")[0] == 0
    created = cli.json(
        "proposal", "create", "--title", "Paint", "--method", "proposal", "--duration", "3d",
        "--open",
    )  # fmt: skip
    assert isinstance(created, dict)
    _add_comments(cli.config, created["slug"])
    listed = cli.json("proposal", "comments", created["id"])
    assert isinstance(listed, list)
    site, reply = listed[0]["id"], listed[1]["id"]
    code, _, err = cli("proposal", "unhide-comment", created["id"], site)
    assert code == 2 and "shown, not hidden" in err
    cli.json("proposal", "hide-comment", created["id"], site, "--reason", "oops")
    cli.json("proposal", "hide-comment", created["id"], reply)
    shown = cli.json("proposal", "unhide-comment", created["id"], site)
    assert shown == {"id": site, "state": "shown", "reason": None}
    code, out, _ = cli("proposal", "unhide-comment", created["slug"], reply)
    assert code == 0 and out.strip() == f"from_followers {reply}"  # never a member's comment
    after = cli.json("proposal", "comments", created["id"])
    assert isinstance(after, list)
    assert [(c["state"], c["reason"], c["moderated_by"]) for c in after] == [
        ("shown", None, None),
        ("from_followers", None, None),
    ]
    code, _, err = cli("proposal", "unhide-comment", created["id"], "https://nope.example/1")
    assert code == 2 and "no comment" in err
    code, _, err = cli("proposal", "unhide-comment", "nope", site)
    assert code == 2 and "no proposal" in err
