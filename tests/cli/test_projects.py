"""`coopfed project ...` from the command line: fixed weights and their refusals, leaving."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.governance_support import Cli, write_config

SELF = "acct:testcoop@coop.test"


@pytest.fixture
def cli(database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(write_config(database_url, tmp_path), capsys)


def create(cli: Cli, handle: str, *more: str) -> tuple[int, str, str]:
    return cli("project", "create", handle, "--name", "River", "--rule", "coop_majority:1/2",
               *more)  # fmt: skip


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        (["--weights", "fixed"], "needs a --weight"),
        (["--weights", "fixed", "--weight", f"{SELF}=0"], "above 0"),
        (["--weights", "fixed", "--weight", f"{SELF}=-2"], "above 0"),
        (["--weights", "fixed", "--weight", f"{SELF}=two"], "whole number"),
        (["--weights", "fixed", "--weight", "3"], "COOP=N"),
        (["--weights", "fixed", "--weight", f"{SELF}=1", "--weight", f"{SELF}=2"], "twice"),
        (["--weights", "fixed", "--weight", "acct:stranger@coop.test=1"], "neither"),
        (["--weight", f"{SELF}=1"], "only goes with --weights fixed"),
    ],
)
def test_fixed_weights_are_checked(cli: Cli, options: list[str], reason: str) -> None:
    code, _, err = create(cli, "river", *options)
    assert code == 2 and reason in err, err
    assert err.startswith("coopfed: error:") and len(err.strip().splitlines()) == 1
    assert cli("project", "show", "river")[0] == 2  # nothing half-written


def test_fixed_weights_go_into_the_charter(cli: Cli) -> None:
    code, _, err = create(cli, "river", "--weights", "fixed", "--weight", f"{SELF}=3")
    assert code == 0, err
    shown = cli.json("project", "show", "river")
    assert isinstance(shown, dict)
    assert shown["charter"]["weighting"] == "fixed"
    assert shown["charter"]["weights"] == {"http://coop.test/actors/testcoop": 3}
    assert create(cli, "lake", "--weights", "members")[0] == 0
    lake = cli.json("project", "show", "lake")
    assert isinstance(lake, dict) and "weights" not in lake["charter"]


def test_leaving_a_project_this_coop_is_not_in_is_refused(cli: Cli) -> None:
    assert "not in" in cli.refused("project", "leave", "http://coop.test/actors/nowhere")


def test_a_project_without_grace_gets_an_hour_and_zero_is_refused(cli: Cli) -> None:
    """Regression (issue 14): without --grace the grace was 0 and every joint proposal was
    decided "rejected" with every co-op, the host included, late."""
    assert create(cli, "river")[0] == 0
    shown = cli.json("project", "show", "river")
    assert isinstance(shown, dict) and shown["charter"]["grace_seconds"] == 3600
    assert "duration '0s'" in cli.refused(
        "project", "create", "lake", "--name", "Lake", "--rule", "unanimity", "--grace", "0s"
    )
    assert cli("project", "show", "lake")[0] == 2  # nothing created


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--weights", "fixed"], "--weights fixed needs a --weight COOP=N for each member co-op"),
        (
            ["--weights", "fixed", "--weight", "3"],
            "--weight '3': write COOP=N, e.g. acct:coop@host=3",
        ),
        (["--weight", f"{SELF}=1"], "--weight only goes with --weights fixed"),
    ],
)
def test_weight_refusals_name_the_cli_flags(cli: Cli, options: list[str], message: str) -> None:
    # The service words them without flags (services/project_hosting.py); the CLI adds its own.
    code, _, err = create(cli, "river", *options)
    assert code == 2
    assert err.strip() == f"coopfed: error: {message}"
