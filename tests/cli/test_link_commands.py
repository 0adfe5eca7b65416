"""`coopfed member links`: a member's linked fediverse accounts, and an admin's unlink."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from coopfed.node import Node
from coopfed.services.account_links import issue_code, redeem_code
from coopfed.settings import load_settings
from tests.cli.governance_support import Cli, write_config

PHONE = "https://social.example/users/alice"


@pytest.fixture
def cli(database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(write_config(database_url, tmp_path), capsys)


async def _link(config: Path, username: str, actor: str) -> None:
    node = Node.from_settings(load_settings(str(config)))
    try:
        code = (await issue_code(node, username)).code
        async with node.engine.begin() as conn:
            assert (await redeem_code(conn, actor, code, node.now())).linked
    finally:
        await node.close()


def test_links_are_listed_and_an_admin_can_unlink(cli: Cli) -> None:
    cli("member", "add", "--local", "alice")
    assert cli.json("member", "links", "alice") == []
    asyncio.run(_link(cli.config, "alice", PHONE))
    (link,) = cli.json("member", "links", "alice")  # type: ignore[misc]
    assert link["actor"] == PHONE and link["host"] is None and link["linked_at"]
    code, out, _ = cli("member", "links", "alice")
    assert code == 0 and PHONE in out
    assert "not a linked account" in cli.refused("member", "links", "alice", "--unlink", "x")
    assert "no member" in cli.refused("member", "links", "nobody")
    assert cli.json("member", "links", "alice", "--unlink", PHONE) == []
