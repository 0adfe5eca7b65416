"""Inbox benchmark: pre-signed POSTs against `coopfed serve`, beside a bare ceiling, in one run.

    .venv/bin/python bench/bench_inbox.py [--requests 3000] [--concurrency 32]

Two servers, one after the other, each pinned to CPU 0 (`taskset -c 0`), on SQLite:
- the ceiling (bench/inbox_ceiling_app.py): a minimal Starlette app that verifies one
  draft-cavage signature with a key it already knows and inserts with dedupe into SQLite (WAL,
  synchronous=FULL), then answers 202;
- coopfed: `coopfed serve` as an admin runs it (one web process with its in-process worker).

The load generator is this process, pinned to CPU 1, so the ceiling is the server's, not the
generator's: every request (draft-cavage signature, Digest, Date, unique activity id from a real,
fetchable sender on 127.0.0.2) is signed and serialised to HTTP/1.1 bytes BEFORE the clock
starts, and `--concurrency` keep-alive connections write those bytes and read the answers on raw
asyncio streams (no HTTP client library in the loop).

Figures: accepted/s (load start to last 202) for both; coopfed's processed/s end to end (load
start until the worker has finished every item) and how long the backlog took to drain after
the load ended; both as ratios to the ceiling. Goals (issue 17): accepted >= 0.60, processed
>= 0.50, backlog drained within 2 s. The load average (`uptime`) is printed with the figures:
the machine is shared, and absolute rates drift with what else runs.

Only 127.0.0.0/8 is contacted; every wait is bounded.
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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from coopfed.activitypub.httpsig.keys import public_key_to_pem  # noqa: E402
from tests.support.fediverse import FediverseServer, TestActor  # noqa: E402
from tests.support.processes import coopfed, free_port, stop  # noqa: E402

SERVER_CPU = "0"
LOAD_CPU = 1
GOAL_ACCEPTED, GOAL_PROCESSED, GOAL_DRAIN_SECONDS = 0.60, 0.50, 2.0


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


def prepare(sender: TestActor, url: str, count: int) -> list[bytes]:
    """`count` signed POSTs to `url` as raw HTTP/1.1 request bytes (keep-alive)."""
    path = urlsplit(url).path
    prepared = []
    for _ in range(count):
        body = json.dumps(activity(sender)).encode()
        headers = sender.signed_headers("POST", url, body)
        headers["content-length"] = str(len(body))
        head = f"POST {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        prepared.append(head.encode("latin-1") + b"\r\n" + body)
    return prepared


@dataclass
class LoadResult:
    seconds: float
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)

    @property
    def accepted(self) -> int:
        return self.statuses.get(202, 0)


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """(status, keep_alive) of one HTTP/1.1 response; its body read and dropped."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        await reader.readexactly(int(headers.get("content-length", "0")))
    return status, headers.get("connection", "").lower() != "close"


async def _load(url: str, requests: Sequence[bytes], concurrency: int) -> LoadResult:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    pending = iter(requests)
    result = LoadResult(seconds=0.0)

    async def slot() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            for request in pending:
                started = time.perf_counter()
                try:
                    writer.write(request)
                    status, keep_alive = await _read_response(reader)
                except (OSError, asyncio.IncompleteReadError) as exc:
                    name = type(exc).__name__
                    result.errors[name] = result.errors.get(name, 0) + 1
                    keep_alive = False
                else:
                    result.latencies.append(time.perf_counter() - started)
                    result.statuses[status] = result.statuses.get(status, 0) + 1
                if not keep_alive:
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, port)
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(slot() for _ in range(concurrency))), 300)
    result.seconds = time.perf_counter() - started
    return result


def load(url: str, requests: Sequence[bytes], concurrency: int) -> LoadResult:
    result = asyncio.run(_load(url, requests, concurrency))
    refused = {k: v for k, v in result.statuses.items() if k != 202}
    if refused or result.errors:
        print(f"  {url}: not accepted: statuses {refused}, errors {result.errors}")
    return result


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def report(name: str, result: LoadResult) -> float:
    rate = result.accepted / result.seconds
    print(
        f"{name:>8}: {result.accepted} accepted in {result.seconds:.2f} s = {rate:,.0f}/s; "
        f"p50 {statistics.median(result.latencies) * 1000:.1f} ms, "
        f"p99 {percentile(result.latencies, 0.99) * 1000:.1f} ms"
    )
    return rate


def load_average() -> str:
    return "load average " + " ".join(f"{value:.2f}" for value in os.getloadavg())


def pinned(args: list[str]) -> list[str]:
    """The command pinned to the server's CPU (every thread it starts inherits it)."""
    return ["taskset", "-c", SERVER_CPU, *args]


