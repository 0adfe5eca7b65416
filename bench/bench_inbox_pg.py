"""Inbox benchmark on PostgreSQL: 1 web process, then 2, each with separate worker processes.

    .ci/test-env .venv/bin/python bench/bench_inbox_pg.py [--requests 3000] [--concurrency 32]
    .venv/bin/python bench/bench_inbox_pg.py --database-url postgresql://postgres@127.0.0.1/postgres

The load is bench/bench_inbox.py's: pre-signed draft-cavage POSTs from a real, fetchable sender on
127.0.0.2, written as raw HTTP/1.1 bytes on `--concurrency` keep-alive connections by this
process, pinned to CPU 1. Each configuration gets a fresh database (created beside the one
`--database-url` or COOPFED_TEST_DATABASE_URL names, dropped afterwards) and runs as an operator
scales out (README, "Running on PostgreSQL with several processes"):
`COOPFED_WORKER__IN_PROCESS=false coopfed serve --workers N` plus N `coopfed worker` processes
(`--worker-processes` to fix their number). The servers and PostgreSQL are not pinned: a second
web process can only help if it gets a core, and this machine has two, one of them shared with
the load generator, so the ratio says what scale-out gives here, not on a bigger machine.

Figures per configuration: accepted/s (load start to last 202), p50/p99, processed/s end to end
(load start until no item is pending) and how long the backlog took to drain after the load;
the web processes' CPU per accepted POST (user + system, from /proc: steadier than the rates
on a shared machine); then 2 web processes / 1 as ratios. The load average is printed.
The servers run this checkout's code (tests/support/processes.py sets PYTHONPATH).

Only 127.0.0.0/8 is contacted; every wait is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_inbox import load, load_average, pin_load_generator, prepare, report  # noqa: E402
from tests.support.fediverse import FediverseServer, TestActor  # noqa: E402
from tests.support.processes import coopfed, free_port, running  # noqa: E402

URL_ENV = "COOPFED_TEST_DATABASE_URL"


def _dsn(url: str, database: str | None = None) -> str:
    """asyncpg's form of `url` (any SQLAlchemy driver suffix dropped), naming `database`."""
    parsed = make_url(url)
    parsed = parsed.set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


async def _admin(url: str, statement: str) -> None:
    connection = await asyncpg.connect(_dsn(url), timeout=10)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextmanager
def fresh_database(url: str) -> Iterator[str]:
    """A new, empty database beside `url`'s (its URL), dropped afterwards."""
    name = f"coopfed_bench_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin(url, f'CREATE DATABASE "{name}"'))
    try:
        yield _dsn(url, name)
    finally:
        asyncio.run(_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _pending(dsn: str) -> int:
    connection = await asyncpg.connect(dsn, timeout=10)
    try:
        value = await connection.fetchval(
            "SELECT count(*) FROM inbox_items WHERE state = 'pending'"
        )
        return int(value)
    finally:
        await connection.close()


def wait_drained(dsn: str, limit_seconds: float) -> float:
    started = time.perf_counter()
    while asyncio.run(_pending(dsn)):
        if time.perf_counter() - started > limit_seconds:
            raise SystemExit(f"the workers did not drain the inbox within {limit_seconds} s")
        time.sleep(0.02)
    return time.perf_counter() - started


def _tree_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its descendants so far (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total, pending = 0.0, [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue  # gone meanwhile
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
        pending.extend(int(child) for child in children)
    return total


@dataclass(frozen=True)
class Figures:
    web: int
    workers: int
    accepted: float
    processed: float
    drained: float


def bench(
    tmp: Path, database_url: str, sender: TestActor, remote: FediverseServer, args: Args
) -> Figures:
    web, workers = args.web, args.workers
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    node_dir = tmp / f"node-{web}"
    node_dir.mkdir()
    env = {
        **os.environ,
        "COOPFED_FEDERATION__ALLOW_PRIVATE_ADDRESSES": remote.netloc,
        "COOPFED_FEDERATION__ALLOW_HTTP": "true",
        "COOPFED_WORKER__IN_PROCESS": "false",
    }
    with fresh_database(database_url) as dsn:
        init = ["init", "--url", base, "--name", "Bench", "--handle", "bench"]
        done = coopfed(*init, "--database-url", dsn, cwd=node_dir, env=env)
        if done.returncode != 0:
            raise SystemExit(done.stderr)
        url = f"{base}/inbox"
        # Enough warm-up on enough connections that every web process has the sender's key.
        warmup, requests = prepare(sender, url, 25 * web), prepare(sender, url, args.requests)
        config = ["--config", str(node_dir / "coopfed.toml")]
        with ExitStack() as stack:
            serve = ["serve", *config, "--port", str(port), "--workers", str(web)]
            log = tmp / f"serve-{web}.log"
            server = stack.enter_context(
                running(*serve, cwd=node_dir, log=log, env=env, health_url=f"{base}/healthz")
            )
            for number in range(workers):
                log = tmp / f"worker-{web}-{number}.log"
                stack.enter_context(running("worker", *config, cwd=node_dir, log=log, env=env))
            load(url, warmup, 4 * web)
            wait_drained(dsn, 60)
            cpu_before = _tree_cpu_seconds(server.pid)
            result = load(url, requests, args.concurrency)
            web_cpu = _tree_cpu_seconds(server.pid) - cpu_before
            drained = wait_drained(dsn, 300)
    if result.accepted != args.requests:
        print(f"WARNING: accepted {result.accepted} of {args.requests}; see {tmp}")
    accepted = report(f"{web} web", result)
    processed = result.accepted / (result.seconds + drained)
    print(
        f"{'':>8}  + {workers} worker process(es): processed end to end {processed:,.0f}/s "
        f"(backlog drained {drained:.2f} s after the load ended)"
    )
    per_post = 1000 * web_cpu / max(result.accepted, 1)
    print(f"{'':>8}  web CPU {per_post:.2f} ms per accepted POST ({web_cpu:.1f} s in all)")
    return Figures(web, workers, accepted, processed, drained)


@dataclass(frozen=True)
class Args:
    web: int
    workers: int
    requests: int
    concurrency: int


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument(
        "--worker-processes", type=int, help="per configuration (default: one per web process)"
    )
    parser.add_argument(
        "--database-url", default=os.environ.get(URL_ENV), help=f"default: ${URL_ENV}"
    )
    options = parser.parse_args()
    if not options.database_url:  # a report, not a test: say why there is none (`make bench`)
        print(f"skipped: no PostgreSQL (pass --database-url, or run under .ci/test-env: {URL_ENV})")
        return
    pin_load_generator()
    with (
        tempfile.TemporaryDirectory() as directory,
        FediverseServer(host="127.0.0.2", actors_names=("sender",)) as remote,
    ):
        tmp = Path(directory)
        sender = remote.actor("sender")
        print(
            f"inbox benchmark on PostgreSQL: {options.requests} pre-signed POSTs, concurrency "
            f"{options.concurrency}; load on CPU 1, servers unpinned; {load_average()}"
        )
        figures = [
            bench(
                tmp,
                options.database_url,
                sender,
                remote,
                Args(web, options.worker_processes or web, options.requests, options.concurrency),
            )
            for web in (1, 2)
        ]
        one, two = figures
        print(
            f"ratio 2 web / 1 web: accepted {two.accepted / one.accepted:.2f}, "
            f"processed {two.processed / one.processed:.2f}; {load_average()}"
        )


if __name__ == "__main__":
    main()
