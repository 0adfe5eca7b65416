"""Fan-out benchmark: one activity to 10,000 followers on 100 hosts, counted at the receivers.

    .venv/bin/python bench/bench_fanout.py [--followers 10000] [--hosts 100] [--database-url URL]

A separate receiver process (tests/support/inbox_recorder.py on uvloop) listens on 127.0.0.2 …
127.0.0.(hosts+1), one port each (distinct origins), and parses and counts every POST. Two
senders deliver the same 10,000 POSTs, one after the other, in this process:
- ceiling (bare sender): the same per-host httpcore pools over the same vetting backend, the same
  signing (every POST individually signed, draft-cavage with Digest, on the same 2-thread
  signing pool) and the same `delivery_concurrency` slots, but no queue and no database; the
  URLs and their hosts are a ready list (the delivery job reads them from its rows);
- coopfed: the activity published through the transactional outbox (10,000 rows), then the
  delivery job (`deliver_batch`: leases, per-inbox order, per-host caps, outcomes written
  back) run until no row is pending.
Both run in one process on one event loop (the same parallelism: one loop plus the signing
threads). Figures: seconds and POSTs/s for each, coopfed as a ratio to the ceiling measured in
the same run (goal: >= 80 %), and coopfed's total time (goal: all inboxes reached in <= 15 s).
The load average is printed before and after: absolute times on a shared machine drift;
`--rounds N` runs N alternating pairs and reports the best of each. A second case gives the
followers shared inboxes and must make exactly one delivery per host. Only 127.0.0.0/8 is used;
every loop is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from coopfed.federation.delivery import deliver_batch  # noqa: E402
from coopfed.federation.delivery_http import DeliveryClients, post_activity, rsa_signer  # noqa: E402
from coopfed.node import Node  # noqa: E402
from coopfed.services.outbox import Audience, publish  # noqa: E402
from coopfed.services.setup import create_node_actors  # noqa: E402
from coopfed.settings import Settings, build_settings  # noqa: E402
from coopfed.store import migrate  # noqa: E402
from coopfed.store.actors import LocalActor  # noqa: E402
from coopfed.store.tables import deliveries, followers, remote_actors  # noqa: E402

MAX_SECONDS = 120.0  # any single phase; the benchmark aborts rather than hang


def start_receiver(hosts: int) -> tuple[subprocess.Popen[str], list[str]]:
    listen = [f"127.0.0.{2 + index}:0" for index in range(hosts)]
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.inbox_recorder", "--uvloop", "--listen", *listen],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    origins: list[str] = json.loads(process.stdout.readline())["origins"]
    return process, origins


def received(origin: str) -> int:
    count: int = httpx.get(f"http://{origin}/_count", timeout=10).json()["count"]
    return count


def make_settings(directory: Path, database_url: str, origins: list[str]) -> Settings:
    raw: dict[str, Any] = {
        "coop": {"name": "Bench Co-op", "handle": "bench"},
        "server": {"url": "http://127.0.0.1:9", "data_dir": str(directory)},
        "database": {"url": database_url or f"sqlite+aiosqlite:///{directory / 'bench.db'}"},
        "federation": {"allow_http": True, "allow_private_addresses": sorted(origins)},
        "worker": {"in_process": False},
    }
    return build_settings(raw, "bench")


def inbox_urls(origins: list[str], per_host: int) -> list[str]:
    # Follower order interleaves hosts, as follows arrive over time.
    return [f"http://{o}/users/u{n}/inbox" for n in range(per_host) for o in origins]


async def bare_sender(node: Node, coop: LocalActor, urls: list[str], body: bytes) -> float:
    worker = node.settings.worker
    signer = rsa_signer(node.uris.actor_key(coop.username), coop.rsa_private_pem, node.clock)
    queue = iter([(url, httpx.URL(url).netloc.decode()) for url in urls])  # as rows store them
    failures = 0

    async def slot(clients: DeliveryClients) -> None:
        nonlocal failures
        for url, host in queue:
            client = clients.for_host(host)
            result = await post_activity(client, url, body, signer, allow_http=True)
            failures += 0 if result.ok else 1

    started = time.perf_counter()
    async with DeliveryClients(node.settings) as clients:
        slots = range(worker.delivery_concurrency)
        await asyncio.wait_for(asyncio.gather(*(slot(clients) for _ in slots)), MAX_SECONDS)
    elapsed = time.perf_counter() - started
    assert failures == 0, f"{failures} bare POSTs failed"
    return elapsed


async def publish_to(node: Node, coop: LocalActor, audience: Audience, inboxes: list[str]) -> bytes:
    activity = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": node.uris.activity(f"bench-{time.time_ns()}"),
        "type": "Create",
        "actor": node.uris.actor(coop.username),
        "object": {"type": "Note", "content": "One activity, many inboxes."},
    }
    async with node.engine.begin() as conn:
        await publish(
            conn,
            sender=coop,
            activity=activity,
            audience=audience,
            now=node.now(),
            extra_inboxes=inboxes,
        )
    return json.dumps(activity, separators=(",", ":")).encode()


async def drain(node: Node) -> tuple[float, int]:
    started = time.perf_counter()
    handled = 0
    while time.perf_counter() - started < MAX_SECONDS:
        handled += await deliver_batch(node)
        async with node.engine.connect() as conn:
            query = select(func.count()).where(deliveries.c.state == "pending")
            if (await conn.execute(query)).scalar_one() == 0:
                break
    return time.perf_counter() - started, handled


async def add_shared_inbox_followers(
    node: Node, coop: LocalActor, origins: list[str], per_host: int
) -> None:
    now = node.now()
    actors = [
        {
            "uri": f"http://{o}/users/s{n}",
            "host": o,
            "type": "Person",
            "preferred_username": f"s{n}",
            "display_name": "",
            "inbox": f"http://{o}/users/s{n}/inbox",
            "shared_inbox": f"http://{o}/inbox",
            "document": "{}",
            "fetched_at": now,
        }
        for o in origins
        for n in range(per_host)
    ]
    async with node.engine.begin() as conn:
        await conn.execute(insert(remote_actors), actors)
        ids = (await conn.execute(select(remote_actors.c.id))).scalars().all()
        rows = [
            {
                "local_actor_id": coop.id,
                "remote_actor_id": i,
                "follow_activity_id": f"f{i}",
                "state": "accepted",
                "created_at": now,
            }
            for i in ids
        ]
        await conn.execute(insert(followers), rows)


async def main(args: argparse.Namespace) -> None:
    receiver, origins = start_receiver(args.hosts)
    per_host = args.followers // args.hosts
    try:
        with tempfile.TemporaryDirectory() as directory:
            settings = make_settings(Path(directory), args.database_url, origins)
            await asyncio.to_thread(migrate.upgrade, settings.database_url)
            node = Node.from_settings(settings)
            async with node.engine.begin() as conn:
                coop = await create_node_actors(
                    conn, handle="bench", name="Bench", summary="", now=node.now()
                )
            try:
                await run_cases(node, coop, origins, per_host, args.rounds)
            finally:
                await node.close()
    finally:
        receiver.kill()
        receiver.wait()


async def run_cases(
    node: Node, coop: LocalActor, origins: list[str], per_host: int, rounds: int
) -> None:
    print(f"load average before: {load()}")
    urls = inbox_urls(origins, per_host)
    print(f"fan-out: {len(urls)} inboxes on {len(origins)} hosts, no shared inboxes")
    bare_runs: list[float] = []
    coopfed_runs: list[float] = []
    for number in range(rounds):
        # Alternate which goes first, so neither always gets the warmer (or quieter) turn.
        order = (bare_round, coopfed_round) if number % 2 == 0 else (coopfed_round, bare_round)
        for case in order:
            await case(node, coop, origins, urls, bare_runs, coopfed_runs)
        bare_seconds, coopfed_seconds = bare_runs[-1], coopfed_runs[-1]
        print(
            f"  round {number + 1}: ceiling (bare sender) {bare_seconds:.2f} s = "
            f"{len(urls) / bare_seconds:.0f}/s; coopfed delivery job {coopfed_seconds:.2f} s = "
            f"{len(urls) / coopfed_seconds:.0f}/s; ratio {bare_seconds / coopfed_seconds:.0%}"
        )
    bare_best, coopfed_best = min(bare_runs), min(coopfed_runs)
    label = "best of each over the rounds" if rounds > 1 else "one round"
    print(
        f"  {label}: ceiling {bare_best:.2f} s = {len(urls) / bare_best:.0f}/s, "
        f"coopfed {coopfed_best:.2f} s = {len(urls) / coopfed_best:.0f}/s"
    )
    print(
        f"  ratio to ceiling: {bare_best / coopfed_best:.0%} (goal >= 80 %); "
        f"total {coopfed_best:.2f} s (goal <= 15 s)"
    )
    await shared_inbox_case(node, coop, origins, per_host)
    print(f"load average after: {load()}")


async def bare_round(
    node: Node,
    coop: LocalActor,
    origins: list[str],
    urls: list[str],
    bare_runs: list[float],
    coopfed_runs: list[float],
) -> None:
    body = await publish_to(node, coop, Audience(), [])  # a representative body for the ceiling
    before = received(origins[0])  # one receiver process counts for all origins
    bare_runs.append(await bare_sender(node, coop, urls, body))
    count = received(origins[0]) - before
    assert count == len(urls), f"receivers got {count} of {len(urls)} from the bare sender"


async def coopfed_round(
    node: Node,
    coop: LocalActor,
    origins: list[str],
    urls: list[str],
    bare_runs: list[float],
    coopfed_runs: list[float],
) -> None:
    await publish_to(node, coop, Audience(), urls)
    before = received(origins[0])
    seconds, handled = await drain(node)
    count = received(origins[0]) - before
    assert count == handled == len(urls), f"receivers got {count} of {len(urls)} ({handled})"
    coopfed_runs.append(seconds)


async def shared_inbox_case(
    node: Node, coop: LocalActor, origins: list[str], per_host: int
) -> None:
    await add_shared_inbox_followers(node, coop, origins, per_host)
    before = received(origins[0])
    await publish_to(node, coop, Audience(followers=True), [])
    seconds, handled = await drain(node)
    shared = received(origins[0]) - before
    print(
        f"shared inboxes: {len(origins) * per_host} followers -> {shared} deliveries "
        f"in {seconds:.2f} s (must be exactly {len(origins)})"
    )
    assert shared == handled == len(origins), (shared, handled)


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--followers", type=int, default=10_000)
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--rounds", type=int, default=1, help="alternating bare/coopfed pairs")
    asyncio.run(main(parser.parse_args()))
