"""Delivery faults with real processes: `coopfed worker` fanning out to receivers on 127.0.0.2-4.

- SIGKILL the worker mid fan-out, restart it: every receiver ends up with every activity, in
  publish order per inbox (first arrivals), duplicates only as re-sends of the same id.
- One receiver answers 500 to the first three POSTs of each inbox, then recovers: it receives
  everything, in order.
- PostgreSQL: two worker processes at once never deliver the same row twice.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from coopfed.node import Node
from coopfed.services.outbox import Audience, publish
from coopfed.settings import load_settings
from coopfed.store.actors import get_actor_of_kind
from coopfed.store.tables import deliveries
from tests.support.databases import PG_SKIP_REASON, PG_URL, PostgresDatabases
from tests.support.inbox_recorder import InboxRecorder, Received, Reply
from tests.support.processes import coopfed, free_port, running

pytestmark = pytest.mark.slow

HOSTS = ("127.0.0.2", "127.0.0.3", "127.0.0.4")
INBOXES_PER_HOST = 8
ACTIVITIES = 15
FLAKY_HOST = "127.0.0.4"


class Receivers:
    """Answers 202, except the flaky host's first three POSTs per inbox (500)."""

    def __init__(self) -> None:
        self.recorder = InboxRecorder([(host, 0) for host in HOSTS], self.respond)
        self.seen: Counter[str] = Counter()
        self.accepted: list[Received] = []

    def respond(self, post: Received) -> Reply:
        key = post.origin + post.path
        self.seen[key] += 1
        if post.origin.startswith(FLAKY_HOST + ":") and self.seen[key] <= 3:
            return 500, {}
        self.accepted.append(post)
        return 202, {}

    def inboxes(self) -> list[str]:
        return [
            f"http://{origin}/users/u{n}/inbox"
            for origin in self.recorder.origins
            for n in range(INBOXES_PER_HOST)
        ]

    def first_arrivals(self) -> dict[str, list[str]]:
        """Per inbox URL: activity ids in the order they were first accepted."""
        order: dict[str, list[str]] = {}
        for post in self.accepted:
            ids = order.setdefault(post.url, [])
            if post.json["id"] not in ids:
                ids.append(post.json["id"])
        return order


@pytest.fixture
async def receivers() -> AsyncIterator[Receivers]:
    value = Receivers()
    await value.recorder.start()
    yield value
    await value.recorder.stop()


def node_env(receivers: Receivers) -> dict[str, str]:
    return {
        "COOPFED_FEDERATION__ALLOW_PRIVATE_ADDRESSES": ",".join(receivers.recorder.origins),
        "COOPFED_FEDERATION__ALLOW_HTTP": "true",
        "COOPFED_WORKER__RETRY_TIME_SCALE": "0.01",  # first retry after 0.16 s
        "COOPFED_WORKER__DELIVERY_LEASE_SECONDS": "3",
        "COOPFED_WORKER__POLL_INTERVAL": "0.1",
        "COOPFED_WORKER__PER_HOST_CONCURRENCY": "2",  # a slower fan-out to kill in the middle
    }


def init_node(tmp_path: Path, *extra: str) -> Path:
    base = f"http://127.0.0.1:{free_port()}"
    result = coopfed(
        "init", "--url", base, "--name", "Fault Co-op", "--handle", "faults", *extra, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    return tmp_path / "coopfed.toml"


async def publish_all(config: Path, env: dict[str, str], inboxes: list[str]) -> list[str]:
    settings = load_settings(config, environ=env)
    node = Node.from_settings(settings)
    ids: list[str] = []
    try:
        async with node.engine.begin() as conn:
            coop = await get_actor_of_kind(conn, "coop")
            assert coop is not None
            for _ in range(ACTIVITIES):
                activity = {"id": node.uris.activity(str(uuid.uuid4())), "type": "Create"}
                await publish(
                    conn,
                    sender=coop,
                    activity=activity,
                    audience=Audience(),
                    now=node.now(),
                    extra_inboxes=inboxes,
                )
                ids.append(activity["id"])
    finally:
        await node.close()
    return ids


async def pending_rows(config: Path, env: dict[str, str]) -> int:
    node = Node.from_settings(load_settings(config, environ=env))
    try:
        async with node.engine.connect() as conn:
            query = select(func.count()).where(deliveries.c.state != "done")
            return int((await conn.execute(query)).scalar_one())
    finally:
        await node.close()


async def wait_until_all_done(config: Path, env: dict[str, str], timeout: float) -> None:
    async with asyncio.timeout(timeout):
        while await pending_rows(config, env):
            await asyncio.sleep(0.2)


def assert_everything_in_order(receivers: Receivers, ids: list[str]) -> None:
    arrivals = receivers.first_arrivals()
    assert sorted(arrivals) == sorted(receivers.inboxes())
    for inbox, received in arrivals.items():
        assert received == ids, f"{inbox}: missing or out of order"
    assert {post.json["id"] for post in receivers.accepted} == set(ids)  # nothing else arrived


async def test_sigkill_mid_fan_out_then_restart_delivers_everything_in_order(
    tmp_path: Path, receivers: Receivers
) -> None:
    config = init_node(tmp_path)
    env = node_env(receivers)
    ids = await publish_all(config, env, receivers.inboxes())
    total = len(ids) * len(receivers.inboxes())
    log = tmp_path / "worker.log"
    with running("worker", cwd=tmp_path, log=log, env=env) as worker:
        await receivers.recorder.wait_for(lambda posts: len(posts) >= total // 4, timeout=60)
        worker.kill()  # SIGKILL: leases held, outcomes of the last requests never written
        worker.wait(timeout=10)
    killed_at = len(receivers.recorder.received)
    assert killed_at < total, "the fan-out finished before the kill; make it bigger"
    with running("worker", cwd=tmp_path, log=log, env=env):
        await wait_until_all_done(config, env, timeout=120)
    assert_everything_in_order(receivers, ids)
    flaky = [p for p in receivers.recorder.received if p.origin.startswith(FLAKY_HOST + ":")]
    assert len(flaky) >= len(ids) * INBOXES_PER_HOST + 3 * INBOXES_PER_HOST  # 500s, then all


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason=PG_SKIP_REASON)
async def test_two_workers_on_postgres_never_send_a_row_twice(
    tmp_path: Path, receivers: Receivers, postgres_databases: PostgresDatabases
) -> None:
    database_url = await postgres_databases.fresh(migrated=False)
    config = init_node(tmp_path, "--database-url", database_url)
    env = {**node_env(receivers), "COOPFED_WORKER__PER_HOST_CONCURRENCY": "8"}
    receivers.respond = lambda post: (202, {})  # type: ignore[method-assign]
    receivers.recorder.respond = receivers.respond
    ids = await publish_all(config, env, receivers.inboxes())
    with (
        running("worker", cwd=tmp_path, log=tmp_path / "one.log", env=env),
        running("worker", cwd=tmp_path, log=tmp_path / "two.log", env=env),
    ):
        await wait_until_all_done(config, env, timeout=120)
    sends = Counter((post.url, post.json["id"]) for post in receivers.recorder.received)
    assert len(sends) == len(ids) * len(receivers.inboxes())
    assert max(sends.values()) == 1, sends.most_common(3)
