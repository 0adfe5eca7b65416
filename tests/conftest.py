"""Fixtures shared by every test tier: settings, fresh databases on both backends, a node."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Generator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import settings as hypothesis_settings

from coopfed.app import create_app
from coopfed.node import Node
from coopfed.services.setup import create_node_actors
from coopfed.settings import Settings, build_settings
from tests.support.databases import BACKENDS, PG_URL, PostgresDatabases, SqliteTemplate
from tests.support.skips import skip_summary

TEST_BASE_URL = "http://coop.test"

# `make fuzz` runs the fuzz targets under this profile (HYPOTHESIS_PROFILE=fuzz): many examples,
# COOPFED_FUZZ_EXAMPLES each; `make test` keeps hypothesis' default (100, a second or so).
hypothesis_settings.register_profile(
    "fuzz", max_examples=int(os.environ.get("COOPFED_FUZZ_EXAMPLES", "5000")), deadline=None
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


# Outermost, so the line comes after -ra's list, just above the final counts (also under xdist:
# this runs in the controller, which has every worker's reports).
@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> Generator[None]:
    yield
    terminalreporter.write_line(skip_summary(terminalreporter.stats.get("skipped", [])))


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[PostgresDatabases]:
    databases = PostgresDatabases()
    yield databases
    if PG_URL and databases.created:
        asyncio.run(databases.drop_all())


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplate:
    return SqliteTemplate(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    value = request.param
    assert isinstance(value, str)
    return value


@pytest.fixture
async def database_url(
    backend: str,
    tmp_path: Path,
    postgres_databases: PostgresDatabases,
    sqlite_template: SqliteTemplate,
) -> str:
    """An empty but fully migrated database on the parametrised backend."""
    if backend == "postgres":
        return await postgres_databases.fresh()
    return await asyncio.to_thread(sqlite_template.fresh, tmp_path)


def make_settings(database_url: str, tmp_path: Path, **sections: dict[str, Any]) -> Settings:
    raw: dict[str, Any] = {
        "coop": {"name": "Test Co-op", "handle": "testcoop", "summary": "A co-op for tests."},
        "server": {"url": TEST_BASE_URL, "data_dir": str(tmp_path / "data")},
        "database": {"url": database_url},
        "federation": {"allow_http": True},
        "worker": {"in_process": False},
    }
    for name, values in sections.items():
        raw.setdefault(name, {}).update(values)
    return build_settings(raw, "test")


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(database_url, tmp_path)


@pytest.fixture
async def node(settings: Settings) -> AsyncIterator[Node]:
    """A node with its co-op and instance actors, not serving HTTP."""
    node = Node.from_settings(settings)
    async with node.engine.begin() as conn:
        await create_node_actors(
            conn,
            handle=settings.coop.handle,
            name=settings.coop.name,
            summary=settings.coop.summary,
            now=node.now(),
        )
    yield node
    await node.close()


@pytest.fixture
async def client(node: Node) -> AsyncIterator[httpx.AsyncClient]:
    """The ASGI app in-process (no worker); requests never leave the test process."""
    app = create_app(node.settings, run_worker=False, node=node)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=TEST_BASE_URL) as http:
        yield http
