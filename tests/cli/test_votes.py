"""`coopfed vote`: choices per method family; refusals exit 2 with the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from coopfed.cli.support import CliError
from coopfed.cli.vote_commands import choice_from
from tests.cli.governance_support import Cli, write_config


@pytest.fixture
def cli(database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(write_config(database_url, tmp_path), capsys)


def test_choices_by_method_family() -> None:
    assert choice_from("proposal@1", ["yes"]) == "yes"
    assert choice_from("irv@1", ["B", "A"]) == ["B", "A"]
    assert choice_from("stv@1", ["B,A", "C"]) == ["B", "A", "C"]
    assert choice_from("approval@1", ["A,C"]) == ["A", "C"]
    assert choice_from("score@1", ["A=3,B=5"]) == {"A": 3, "B": 5}
    assert choice_from("dots@1", ["A=3", "B=0"]) == {"A": 3, "B": 0}
    assert choice_from("irv@1", ["abstain"]) == "abstain"
    with pytest.raises(CliError, match="one choice"):
        choice_from("proposal@1", ["yes", "no"])
    with pytest.raises(CliError, match="OPTION=NUMBER"):
        choice_from("score@1", ["A"])
    with pytest.raises(CliError, match="at least one"):
        choice_from("irv@1", [" , "])


def _open(cli: Cli, *extra: str) -> str:
    created = cli.json("proposal", "create", "--title", "T", "--duration", "1d", "--open", *extra)
    assert isinstance(created, dict) and created["status"] == "open"
    return str(created["id"])


def test_ranked_and_scored_ballots_are_counted(cli: Cli) -> None:
    for name in ("alice", "bob", "carol"):
        cli("member", "add", "--local", name)
    ranked = _open(cli, "--method", "irv", "--options", "A,B,C")
    cli("vote", ranked, "--member", "alice", "--choice", "B", "--choice", "A")
    cli("vote", ranked, "--member", "bob", "--choice", "B,C")
    outcome = cli.json("vote", ranked, "--member", "carol", "--choice", "A")
    assert isinstance(outcome, dict) and outcome["status"] == "counted"
    assert outcome["choice"] == ["A"] and len(outcome["receipt"]) == 64
    closed = cli.json("proposal", "close", ranked)
    assert isinstance(closed, dict) and closed["result"]["detail"]["winners"] == ["B"]
    scored = _open(cli, "--method", "score", "--options", "A,B")
    first = cli.json("vote", scored, "--member", "alice", "--choice", "A=1,B=5")
    second = cli.json("vote", scored, "--member", "alice", "--choice", "A=4,B=2")
    assert isinstance(first, dict) and isinstance(second, dict)
    assert second["status"] == "replaced" and second["receipt"] != first["receipt"]
    tally = cli.json("proposal", "tally", scored)
    assert isinstance(tally, dict) and tally["counts"]["A"] == 4 and tally["counts"]["B"] == 2


def test_refused_and_invalid_votes_exit_2(cli: Cli) -> None:
    cli("member", "add", "--local", "alice")
    proposal = _open(cli, "--method", "proposal")
    assert "invalid_choice" in cli.refused("vote", proposal, "--member", "alice", "--choice", "hm")
    assert "no member" in cli.refused("vote", proposal, "--member", "zed", "--choice", "yes")
    assert "no proposal" in cli.refused("vote", "nope", "--member", "alice", "--choice", "yes")
    cli("member", "add", "--local", "late")
    err = cli.refused("vote", proposal, "--member", "late", "--choice", "yes")
    assert "not_in_electorate" in err
    tally = cli.json("proposal", "tally", proposal)
    assert isinstance(tally, dict) and tally["turnout"] == 0
