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
    assert choice_from("budget@1", ["Roof,Bikes"]) == ["Roof", "Bikes"]
    meeting = choice_from("meeting@1", ["Mon 18h=yes,Tue=if_need_be", "Wed=if-need-be", "Thu=no"])
    assert meeting == {"Mon 18h": "yes", "Tue": "if_need_be", "Wed": "if_need_be", "Thu": "no"}
    with pytest.raises(CliError, match="SLOT=ANSWER"):
        choice_from("meeting@1", ["Mon=maybe"])
    with pytest.raises(CliError, match="SLOT=ANSWER"):
        choice_from("meeting@1", ["Mon"])
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


def test_meeting_and_budget_are_created_voted_and_tallied(cli: Cli) -> None:
    for name in ("alice", "bob", "carol"):
        cli("member", "add", "--local", name)
    meeting = _open(cli, "--method", "meeting@1", "--options", "Mon,Tue,Wed")
    cli("vote", meeting, "--member", "alice", "--choice", "Mon=yes,Tue=yes")
    cli("vote", meeting, "--member", "bob", "--choice", "Tue=if_need_be", "--choice", "Wed=yes")
    cli("vote", meeting, "--member", "carol", "--choice", "Mon=yes,Tue=yes")
    tally = cli.json("proposal", "tally", meeting)
    assert isinstance(tally, dict) and tally["counts"]["Tue"] == 2 and tally["turnout"] == 3
    closed = cli.json("proposal", "close", meeting)
    assert isinstance(closed, dict)
    assert closed["result"]["detail"]["ranking"] == ["Tue", "Mon", "Wed"]
    code, out, _ = cli("proposal", "show", meeting)
    assert code == 0 and "  decided: Tue wins (meeting@1)\n" in out
    # Greedy: B, A (70 of 90); equal shares (30 each): B at 15 each, then A needs 40 from
    # the two with 15 left, but carol's 30 buys C.
    budget = _open(
        cli, "--method", "budget@1", "--options", "A,B,C", "--costs", "A=40,B=30,C=30",
        "--budget", "90", "--limit-to-budget",
    )  # fmt: skip
    cli("vote", budget, "--member", "alice", "--choice", "A,B")
    cli("vote", budget, "--member", "bob", "--choice", "A,B")
    cli("vote", budget, "--member", "carol", "--choice", "C")
    err = cli.refused("vote", budget, "--member", "carol", "--choice", "A,B,C")
    assert "over the budget 90" in err
    closed = cli.json("proposal", "close", budget)
    assert isinstance(closed, dict)
    detail = closed["result"]["detail"]
    assert detail["winners"] == ["B", "A"] and detail["spent"] == 70
    assert detail["equal_shares"]["selected"] == ["B", "C"]
    code, out, _ = cli("proposal", "show", budget)
    assert "  decided: funded B, A (budget@1, spent 70 of 90); equal shares would fund B, C" in out


def test_budget_costs_option_errors_exit_2(cli: Cli) -> None:
    cli("member", "add", "--local", "alice")
    base = ("proposal", "create", "--title", "T", "--duration", "1d", "--method", "budget@1")
    err = cli.refused(*base, "--options", "A,B", "--costs", "A=1,B", "--budget", "9")
    assert "PROJECT=COST" in err
    err = cli.refused(*base, "--options", "A,B", "--costs", "A=1", "--budget", "9")
    assert "no cost for B" in err
    err = cli.refused(*base, "--options", "A,B", "--costs", "A=1,B=2")
    assert "total budget" in err
