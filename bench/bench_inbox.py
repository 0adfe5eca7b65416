"""Inbox benchmark: signed POSTs against a running node, beside a bare ceiling.

Load: N draft-cavage-signed POSTs (unique activity ids) from a real, fetchable sender actor on
127.0.0.2, at bounded concurrency, to (1) a `coopfed serve` process on SQLite and (2) the bare
ceiling app (bench/inbox_ceiling_app.py: one signature verification with a known key + one raw
SQLite INSERT). Requests are signed before the clock starts so the load generator's RSA work
does not compete with the servers. Prints accepted/s and p50/p99 for both, the ratio
(goal: coopfed >= 50 % of the ceiling), and coopfed's processed/s end to end (until the worker
has handled every item) beside its accepted/s.

    .venv/bin/python bench/bench_inbox.py [--requests 3000] [--concurrency 32]

Only 127.0.0.0/8 is contacted; every loop is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from coopfed.activitypub.httpsig.keys import public_key_to_pem  # noqa: E402
from tests.support.fediverse import FediverseServer, TestActor  # noqa: E402
from tests.support.processes import coopfed, free_port, running, stop  # noqa: E402

Prepared = tuple[bytes, dict[str, str]]


def activity(sender: TestActor) -> dict[str, object]:
    note_id = f"{sender.uri}/notes/{uuid.uuid4()}"
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{note_id}/activity",
        "type": "Create",
        "actor": sender.uri,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": {
            "id": note_id,
            "type": "Note",
            "attributedTo": sender.uri,
            "content": "<p>benchmark</p>",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
        },
    }


def prepare(sender: TestActor, url: str, count: int) -> list[Prepared]:
    prepared = []
    for _ in range(count):
        body = json.dumps(activity(sender)).encode()
        prepared.append((body, sender.signed_headers("POST", url, body)))
    return prepared


async def load(
    url: str, requests: list[Prepared], concurrency: int
) -> tuple[float, list[float], int]:
    """POST everything; returns (seconds, latencies, accepted). One client per slot."""
    queue: asyncio.Queue[Prepared] = asyncio.Queue()
    for item in requests:
        queue.put_nowait(item)
    latencies: list[float] = []
    accepted = 0
    errors: dict[str, int] = {}

    async def slot() -> None:
        nonlocal accepted
        async with httpx.AsyncClient(timeout=30) as client:
            while not queue.empty():
                body, headers = queue.get_nowait()
                started = time.perf_counter()
                try:
                    response = await client.post(url, content=body, headers=headers)
                except httpx.TransportError as exc:
                    errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                    continue
                latencies.append(time.perf_counter() - started)
                if response.status_code == 202:
                    accepted += 1
                else:
                    errors[str(response.status_code)] = errors.get(str(response.status_code), 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(slot() for _ in range(concurrency)))
    if errors:
        print(f"  {url}: not accepted: {errors}")
    return time.perf_counter() - started, latencies, accepted


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def report(name: str, seconds: float, latencies: list[float], accepted: int) -> float:
    rate = accepted / seconds
    print(
        f"{name:>10}: {accepted} accepted in {seconds:.2f} s = {rate:,.0f}/s; "
        f"p50 {statistics.median(latencies) * 1000:.1f} ms, "
        f"p99 {percentile(latencies, 0.99) * 1000:.1f} ms"
    )
    return rate


def pending_items(db: Path) -> int:
    with sqlite3.connect(db, timeout=10) as conn:
        row = conn.execute("SELECT count(*) FROM inbox_items WHERE state = 'pending'").fetchone()
        return int(row[0])


def wait_processed(db: Path, deadline_seconds: float) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < deadline_seconds:
        if pending_items(db) == 0:
            return time.perf_counter() - started
        time.sleep(0.05)
    raise SystemExit(f"worker did not drain the inbox within {deadline_seconds} s")


def bench_coopfed(
    tmp: Path, sender: TestActor, server: FediverseServer, n: int, c: int
) -> tuple[float, float]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "COOPFED_FEDERATION__ALLOW_PRIVATE_ADDRESSES": server.netloc,
        "COOPFED_FEDERATION__ALLOW_HTTP": "true",
    }
    node_dir = tmp / "node"
    node_dir.mkdir()
    done = coopfed(
        "init", "--url", base, "--name", "Bench", "--handle", "bench", cwd=node_dir, env=env
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    url = f"{base}/inbox"
    warmup, requests = prepare(sender, url, 20), prepare(sender, url, n)
    with running(
        "serve", cwd=node_dir, env=env, log=tmp / "serve.log", health_url=f"{base}/healthz"
    ):
        asyncio.run(load(url, warmup, 4))  # fetches and caches the sender's key
        wait_processed(node_dir / "data" / "coopfed.db", 60)
        started = time.perf_counter()
        seconds, latencies, accepted = asyncio.run(load(url, requests, c))
        drained = wait_processed(node_dir / "data" / "coopfed.db", 300)
        total = time.perf_counter() - started
    if accepted != n:
        print(f"WARNING: coopfed accepted {accepted} of {n}; see {tmp / 'serve.log'}")
    rate = report("coopfed", seconds, latencies, accepted)
    processed = accepted / max(total, seconds)
    print(
        f"{'':>10}  processed end to end: {processed:,.0f}/s "
        f"(worker drained {drained:.2f} s after the load)"
    )
    return rate, processed


def bench_ceiling(tmp: Path, sender: TestActor, n: int, c: int) -> float:
    port = free_port()
    url = f"http://127.0.0.1:{port}/inbox"
    pem = tmp / "sender.pem"
    pem.write_text(public_key_to_pem(sender.private_key.public_key()))
    args = [
        sys.executable,
        str(ROOT / "bench" / "inbox_ceiling_app.py"),
        str(port),
        str(tmp / "ceiling.db"),
        str(pem),
        sender.key_id,
        sender.uri,
    ]
    log = tmp / "ceiling.log"
    with log.open("wb") as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        wait_until_up_post(url, process, log)
        asyncio.run(load(url, prepare(sender, url, 20), 4))
        seconds, latencies, accepted = asyncio.run(load(url, prepare(sender, url, n), c))
    finally:
        stop(process)
    return report("ceiling", seconds, latencies, accepted)


def wait_until_up_post(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"ceiling app exited: {log.read_text()}")
        try:
            httpx.post(url, content=b"{}", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit("ceiling app did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as directory,
        FediverseServer(host="127.0.0.2", actors_names=("sender",)) as server,
    ):
        tmp = Path(directory)
        sender = server.actor("sender")
        print(f"inbox benchmark: {args.requests} signed POSTs, concurrency {args.concurrency}")
        ceiling = bench_ceiling(tmp, sender, args.requests, args.concurrency)
        accepted, processed = bench_coopfed(tmp, sender, server, args.requests, args.concurrency)
        print(f"ratio accepted/ceiling: {accepted / ceiling:.0%} (goal >= 50 %)")
        print(f"ratio processed/ceiling: {processed / ceiling:.0%}")


if __name__ == "__main__":
    main()