@contextmanager
def server(args: list[str], log: Path, health_url: str, env: dict[str, str]) -> Iterator[None]:
    with log.open("ab") as out:
        process = subprocess.Popen(
            pinned(args), stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, env=env
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise SystemExit(f"{args[:4]} exited: {log.read_text()[-3000:]}")
            try:
                httpx.get(health_url, timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"{health_url} did not come up") from None
                time.sleep(0.1)
        yield
    finally:
        stop(process)


def unprocessed(db: Path) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10) as conn:
        row = conn.execute("SELECT count(*) FROM inbox_items WHERE state = 'pending'").fetchone()
        return int(row[0])


def wait_drained(db: Path, limit_seconds: float) -> float:
    started = time.perf_counter()
    while unprocessed(db):
        if time.perf_counter() - started > limit_seconds:
            raise SystemExit(f"the worker did not drain the inbox within {limit_seconds} s")
        time.sleep(0.02)
    return time.perf_counter() - started


def bench_ceiling(tmp: Path, sender: TestActor, n: int, c: int) -> float:
    port = free_port()
    url = f"http://127.0.0.1:{port}/inbox"
    pem = tmp / "sender.pem"
    pem.write_text(public_key_to_pem(sender.private_key.public_key()))
    script = str(ROOT / "bench" / "inbox_ceiling_app.py")
    args = [sys.executable, script, str(port), str(tmp / "ceiling.db"), str(pem)]
    args += [sender.key_id, sender.uri]
    warmup, requests = prepare(sender, url, 50), prepare(sender, url, n)
    with server(args, tmp / "ceiling.log", f"http://127.0.0.1:{port}/", dict(os.environ)):
        load(url, warmup, 4)
        result = load(url, requests, c)
    return report("ceiling", result)


@dataclass(frozen=True)
class CoopfedFigures:
    accepted: float
    processed: float
    drained: float


def bench_coopfed(
    tmp: Path, sender: TestActor, remote: FediverseServer, n: int, c: int
) -> CoopfedFigures:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "COOPFED_FEDERATION__ALLOW_PRIVATE_ADDRESSES": remote.netloc,
        "COOPFED_FEDERATION__ALLOW_HTTP": "true",
    }
    node_dir = tmp / "node"
    node_dir.mkdir()
    done = coopfed(
        "init", "--url", base, "--name", "Bench", "--handle", "bench", cwd=node_dir, env=env
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    db = node_dir / "data" / "coopfed.db"
    url = f"{base}/inbox"
    warmup, requests = prepare(sender, url, 50), prepare(sender, url, n)
    config = str(node_dir / "coopfed.toml")
    args = [sys.executable, "-m", "coopfed.cli", "serve", "--config", config]
    with server(args, tmp / "serve.log", f"{base}/healthz", env):
        load(url, warmup, 4)  # fetches and caches the sender's key
        wait_drained(db, 60)
        result = load(url, requests, c)
        drained = wait_drained(db, 300)
    if result.accepted != n:
        print(f"WARNING: coopfed accepted {result.accepted} of {n}; see {tmp / 'serve.log'}")
    accepted = report("coopfed", result)
    processed = result.accepted / (result.seconds + drained)
    print(
        f"{'':>8}  processed end to end: {processed:,.0f}/s "
        f"(backlog drained {drained:.2f} s after the load ended)"
    )
    return CoopfedFigures(accepted, processed, drained)


def pin_load_generator() -> None:
    if len(os.sched_getaffinity(0)) < 2:
        raise SystemExit("needs 2 CPUs: the server on CPU 0, the load generator on CPU 1")
    os.sched_setaffinity(0, {LOAD_CPU})


def verdict(value: float, goal: float, *, at_most: bool = False) -> str:
    met = value <= goal if at_most else value >= goal
    return "met" if met else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    pin_load_generator()
    with (
        tempfile.TemporaryDirectory() as directory,
        FediverseServer(host="127.0.0.2", actors_names=("sender",)) as remote,
    ):
        tmp = Path(directory)
        sender = remote.actor("sender")
        print(
            f"inbox benchmark: {args.requests} pre-signed POSTs, concurrency {args.concurrency}; "
            f"servers on CPU {SERVER_CPU}, load on CPU {LOAD_CPU}; {load_average()}"
        )
        ceiling = bench_ceiling(tmp, sender, args.requests, args.concurrency)
        figures = bench_coopfed(tmp, sender, remote, args.requests, args.concurrency)
        accepted, processed = figures.accepted / ceiling, figures.processed / ceiling
        print(
            f"ratio accepted/ceiling:  {accepted:.2f} (goal >= {GOAL_ACCEPTED:.2f}: "
            f"{verdict(accepted, GOAL_ACCEPTED)})"
        )
        print(
            f"ratio processed/ceiling: {processed:.2f} (goal >= {GOAL_PROCESSED:.2f}: "
            f"{verdict(processed, GOAL_PROCESSED)})"
        )
        print(
            f"backlog drained in {figures.drained:.2f} s (goal <= {GOAL_DRAIN_SECONDS:.0f} s: "
            f"{verdict(figures.drained, GOAL_DRAIN_SECONDS, at_most=True)}); {load_average()}"
        )


if __name__ == "__main__":
    main()
