"""`coopfed serve --workers 2` on PostgreSQL: `/metrics` sums the counts of both web processes.

Without multiprocess mode each web process answers a scrape with its own counters, so a
scrape shows whatever share of the traffic that process happened to take.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from prometheus_client.multiprocess import MultiProcessCollector

from tests.integration.test_backup_restore import STUB_HOST, make_node
from tests.integration.test_metrics import sample
from tests.support.databases import PG_SKIP_REASON, PG_URL, PostgresDatabases
from tests.support.processes import free_port, running

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.skipif(not PG_URL, reason=PG_SKIP_REASON),
]

POSTS = 40
AS_JSON = {"Content-Type": "application/activity+json"}


async def post_garbage(url: str, count: int) -> list[int]:
    """`count` refused POSTs, each on its own connection, so both processes take some."""

    async def one() -> int:
        async with httpx.AsyncClient() as client:
            return (await client.post(url, content=b"{not json", headers=AS_JSON)).status_code

    return list(await asyncio.gather(*(one() for _ in range(count))))


def refused_per_process(directory: Path) -> dict[str, float]:
    """Per value file (one per process): how many refused-json POSTs it counted."""
    found = {}
    for path in sorted(directory.glob("counter_*.db")):
        families = MultiProcessCollector.merge([str(path)], accumulate=True)
        found[path.name] = sum(
            sample.value
            for family in families
            if family.name == "coopfed_inbox_received"
            for sample in family.samples
            if sample.name.endswith("_total") and sample.labels.get("error") == "json"
        )
    return found


def test_two_web_processes_report_one_sum(
    tmp_path: Path, postgres_databases: PostgresDatabases
) -> None:
    database_url = asyncio.run(postgres_databases.fresh(migrated=False))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    node = tmp_path / "node"
    make_node(node, base, free_port(STUB_HOST), database_url)
    log = tmp_path / "serve.log"
    with running("serve", "--workers", "2", cwd=node, log=log, health_url=f"{base}/healthz"):
        statuses: list[int] = []
        directory = node / "data" / "metrics"
        for _ in range(5):  # until both processes have counted some (the kernel picks)
            statuses += asyncio.run(post_garbage(f"{base}/inbox", POSTS))
            if len([n for n in refused_per_process(directory).values() if n]) >= 2:
                break
        assert set(statuses) == {400}
        per_process = refused_per_process(directory)
        assert len([n for n in per_process.values() if n]) >= 2, per_process
        assert sum(per_process.values()) == len(statuses)
        for _ in range(6):  # whichever process answers the scrape, it reports the sum
            text = httpx.get(f"{base}/metrics").text
            got = sample(text, "coopfed_inbox_received_total", result="refused", error="json")
            assert got == len(statuses)
            assert sample(text, "coopfed_queue_depth", queue="deliveries") == 0
            assert text.count("coopfed_queue_depth{") == len(set(_queues(text)))  # one each


def _queues(text: str) -> list[str]:
    return [line.split('queue="')[1].split('"')[0] for line in text.splitlines()
            if line.startswith("coopfed_queue_depth{")]  # fmt: skip
