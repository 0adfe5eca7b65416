"""A CLI config on the parametrised database, with the co-op's actors already created."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from coopfed.cli import main
from coopfed.node import Node
from coopfed.services.setup import create_node_actors
from coopfed.settings import load_settings


def write_config(database_url: str, directory: Path) -> Path:
    config = directory / "coopfed.toml"
    config.write_text(
        "\n".join(
            [
                "[coop]",
                'name = "Test Co-op"',
                'handle = "testcoop"',
                "[server]",
                'url = "http://coop.test"',
                f'data_dir = "{(directory / "data").as_posix()}"',
                "[database]",
                f'url = "{database_url}"',
                "[worker]",
                "in_process = false",
                "",
            ]
        )
    )
    asyncio.run(_create_actors(str(config)))
    return config


async def _create_actors(config: str) -> None:
    node = Node.from_settings(load_settings(config))
    try:
        async with node.engine.begin() as conn:
            await create_node_actors(
                conn, handle="testcoop", name="Test Co-op", summary="", now=node.now()
            )
    finally:
        await node.close()


class Cli:
    """Runs `coopfed ... --config CONFIG` in-process and captures what it printed."""

    def __init__(self, config: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.config = config
        self.capsys = capsys

    def __call__(self, *argv: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = main([*argv, "--config", str(self.config)])
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err

    def json(self, *argv: str) -> object:
        code, out, err = self(*argv, "--json")
        assert code == 0, err
        return json.loads(out)

    def refused(self, *argv: str) -> str:
        code, _, err = self(*argv)
        assert code == 2, err
        assert err.startswith("coopfed: error:") and len(err.strip().splitlines()) == 1, err
        return err
