"""`coopfed discussion list|show|start|propose`: threads before a proposal, from the CLI; and
their comments' moderation (comments, hide-, unhide-, remove-comment, reports)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from coopfed.federation.mapping.moderation import RemoteFlag
from coopfed.node import Node
from coopfed.services import comment_moderation, discussions
from coopfed.settings import load_settings
from tests.cli.governance_support import Cli, write_config


@pytest.fixture
def cli(database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(write_config(database_url, tmp_path), capsys)


def test_start_list_show_and_propose(cli: Cli) -> None:
    assert cli("member", "add", "--local", "alice")[0] == 0
    code, out, _ = cli("discussion", "list")
    assert code == 0 and out.strip() == "no discussions yet"
    started = cli.json(
        "discussion", "start", "--member", "alice", "--title", "Four-day week",
        "--text", "Why not?\n\nLet us talk.", "--visibility", "members",
    )  # fmt: skip
    assert isinstance(started, dict)
    assert (started["title"], started["visibility"], started["proposal"]) == (
        "Four-day week", "members", None,
    )  # fmt: skip
    listed = cli.json("discussion", "list")
    assert isinstance(listed, list) and [d["id"] for d in listed] == [started["id"]]
    assert listed[0]["comment_count"] == 0
    shown = cli.json("discussion", "show", started["id"])
    assert isinstance(shown, dict)
    assert shown["text"] == "Why not?\n\nLet us talk." and shown["comments"] == []

    proposed = cli.json("discussion", "propose", started["uri"])
    assert isinstance(proposed, dict)
    assert proposed["proposal_status"] == "draft" and proposed["proposal"]
    draft = cli.json("proposal", "show", proposed["proposal"])
    assert isinstance(draft, dict)
    assert (draft["title"], draft["status"]) == ("Four-day week", "draft")
    code, out, _ = cli("discussion", "show", started["id"])
    assert code == 0 and f"became proposal {proposed['proposal']} (draft)" in out


def test_bad_input_exits_2_with_the_reason(cli: Cli) -> None:
    assert cli("member", "add", "--local", "alice")[0] == 0
    code, _, err = cli("discussion", "start", "--member", "nobody", "--title", "T", "--text", "x")
    assert code == 2 and "not an active member" in err
    code, _, err = cli("discussion", "start", "--member", "alice", "--title", " ", "--text", "x")
    assert code == 2 and "needs a title" in err
    code, _, err = cli("discussion", "start", "--member", "alice", "--title", "T", "--text", "")
    assert code == 2 and "needs some text" in err
    with pytest.raises(SystemExit) as refused:  # argparse: one of the visibilities
        cli(
            "discussion", "start", "--member", "alice", "--title", "T", "--text", "x",
            "--visibility", "everyone",
        )  # fmt: skip
    assert refused.value.code == 2 and "invalid choice" in cli.capsys.readouterr().err
    code, _, err = cli("discussion", "show", "nope")
    assert code == 2 and "no discussion" in err
    code, _, err = cli("discussion", "propose", "nope")
    assert code == 2 and "no discussion" in err
    started = cli.json("discussion", "start", "--member", "alice", "--title", "T", "--text", "x")
    assert isinstance(started, dict)
    code, proposal, _ = cli("discussion", "propose", started["id"])
    assert code == 0
    code, _, err = cli("discussion", "propose", started["id"])
    # Trial: the refusal names the proposal it already is, for `proposal open`.
    assert code == 2 and f"already a proposal: {proposal.strip()}" in err


def _flag(config: Path, comment_uri: str) -> None:
    """A Flag from another server about a discussion comment (Mastodon's shape)."""

    async def work() -> None:
        node = Node.from_settings(load_settings(config, environ={}))
        try:
            flag = RemoteFlag(
                "https://social.example/actor", "https://social.example/flags/1",
                (comment_uri,), "spam",
            )  # fmt: skip
            async with node.engine.begin() as conn:
                await comment_moderation.receive_flag(conn, flag, datetime.now(UTC))
        finally:
            await node.close()

    asyncio.run(work())


def _comment(config: Path, public_id: str) -> str:

    async def work() -> str:
        node = Node.from_settings(load_settings(config, environ={}))
        try:
            posted = await discussions.post_comment(node, public_id, "alice", "Buy my paint")
            return posted.uri
        finally:
            await node.close()

    return asyncio.run(work())


def test_a_discussions_comments_are_moderated_as_a_proposals(cli: Cli) -> None:
    assert cli("member", "add", "--local", "alice")[0] == 0
    started = cli.json(
        "discussion", "start", "--member", "alice", "--title", "Logo", "--text", "Green?",
    )  # fmt: skip
    assert isinstance(started, dict)
    code, out, _ = cli("discussion", "comments", started["id"])
    assert code == 0 and out.strip() == "no comments yet"
    uri = _comment(cli.config, started["id"])
    _flag(cli.config, uri)
    (listed,) = cli.json("discussion", "comments", started["uri"])  # type: ignore[misc]
    assert (listed["id"], listed["author"], listed["state"]) == (uri, "alice", "shown")
    assert {"history", "moderated_by", "edited_at"} <= set(listed)
    (report,) = cli.json("discussion", "reports", started["id"])  # type: ignore[misc]
    assert (report["comment"], report["reason"], report["state"]) == (uri, "spam", "open")
    hidden = cli.json("discussion", "hide-comment", started["id"], uri, "--reason", "spam")
    assert hidden == {"id": uri, "state": "hidden", "reason": "spam"}
    assert cli.json("discussion", "reports", started["id"]) == []  # hiding answered it
    shown = cli.json("discussion", "show", started["id"])
    assert isinstance(shown, dict) and shown["comment_count"] == 0
    back = cli.json("discussion", "unhide-comment", started["id"], uri)
    assert back == {"id": uri, "state": "shown", "reason": None}
    removed = cli.json("discussion", "remove-comment", started["id"], uri)
    assert removed == {"id": uri, "state": "removed", "reason": None}
    code, _, err = cli("discussion", "unhide-comment", started["id"], uri)
    assert code == 2 and "not hidden" in err
    code, _, err = cli("discussion", "hide-comment", "nope", uri)
    assert code == 2 and "no discussion" in err
    code, _, err = cli("discussion", "dismiss-report", started["id"], "999")
    assert code == 2 and "no report" in err
    code, _, err = cli("proposal", "hide-comment", started["id"], uri)  # not a proposal's
    assert code == 2 and "no proposal" in err
