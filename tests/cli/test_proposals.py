"""`coopfed proposal ...` and an end-to-end decision run from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.governance_support import Cli, write_config


@pytest.fixture
def cli(database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(write_config(database_url, tmp_path), capsys)


def _members(cli: Cli, *names: str) -> None:
    for name in names:
        code, _, err = cli("member", "add", "--local", name)
        assert code == 0, err


def test_a_decision_end_to_end(cli: Cli) -> None:
    _members(cli, "alice", "bob", "carol")
    created = cli.json(
        "proposal", "create", "--title", "Buy a cargo bike", "--body", "For deliveries.",
        "--method", "proposal", "--duration", "3d", "--quorum", "1/2", "--threshold", "majority",
    )  # fmt: skip
    assert isinstance(created, dict) and created["status"] == "draft"
    proposal_id = created["id"]
    assert proposal_id.startswith("http://coop.test/proposals/")
    opened = cli.json("proposal", "open", proposal_id)
    assert isinstance(opened, dict)
    assert opened["status"] == "open" and opened["electorate_size"] == 3
    for name, choice in (("alice", "yes"), ("bob", "yes"), ("carol", "no")):
        code, out, err = cli("vote", proposal_id, "--member", name, "--choice", choice)
        assert code == 0 and out.startswith("counted: receipt "), err
    running = cli.json("proposal", "tally", proposal_id)
    assert isinstance(running, dict) and running["counts"]["yes"] == 2
    assert running["result"] is None
    closed = cli.json("proposal", "close", proposal_id)
    assert isinstance(closed, dict) and closed["status"] == "decided"
    assert closed["closed_early_by"].startswith("cli:")
    shown = cli.json("proposal", "show", proposal_id)
    assert isinstance(shown, dict)
    assert shown["id"] == proposal_id and shown["status"] == "decided"
    assert shown["method"] == "proposal@1" and shown["options"] == ["yes", "no", "block"]
    assert shown["counts"] == {"yes": 2, "no": 1, "block": 0, "abstain": 0, "invalid": 0}
    assert shown["result"]["status"] == "passed" and shown["decision"] == "passed"
    assert shown["result"]["electorate_size"] == 3 and shown["title"] == "Buy a cargo bike"
    assert shown["result"]["log_head"] == shown["log_head"]


def test_counts_keep_the_options_order_once_decided(cli: Cli) -> None:
    """Trial: open, `show` printed "yes 0, no 0, block 0, abstain 0, invalid 0"; decided, the
    result's sorted keys came out "abstain 1, block 0, invalid 0, no 2, yes 0"."""
    _members(cli, "alice", "bob")
    created = cli.json("proposal", "create", "--title", "T", "--method", "proposal",
                       "--duration", "3d", "--open")  # fmt: skip
    assert isinstance(created, dict)
    assert cli("vote", created["id"], "--member", "alice", "--choice", "no")[0] == 0
    assert cli("vote", created["id"], "--member", "bob", "--choice", "abstain")[0] == 0
    assert cli("proposal", "close", created["id"])[0] == 0
    code, out, _ = cli("proposal", "show", created["id"])
    assert code == 0 and "counts: yes 0, no 1, block 0, abstain 1, invalid 0" in out
    code, out, _ = cli("proposal", "tally", created["id"])
    names = [line.split(":")[0].strip() for line in out.splitlines()[1:]]
    assert code == 0 and names == ["yes", "no", "block", "abstain", "invalid"]


def test_create_open_prints_the_id_and_list_filters_by_state(cli: Cli) -> None:
    _members(cli, "alice")  # opening needs someone who can vote
    code, out, _ = cli(
        "proposal", "create", "--title", "Pick a name", "--method", "irv",
        "--options", "Spoke,Pedal,Chain", "--closes", "2099-01-01T00:00Z", "--open",
    )  # fmt: skip
    assert code == 0
    proposal_id = out.strip()
    slug = proposal_id.rsplit("/", 1)[1]
    cli("proposal", "create", "--title", "Draft", "--method", "consent", "--duration", "1w")
    listed = cli.json("proposal", "list", "--state", "open")
    assert isinstance(listed, list) and [p["slug"] for p in listed] == [slug]
    assert listed[0]["options"] == ["Spoke", "Pedal", "Chain"]
    assert listed[0]["closes_at"] == "2099-01-01T00:00:00Z"
    assert len(cli.json("proposal", "list")) == 2  # type: ignore[arg-type]
    code, out, _ = cli("proposal", "show", slug)
    assert code == 0 and "status: open" in out and "Spoke, Pedal, Chain" in out
    withdrawn = cli.json("proposal", "withdraw", slug)
    assert isinstance(withdrawn, dict) and withdrawn["status"] == "withdrawn"


