"""`coopfed member add|list|show` through `main()`, on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest

from coopfed.cli import support
from coopfed.node import Node
from coopfed.services.errors import ServiceError
from coopfed.services.members import ActorResolver
from tests.cli.governance_support import Cli, write_config

REMOTE = "https://social.example/users/bob"


@pytest.fixture
def cli(database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(write_config(database_url, tmp_path), capsys)


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake(node: Node) -> ActorResolver:
        async def resolve(reference: str) -> str:
            if reference in ("acct:bob@social.example", REMOTE):
                return REMOTE
            raise ServiceError(f"cannot resolve {reference}: http_status 404")

        return resolve

    monkeypatch.setattr(support, "make_resolver", fake)


def test_add_local_and_remote_members_then_list_and_show(cli: Cli) -> None:
    alice = cli.json("member", "add", "--local", "alice", "--class", "worker", "--shares", "2")
    assert isinstance(alice, dict)
    assert alice["actor"] == "http://coop.test/actors/alice"
    assert alice["class"] == "worker" and alice["shares"] == 2 and alice["status"] == "active"
    code, out, _ = cli("member", "add", "acct:bob@social.example")
    assert code == 0 and REMOTE in out
    listed = cli.json("member", "list")
    assert isinstance(listed, list)
    assert [m["actor"] for m in listed] == [alice["actor"], REMOTE]
    assert set(listed[0]) >= {"id", "actor", "class", "shares", "status", "joined_at"}
    shown = cli.json("member", "show", "alice")
    assert isinstance(shown, dict) and shown["id"] == alice["id"]
    assert [event["kind"] for event in shown["history"]] == ["admitted"]
    code, out, _ = cli("member", "show", REMOTE)
    assert code == 0 and "acct:bob@social.example" in out


def test_refusals_exit_2_with_one_line(cli: Cli) -> None:
    assert "one of them" in cli.refused("member", "add")
    assert "one of them" in cli.refused("member", "add", REMOTE, "--local", "x")
    assert "unknown member class" in cli.refused("member", "add", "--local", "a", "--class", "x")
    assert "cannot resolve" in cli.refused("member", "add", "acct:nobody@social.example")
    assert "no member" in cli.refused("member", "show", "nobody")
    cli("member", "add", "--local", "alice")
    assert "already member" in cli.refused("member", "add", "--local", "alice")
    code, out, _ = cli("member", "list")
    assert code == 0 and len(out.strip().splitlines()) == 1
