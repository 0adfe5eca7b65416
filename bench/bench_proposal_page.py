"""Server time of the proposal page in a co-op with 10,000 proposals and 1,000 members.

Run: .venv/bin/python bench/bench_proposal_page.py [--database-url URL] [--requests N]
Target: the page of an open proposal (live tally of its ballot log) under 50 ms at the median,
measured as in-process ASGI requests (no network, no browser): everything the server does for
one page (session-less reader, proposal row with its 1,000-member electorate, ballot log
verified, tally, template). The decided proposal's page, its results page and the list are
timed too, and the first view after each new ballot (the only time the log is loaded,
verified and tallied again; other views reuse that tally, keyed by the log head).
Prints median and p99 and their ratio to the target; never passes or fails.

Seeding: 1,000 members and two opened proposals (yes/no and IRV over 5 options) through the
services, `--ballots` votes on each through `cast_vote`, then 9,998 more proposals copied
row by row from a decided one (same electorate size), so the table has its real width.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert, select

from coopfed.app import create_app
from coopfed.node import Node
from coopfed.services import members, proposals
from coopfed.services.setup import create_node_actors
from coopfed.services.votes import cast_vote
from coopfed.settings import build_settings
from coopfed.store import migrate
from coopfed.store.tables import proposals as proposal_table

MEMBERS = 1_000
PROPOSALS = 10_000
TARGET_MS = 50.0
HTML = {"Accept": "text/html"}
OPTIONS = ["Ash", "Birch", "Cedar", "Douglas", "Elm"]


def settings_for(database_url: str, data_dir: Path) -> Any:
    raw = {
        "coop": {"name": "Bench Co-op", "handle": "benchcoop", "summary": ""},
        "server": {"url": "http://bench.test", "data_dir": str(data_dir)},
        "database": {"url": database_url},
        "worker": {"in_process": False},
    }
    return build_settings(raw, "bench")


async def _resolve(reference: str) -> str:
    return reference


async def seed(node: Node, ballots: int, total: int) -> dict[str, str]:
    async with node.engine.begin() as conn:
        await create_node_actors(
            conn, handle="benchcoop", name="Bench Co-op", summary="", now=node.now()
        )
    actors = [f"https://members.example/users/u{index}" for index in range(MEMBERS)]
    for actor in actors:
        await members.add_member(node, actor, resolver=_resolve)
    body = "A proposal with a body of a few paragraphs.\n\n" * 5
    yes_no = await proposals.create_proposal(
        node,
        proposals.ProposalDraft("Buy a cargo bike", "proposal", body, duration=timedelta(days=3)),
        open_now=True,
    )
    irv = await proposals.create_proposal(
        node,
        proposals.ProposalDraft(
            "Name the shop", "irv", body, options=OPTIONS, duration=timedelta(days=3)
        ),
        open_now=True,
    )
    rng = random.Random(7)
    for actor in actors[:ballots]:
        await cast_vote(node, yes_no.slug, actor, rng.choice(["yes", "no", "abstain"]))
        await cast_vote(node, irv.slug, actor, rng.sample(OPTIONS, rng.randint(1, 5)))
    decided = await proposals.close_proposal(node, yes_no.slug, closed_by="bench")
    reopened = await proposals.create_proposal(
        node,
        proposals.ProposalDraft("Buy a cargo bike", "proposal", body, duration=timedelta(days=3)),
        open_now=True,
    )
    for actor in actors[:ballots]:
        await cast_vote(node, reopened.slug, actor, rng.choice(["yes", "no", "abstain"]))
    await copy_proposals(node, decided.row_id, total - 3)
    return {"open yes/no": reopened.slug, "open irv": irv.slug, "decided": decided.slug}


async def copy_proposals(node: Node, template_id: int, count: int) -> None:
    """`count` decided proposals like the template (its electorate, result and charter)."""
    async with node.engine.begin() as conn:
        row = dict(
            (await conn.execute(select(proposal_table).where(proposal_table.c.id == template_id)))
            .mappings()
            .one()
        )
    row.pop("id")
    batch: list[dict[str, Any]] = []
    for index in range(count):
        slug = f"copy{index:06d}"
        batch.append(
            {**row, "slug": slug, "uri": node.uris.proposal(slug), "title": f"Old {index}"}
        )
        if len(batch) == 500 or index == count - 1:
            async with node.engine.begin() as conn:
                await conn.execute(insert(proposal_table), batch)
            batch = []


async def timed(client: httpx.AsyncClient, path: str, requests: int) -> list[float]:
    for _ in range(5):  # warm-up: template compilation, caches
        assert (await client.get(path, headers=HTML)).status_code == 200
    samples = []
    for _ in range(requests):
        start = time.perf_counter()
        response = await client.get(path, headers=HTML)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.text[:300]
    return samples


async def after_each_ballot(
    node: Node, client: httpx.AsyncClient, slug: str, args: argparse.Namespace
) -> list[float]:
    """The first view after a ballot: the log is loaded, verified and tallied again."""
    rng = random.Random(11)
    samples = []
    for index in range(args.ballots, min(MEMBERS, args.ballots + args.fresh)):
        actor = f"https://members.example/users/u{index}"
        await cast_vote(node, slug, actor, rng.sample(OPTIONS, rng.randint(1, 5)))
        start = time.perf_counter()
        response = await client.get(f"/proposals/{slug}", headers=HTML)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    return samples


def report(name: str, samples: list[float]) -> None:
    ordered = sorted(samples)
    median = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    print(
        f"{name:<22} median {median:7.2f} ms  p99 {p99:7.2f} ms  "
        f"median/target {median / TARGET_MS:5.2f}  ({len(samples)} requests)"
    )


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{tmp}/bench.sqlite3"
        await asyncio.to_thread(migrate.upgrade, url)
        node = Node.from_settings(settings_for(url, Path(tmp)))
        try:
            started = time.perf_counter()
            slugs = await seed(node, args.ballots, args.proposals)
            print(
                f"seeded {args.proposals} proposals, {MEMBERS} members, {args.ballots} ballots"
                f" on each open proposal in {time.perf_counter() - started:.1f} s"
                f" ({url.split(':')[0]})"
            )
            app = create_app(node.settings, run_worker=False, node=node)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench.test") as http:
                for name, slug in slugs.items():
                    report(f"{name} page", await timed(http, f"/proposals/{slug}", args.requests))
                fresh = await after_each_ballot(node, http, slugs["open irv"], args)
                report("open irv, new ballot", fresh)
                decided = f"/proposals/{slugs['decided']}/results"
                report("decided results page", await timed(http, decided, args.requests))
                report("proposal list", await timed(http, "/proposals", args.requests))
        finally:
            await node.close()
    print(f"target: {TARGET_MS:.0f} ms server time at the median (ratio < 1 meets it)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a fresh, empty database (default: SQLite)")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--ballots", type=int, default=400, help="ballots per open proposal")
    parser.add_argument("--proposals", type=int, default=PROPOSALS)
    parser.add_argument("--fresh", type=int, default=50, help="page views right after a ballot")
    sys.exit(asyncio.run(main(parser.parse_args())))
