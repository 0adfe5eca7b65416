"""Soak (issue 17's acceptance, bounded): 2 web processes + 2 workers on PostgreSQL, for real.

Six remote actors on three hosts (127.0.0.2-4, tests/support/fediverse.py) follow the co-op,
vote on an open proposal and post public notes, some of it twice, signed, to the shared inbox
of `coopfed serve --workers 2`; meanwhile the co-op fans activities out to 18 inboxes on
127.0.0.5-7 (tests/support/inbox_recorder.py). Two `coopfed worker` processes do the work; one
is SIGKILLed mid fan-out while a second wave of posts arrives, and started again.

Afterwards nothing is lost or applied twice, counted in rows: one inbox item per activity id
(re-sends deduped), one follower and one ballot per actor, every delivery row done and every
(inbox, activity) received; the queues are empty; and `/metrics`, summed over all four
processes (multiprocess mode), shows the counts that happened.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from coopfed.node import Node
from coopfed.services import members, proposals
from coopfed.services.outbox import Audience, publish
from coopfed.services.proposals import ProposalDraft
from coopfed.settings import load_settings
from coopfed.store.actors import get_actor_of_kind
from coopfed.store.tables import ballots, deliveries, followers, inbox_items
from tests.integration.test_metrics import sample
from tests.support.databases import PG_SKIP_REASON, PG_URL, PostgresDatabases
from tests.support.fediverse import FediverseServer, TestActor
from tests.support.inbox_recorder import InboxRecorder
from tests.support.processes import coopfed, free_port, running

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.skipif(not PG_URL, reason=PG_SKIP_REASON),
]

SENDER_HOSTS = ("127.0.0.2", "127.0.0.3", "127.0.0.4")
RECEIVER_HOSTS = ("127.0.0.5", "127.0.0.6", "127.0.0.7")
INBOXES_PER_HOST = 6
FAN_OUTS_PER_WAVE = 8
NOTES_PER_WAVE = 8  # per actor
RESENT_EVERY = 4  # every 4th activity is POSTed twice
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
BOUND_SECONDS = 100  # the whole run after the processes are up


@pytest.fixture
def senders() -> Iterator[list[FediverseServer]]:
    with ExitStack() as stack:
        yield [
            stack.enter_context(FediverseServer(host=host, actors_names=("ann", "ben")))
            for host in SENDER_HOSTS
        ]


@pytest.fixture
async def receivers() -> AsyncIterator[InboxRecorder]:
    recorder = InboxRecorder([(host, 0) for host in RECEIVER_HOSTS])
    await recorder.start()
    yield recorder
    await recorder.stop()


def fan_out_inboxes(receivers: InboxRecorder) -> list[str]:
    return [
        f"http://{origin}/users/u{n}/inbox"
        for origin in receivers.origins
        for n in range(INBOXES_PER_HOST)
    ]


class Load:
    """Signed POSTs to the shared inbox, some twice; remembers every id and every answer."""

    def __init__(self, inbox: str, coop: str) -> None:
        self.inbox = inbox
        self.coop = coop
        self.ids: set[str] = set()
        self.statuses: list[int] = []
        self.sent = 0

    def follow(self, actor: TestActor) -> dict[str, Any]:
        return {"id": self._id(actor), "type": "Follow", "actor": actor.uri, "object": self.coop}

    def vote(self, actor: TestActor, question: str, option: str) -> dict[str, Any]:
        note = f"{actor.uri}#votes/{uuid.uuid4().hex}"
        return {
            "id": f"{note}/activity",
            "type": "Create",
            "actor": actor.uri,
            "to": self.coop,
            "object": {"id": note, "type": "Note", "name": option, "attributedTo": actor.uri,
                       "inReplyTo": question, "to": self.coop},
        }  # fmt: skip

    def note(self, actor: TestActor) -> dict[str, Any]:
        note = f"{actor.uri}/notes/{uuid.uuid4().hex}"
        obj = {"id": note, "type": "Note", "attributedTo": actor.uri, "content": "<p>soak</p>"}
        return {"id": self._id(actor), "type": "Create", "actor": actor.uri, "to": [PUBLIC],
                "object": {**obj, "to": [PUBLIC]}}  # fmt: skip

    def _id(self, actor: TestActor) -> str:
        return f"{actor.uri}/activities/{uuid.uuid4().hex}"

    async def send(self, batch: list[tuple[TestActor, dict[str, Any]]]) -> None:
        slots = asyncio.Semaphore(8)

        async def one(client: httpx.AsyncClient, actor: TestActor, activity: Any) -> None:
            async with slots:
                response = await actor.apost(client, self.inbox, activity)
            self.statuses.append(response.status_code)

        posts = []
        for index, (actor, activity) in enumerate(batch):
            self.ids.add(activity["id"])
            posts.append((actor, activity))
            if index % RESENT_EVERY == 0:
                posts.append((actor, activity))  # a re-send: same id, same body
        self.sent += len(posts)
        async with httpx.AsyncClient(timeout=30) as client:
            await asyncio.gather(*(one(client, actor, activity) for actor, activity in posts))


async def fan_out(node: Node, inboxes: list[str]) -> list[str]:
    ids = []
    async with node.engine.begin() as conn:
        coop = await get_actor_of_kind(conn, "coop")
        assert coop is not None
        for _ in range(FAN_OUTS_PER_WAVE):
            activity = {"id": node.uris.activity(str(uuid.uuid4())), "type": "Create"}
            await publish(
                conn, sender=coop, activity=activity, audience=Audience(), now=node.now(),
                extra_inboxes=inboxes,
            )  # fmt: skip
            ids.append(activity["id"])
    return ids


async def count(node: Node, table: Any, *where: Any) -> int:
    async with node.engine.connect() as conn:
        query = select(func.count()).select_from(table).where(*where)
        return int((await conn.execute(query)).scalar_one())


async def drained(node: Node) -> bool:
    waiting_items = await count(node, inbox_items, inbox_items.c.state == "pending")
    waiting_deliveries = await count(node, deliveries, deliveries.c.state != "done")
    return waiting_items == 0 and waiting_deliveries == 0


async def test_soak_two_web_two_workers_one_killed(
    tmp_path: Path,
    postgres_databases: PostgresDatabases,
    senders: list[FediverseServer],
    receivers: InboxRecorder,
) -> None:
    clock = Phases()
    database_url = await postgres_databases.fresh(migrated=False)
    base = f"http://127.0.0.1:{free_port()}"
    init = ["init", "--url", base, "--name", "Soak", "--handle", "soak", "--database-url"]
    done = await asyncio.to_thread(coopfed, *init, database_url, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    allowed = [s.netloc for s in senders] + receivers.origins
    env = {
        "COOPFED_FEDERATION__ALLOW_PRIVATE_ADDRESSES": ",".join(allowed),
        "COOPFED_FEDERATION__ALLOW_HTTP": "true",
        "COOPFED_WORKER__IN_PROCESS": "false",  # the two workers below do all the work
        "COOPFED_WORKER__POLL_INTERVAL": "0.1",
        "COOPFED_WORKER__RETRY_TIME_SCALE": "0.01",
        "COOPFED_WORKER__DELIVERY_LEASE_SECONDS": "3",
        "COOPFED_WORKER__INBOX_LEASE_SECONDS": "3",
        "COOPFED_WORKER__PER_HOST_CONCURRENCY": "2",  # a fan-out slow enough to kill mid-way
    }
    clock.mark("init")
    config = tmp_path / "coopfed.toml"
    node = Node.from_settings(load_settings(config, environ={**os.environ, **env}))
    actors = [actor for server in senders for actor in server.actors.values()]
    try:
        for actor in actors:
            await members.add_member(node, actor.uri)
        draft = ProposalDraft(title="Soak", method="proposal", duration=timedelta(days=1))
        question = (await proposals.create_proposal(node, draft, open_now=True)).uri
        clock.mark("members and proposal")
        load = Load(f"{base}/inbox", node.uris.actor("soak"))
        inboxes = fan_out_inboxes(receivers)
        log = tmp_path / "logs"
        log.mkdir()
        with ExitStack() as processes:
            serve = ("serve", "--workers", "2")
            processes.enter_context(
                running(*serve, cwd=tmp_path, env=env, log=log / "serve.log",
                        health_url=f"{base}/healthz")
            )  # fmt: skip
            killed = processes.enter_context(
                running("worker", cwd=tmp_path, env=env, log=log / "worker-a.log")
            )
            processes.enter_context(
                running("worker", cwd=tmp_path, env=env, log=log / "worker-b.log")
            )
            clock.mark("processes up")
            started = time.monotonic()
            # Wave 1: follows, votes, notes; a fan-out.
            expected = await fan_out(node, inboxes)
            wave: list[tuple[TestActor, dict[str, Any]]] = []
            for actor in actors:
                wave.append((actor, load.follow(actor)))
                wave.append((actor, load.vote(actor, question, "yes")))
                wave += [(actor, load.note(actor)) for _ in range(NOTES_PER_WAVE)]
            await load.send(wave)
            total = len(expected) * len(inboxes)
            await receivers.wait_for(lambda posts: len(posts) >= total // 4, timeout=60)
            clock.mark("wave 1 sent, a quarter delivered")
            killed.kill()  # SIGKILL mid fan-out: leases held, outcomes unwritten
            killed.wait(timeout=10)
            assert len(receivers.received) < total, "the fan-out ended before the kill"
            # Wave 2 arrives with one worker down; then the worker comes back.
            expected += await fan_out(node, inboxes)
            await load.send([(actor, load.note(actor)) for actor in actors * NOTES_PER_WAVE])
            clock.mark("wave 2 sent")
            processes.enter_context(
                running("worker", cwd=tmp_path, env=env, log=log / "worker-a2.log")
            )
            async with asyncio.timeout(BOUND_SECONDS - (time.monotonic() - started)):
                while not await drained(node):
                    await asyncio.sleep(0.2)
                await _quiet(node)
                clock.mark("drained")
            scraped = await asyncio.to_thread(lambda: httpx.get(f"{base}/metrics").text)
        clock.mark("processes stopped")
        await _check_rows(node, load, actors)
        _check_fan_out(receivers, inboxes, expected)
        await _check_metrics(node, scraped, load, receivers, senders, len(actors))
    finally:
        await node.close()


class Phases:
    """Seconds per phase, printed (pytest shows them with a failure, or with -s)."""

    def __init__(self) -> None:
        self.last = time.monotonic()

    def mark(self, phase: str) -> None:
        now = time.monotonic()
        print(f"soak: {phase}: {now - self.last:.1f} s")
        self.last = now


async def _quiet(node: Node) -> None:
    """Until no delivery row appears for a second (question updates are coalesced, later)."""
    rows = -1
    while rows != (now := await count(node, deliveries)) or not await drained(node):
        rows = now
        await asyncio.sleep(1.0)


async def _check_rows(node: Node, load: Load, actors: list[TestActor]) -> None:
    assert set(load.statuses) == {202}, sorted(set(load.statuses))
    assert len(load.statuses) == load.sent
    async with node.engine.connect() as conn:
        by_state = select(inbox_items.c.state, func.count()).group_by(inbox_items.c.state)
        states = {state: n for state, n in (await conn.execute(by_state)).all()}
        stored = set((await conn.execute(select(inbox_items.c.activity_id))).scalars())
    assert stored == load.ids  # nothing lost, re-sends stored once
    assert set(states) <= {"done", "ignored"}, states  # nothing quarantined or left pending
    assert await count(node, followers) == len(actors)
    assert await count(node, ballots) == len(actors)  # one vote each, applied once


def _check_fan_out(receivers: InboxRecorder, inboxes: list[str], expected: list[str]) -> None:
    arrived: dict[str, set[str]] = {}
    for post in receivers.received:
        arrived.setdefault(post.url, set()).add(post.json["id"])
    assert sorted(arrived) == sorted(inboxes)
    for inbox in inboxes:
        assert arrived[inbox] == set(expected), inbox  # every activity, nothing else


async def _check_metrics(
    node: Node,
    text: str,
    load: Load,
    receivers: InboxRecorder,
    senders: list[FediverseServer],
    voters: int,
) -> None:
    def value(name: str, **labels: str) -> float:
        return sample(text, name, **labels)

    accepted = value("coopfed_inbox_received_total", result="accepted", error="", reason="")
    assert accepted == len(load.statuses)  # every 202, whichever web process answered it
    processed = value("coopfed_inbox_processed_total", state="done") + value(
        "coopfed_inbox_processed_total", state="ignored"
    )
    # Counted after each item's commit: a killed worker's unfinished item counts once, later.
    # One item may go uncounted: the kill can land after PostgreSQL committed it but before its
    # answer reached the worker (the item is done, exactly once; its count died with the
    # process). Seen once in 2026-12-04's full run: 107 of 108.
    assert len(load.ids) - 1 <= processed <= len(load.ids)
    assert value("coopfed_inbox_lag_seconds_count") == processed
    rows = await count(node, deliveries)
    posts = len(receivers.received) + sum(len(server.received) for server in senders)
    # Counted per 202 before the row is marked done: a re-send after the kill may count again.
    assert rows <= value("coopfed_deliveries_total", outcome="done") <= posts
    votes = value("coopfed_votes_total", source="federated", status="counted")
    assert voters <= votes <= voters + 1  # +1: counted inside a transaction the kill undid
    for queue in ("inbox", "deliveries"):
        assert value("coopfed_queue_depth", queue=queue) == 0
