"""Federation fixtures: a node whose fetcher may reach test servers on 127.0.0.2-9."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from coopfed.node import Node
from coopfed.settings import Settings
from coopfed.store.tables import metadata
from tests.conftest import make_settings
from tests.support.fediverse import FediverseServer

TEST_HOSTS = [f"127.0.0.{n}" for n in range(2, 10)]


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(database_url, tmp_path, federation={"allow_private_addresses": TEST_HOSTS})


@pytest.fixture(scope="module")
def remote() -> Iterator[FediverseServer]:
    """alice, bob, mallory on 127.0.0.2 (module-wide: RSA keys are slow to make)."""
    with FediverseServer(host="127.0.0.2", actors_names=("alice", "bob", "mallory")) as server:
        yield server


@pytest.fixture(scope="module")
def other_remote() -> Iterator[FediverseServer]:
    """eve on another host, 127.0.0.3."""
    with FediverseServer(host="127.0.0.3", actors_names=("eve",)) as server:
        yield server


@pytest.fixture
async def remote_fresh(remote: FediverseServer) -> AsyncIterator[FediverseServer]:
    """`remote` with its recordings and extra documents cleared for this test."""
    remote.received.clear()
    remote.fetches.clear()
    remote.documents.clear()
    remote.inbox_status = 202
    yield remote


async def count_rows(node: Node, table: str) -> int:
    async with node.engine.connect() as conn:
        query = select(func.count()).select_from(metadata.tables[table])
        return int((await conn.execute(query)).scalar_one())


@pytest.fixture
def coop_inbox() -> str:
    return "http://coop.test/actors/testcoop/inbox"


__all__ = ["count_rows", "httpx"]
