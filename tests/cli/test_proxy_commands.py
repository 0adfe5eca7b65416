"""`coopfed proxy grant|list|revoke`: --json shapes, refusals exit 2 with the reason."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from coopfed.cli.proxy_commands import until_from
from coopfed.cli.support import CliError
from tests.cli.governance_support import Cli, write_config


@pytest.fixture
def cli(database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(write_config(database_url, tmp_path), capsys)


def allow_proxies(cli: Cli, tmp_path: Path) -> None:
    charter = tmp_path / "charter.json"
    charter.write_text(json.dumps({"proxies": {"allowed": True, "cap_per_holder": 2}}))
    cli("charter", "set", str(charter))


def test_until_is_a_day_included_or_a_time_with_a_zone() -> None:
    assert until_from("2030-03-31", "UTC") == datetime(2030, 4, 1, tzinfo=UTC)
    paris = until_from("2030-03-31", "Europe/Paris")
    assert paris.astimezone(UTC) == datetime(2030, 3, 31, 22, 0, tzinfo=UTC)
    assert until_from("2030-03-31T18:00Z", "UTC") == datetime(2030, 3, 31, 18, tzinfo=UTC)
    with pytest.raises(CliError, match="time zone"):
        until_from("2030-03-31T18:00", "UTC")
    with pytest.raises(CliError, match="expected a date"):
        until_from("next tuesday", "UTC")


def test_grant_list_revoke_with_json(cli: Cli, tmp_path: Path) -> None:
    for name in ("alice", "bob", "carol", "dan"):
        cli("member", "add", "--local", name)
    allow_proxies(cli, tmp_path)
    granted = cli.json("proxy", "grant", "alice", "bob", "--until", "2099-12-31")
    assert isinstance(granted, dict)
    assert (granted["grantor_handle"], granted["holder_handle"]) == ("alice", "bob")
    assert granted["until"] == "2100-01-01T00:00:00Z" and granted["proposal"] is None
    code, out, _ = cli("proxy", "grant", "carol", "bob")
    assert code == 0 and out.strip().endswith("bob for carol until revoked")
    err = cli.refused("proxy", "grant", "dan", "bob")
    assert "bob already holds 2 proxies, the charter's cap per holder" in err
    listed = cli.json("proxy", "list")
    assert isinstance(listed, list) and [g["grantor_handle"] for g in listed] == ["alice", "carol"]
    revoked = cli.json("proxy", "revoke", str(granted["id"]))
    assert isinstance(revoked, dict) and revoked["revoked_at"] is not None
    assert "already revoked" in cli.refused("proxy", "revoke", str(granted["id"]))
    assert "no proxy 999" in cli.refused("proxy", "revoke", "999")
    mine = cli.json("proxy", "list", "--member", "alice", "--all")
    assert isinstance(mine, list) and [g["id"] for g in mine] == [granted["id"]]
    assert cli.json("proxy", "list", "--member", "alice") == []


def test_bad_input_exits_2_with_a_message(cli: Cli, tmp_path: Path) -> None:
    cli("member", "add", "--local", "alice")
    cli("member", "add", "--local", "bob")
    assert "does not allow proxies" in cli.refused("proxy", "grant", "alice", "bob")
    allow_proxies(cli, tmp_path)
    assert "no member 'zed'" in cli.refused("proxy", "grant", "alice", "zed")
    no_zone = cli.refused("proxy", "grant", "alice", "bob", "--until", "2099-01-01T10:00")
    assert "give a time zone" in no_zone
    assert "no proposal" in cli.refused("proxy", "grant", "alice", "bob", "--proposal", "nope")


def test_a_holder_votes_on_behalf_of_her_grantor(cli: Cli, tmp_path: Path) -> None:
    for name in ("alice", "bob"):
        cli("member", "add", "--local", name)
    allow_proxies(cli, tmp_path)
    created = cli.json(
        "proposal", "create", "--title", "T", "--method", "proposal", "--duration", "1d", "--open"
    )
    assert isinstance(created, dict)
    proposal = str(created["id"])
    refused = cli.refused(
        "vote", proposal, "--member", "bob", "--on-behalf-of", "alice", "--choice", "yes"
    )
    assert "vote refused (no_proxy): bob holds no proxy of alice for this proposal" in refused
    cli("proxy", "grant", "alice", "bob", "--proposal", proposal)
    code, out, _ = cli(
        "vote", proposal, "--member", "bob", "--on-behalf-of", "alice", "--choice", "yes"
    )
    assert code == 0 and out.startswith("counted (bob for alice): receipt ")
    own = cli.json("vote", proposal, "--member", "bob", "--choice", "no")
    assert isinstance(own, dict) and own["on_behalf_of"] is None
    herself = cli.json("vote", proposal, "--member", "alice", "--choice", "no")
    assert isinstance(herself, dict) and herself["status"] == "replaced"
    again = cli.refused(
        "vote", proposal, "--member", "bob", "--on-behalf-of", "alice", "--choice", "yes"
    )
    assert "grantor_voted" in again
    assert "no member 'zed'" in cli.refused(
        "vote", proposal, "--member", "bob", "--on-behalf-of", "zed", "--choice", "yes"
    )


def test_a_proxy_for_an_assembly_votes_its_agenda(cli: Cli, tmp_path: Path) -> None:
    for name in ("alice", "bob"):
        cli("member", "add", "--local", name)
    allow_proxies(cli, tmp_path)
    ids = []
    for title in ("On the agenda", "Not on it"):
        created = cli.json(
            "proposal", "create", "--title", title, "--method", "proposal",
            "--duration", "1d", "--open",
        )  # fmt: skip
        assert isinstance(created, dict)
        ids.append(str(created["id"]))
    assembly = cli.json(
        "assembly", "create", "--title", "AGM", "--starts", "2030-06-20T18:00Z",
        "--place", "Hall", "--quorum", "1/1",
    )  # fmt: skip
    assert isinstance(assembly, dict)
    cli.json("assembly", "add", assembly["slug"], ids[0])

    with pytest.raises(SystemExit) as both:  # argparse: one proposal or one assembly
        cli("proxy", "grant", "alice", "bob", "--assembly", assembly["slug"], "--proposal", ids[0])
    assert both.value.code == 2
    assert "not allowed with argument" in cli.capsys.readouterr().err
    assert "no assembly 'nope'" in cli.refused(
        "proxy", "grant", "alice", "bob", "--assembly", "nope"
    )
    granted = cli.json("proxy", "grant", "alice", "bob", "--assembly", assembly["slug"])
    assert isinstance(granted, dict)
    assert granted["assembly"] == assembly["id"] and granted["proposal"] is None
    listed = cli.json("proxy", "list", "--json")
    assert isinstance(listed, list) and [g["assembly"] for g in listed] == [assembly["id"]]
    code, out, _ = cli("proxy", "list")
    assert code == 0 and out.strip().endswith(f"bob for alice for the agenda of {assembly['id']}")

    code, out, _ = cli(
        "vote", ids[0], "--member", "bob", "--on-behalf-of", "alice", "--choice", "yes"
    )
    assert code == 0 and out.startswith("counted (bob for alice): receipt ")
    refused = cli.refused(
        "vote", ids[1], "--member", "bob", "--on-behalf-of", "alice", "--choice", "yes"
    )
    assert "not on the agenda of the assembly her proxy is for" in refused
    cli("assembly", "attend", assembly["slug"], "bob")
    shown = cli.json("assembly", "show", assembly["slug"])
    assert (
        isinstance(shown, dict)
        and shown["represented"] == [granted["grantor"]]
        and shown["quorum_met"]
    )
    cli.json("proxy", "revoke", str(granted["id"]))
    shown = cli.json("assembly", "show", assembly["slug"])
    assert isinstance(shown, dict) and shown["represented"] == [] and not shown["quorum_met"]
