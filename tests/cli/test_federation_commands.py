"""`coopfed federation equivocations`: the evidence an admin reads."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from coopfed.node import Node
from coopfed.services.equivocations import observe_question
from coopfed.settings import load_settings
from tests.cli.governance_support import Cli, write_config


@pytest.fixture
def cli(database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(write_config(database_url, tmp_path), capsys)


async def _two_heads(config: Path) -> None:
    node = Node.from_settings(load_settings(str(config)))
    now = datetime(2026, 12, 3, 12, tzinfo=UTC)
    question = "https://peer.example/proposals/p1"
    try:
        async with node.engine.begin() as conn:
            for head, activity in (("a" * 64, "u1"), ("b" * 64, "u2")):
                facts = {"id": question, "ballotLogHead": head, "ballotLogLength": 2}
                sent = {"id": f"https://peer.example/{activity}", "object": facts}
                await observe_question(conn, "https://peer.example/actors/p", facts, sent, now)
    finally:
        await node.close()


def test_equivocations_are_listed_with_both_documents(cli: Cli) -> None:
    code, out, _ = cli("federation", "equivocations")
    assert code == 0 and out.strip() == "no equivocation seen"
    assert cli.json("federation", "equivocations") == []
    asyncio.run(_two_heads(cli.config))
    (row,) = cli.json("federation", "equivocations")  # type: ignore[misc]
    assert row["kind"] == "log_head" and row["log_length"] == 2
    assert row["first_document"]["id"] == "https://peer.example/u1"
    assert row["second_document"]["id"] == "https://peer.example/u2"
    code, out, _ = cli("federation", "equivocations")
    assert "two log_head values for log length 2" in out and "b" * 64 in out
