"""`coopfed discussion list|show|start|propose`: threads before a proposal, from the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

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