def test_opening_with_nobody_to_vote_is_refused_and_nothing_is_created(cli: Cli) -> None:
    base = ["proposal", "create", "--title", "T", "--method", "proposal", "--duration", "3d"]
    assert "nobody can vote" in cli.refused(*base, "--open")
    assert cli.json("proposal", "list") == []
    draft = cli.json(*base)
    assert isinstance(draft, dict)
    assert "nobody can vote" in cli.refused("proposal", "open", draft["id"])
    assert cli.json("proposal", "show", draft["id"])["status"] == "draft"  # type: ignore[index]
    _members(cli, "alice")
    assert cli.json("proposal", "open", draft["id"])["status"] == "open"  # type: ignore[index]


def test_errors_exit_2_with_one_line(cli: Cli) -> None:
    base = ["proposal", "create", "--title", "T", "--duration", "3d"]
    assert "no proposal 'nope'" in cli.refused("proposal", "show", "nope")
    assert "unknown method" in cli.refused(*base, "--method", "dictator")
    assert "quorum" in cli.refused(*base, "--method", "proposal", "--quorum", "half")
    assert "comparison" in cli.refused(*base, "--method", "proposal", "--threshold", "most")
    assert "duration" in cli.refused("proposal", "create", "--title", "T", "--method",
                                     "proposal", "--duration", "soon")  # fmt: skip
    assert "time zone" in cli.refused("proposal", "create", "--title", "T", "--method",
                                      "proposal", "--closes", "2099-01-01T00:00")  # fmt: skip
    assert "--spec" in cli.refused(*base, "--method", "stv", "--spec", "[1]")
    created = cli.json(*base, "--method", "proposal")
    assert isinstance(created, dict)
    assert "cannot close" in cli.refused("proposal", "close", created["id"])
    listed = cli.json("proposal", "list")
    assert isinstance(listed, list) and [p["status"] for p in listed] == ["draft"]


def _decide(cli: Cli, method: str, options: str, ballots: list[str], *extra: str) -> str:
    """Open a proposal, one member per ballot votes it, close it; its human `show` output."""
    names = [f"m{i}" for i in range(len(ballots))]
    _members(cli, *names)
    code, out, err = cli(
        "proposal", "create", "--title", method, "--method", method, "--options", options,
        "--duration", "3d", "--open", *extra,
    )  # fmt: skip
    assert code == 0, err
    proposal_id = out.strip()
    for name, ranking in zip(names, ballots, strict=True):
        code, _, err = cli("vote", proposal_id, "--member", name, "--choice", ranking)
        assert code == 0, err
    assert cli.json("proposal", "close", proposal_id)["status"] == "decided"  # type: ignore[index]
    code, out, _ = cli("proposal", "show", proposal_id)
    assert code == 0
    return out


def test_show_names_the_irv_winner_and_the_rounds(cli: Cli) -> None:
    # First round A 2, B 2, C 1: C goes, its ballot moves to B, B wins in round 2.
    out = _decide(cli, "irv", "A,B,C", ["A,B", "A,C", "B,A", "B,C", "C,B"])
    assert "  status: decided\n" in out  # the old lines stay
    assert "  decided: B wins (irv@1, 2 rounds)\n" in out


def test_show_names_the_stv_seats(cli: Cli) -> None:
    ballots = ["A,B"] * 6 + ["B"] * 3 + ["C,B"] * 2
    out = _decide(cli, "stv", "A,B,C", ballots, "--spec", '{"seats": 2}')
    assert "  decided: elected A, B (stv@1, " in out


def test_show_names_the_tied_options(cli: Cli) -> None:
    # A 2, B 2 after C (no votes) goes: no lot in the default charter, so a tie of A and B.
    out = _decide(cli, "irv", "A,B,C", ["A", "A", "B", "B"])
    assert "  decision: tie\n" in out
    line = next(line for line in out.splitlines() if line.startswith("  tie: "))
    assert "(irv@1)" in line
    assert line.split(" (")[0] == "  tie: A, B"
