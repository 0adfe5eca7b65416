"""Three co-ops on three coopfed processes (127.0.0.2/3/4) co-govern shared projects.

Each co-op has local members and one member on a Fedify peer (127.0.0.5: alice in A, bob in B,
carol in C: each follows its co-op and is admitted by actor URL). They form alliances, A hosts
two projects with B and C (`coop_majority:1/2` and `unanimity`), local members vote on their
own nodes with `coopfed vote`, peer members receive the linked proposal's Question and vote on
it from "their Mastodon-like app" (the peer's control API), certificates roll up, and all three
nodes show the same joint result (docs/governance.md, rule 13: A and B pass, C rejects → passed
under coop majority, rejected under unanimity). A and B pass only because their peer member's
vote counted (their local members tie). Then C is stopped while a joint proposal is open:
after the grace period it "did not take part"; when it comes back its late certificate arrives
and changes nothing, and it shows the same result as the others.
Before that, `coopfed verify JOINT_URL` run on A (the host) and on B (signed GETs as their
instance actors) verifies both joint results, finds every voter's receipt (printed by `coopfed
vote` for local voters, sent in a private note to the peer members), and, once the host's
stored copy of B's certificate is altered, names it (issue #14; `verify_joint_results`).
The lake project has no --grace and must decide correctly.
Without Node.js the scenario runs with local stand-ins for the peer members and then skips,
saying why the peer members were not tested.

CLI commands run through a fork server (tests/support/cli_forkserver.py) so that each costs
a fork instead of ~1.1 s of imports; the nodes themselves are ordinary `coopfed serve` processes.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.interop.fedify_peer import FedifyPeer, install_peer, of_type
from tests.support.cli_forkserver import CliForkServer
from tests.support.databases import BACKENDS, PostgresDatabases, sqlite_url
from tests.support.processes import free_port, wait_until_up
from tests.support.processes import stop as stop_process

pytestmark = [pytest.mark.slow, pytest.mark.interop]

HOSTS = ("127.0.0.2", "127.0.0.3", "127.0.0.4")
PEER_HOST = "127.0.0.5"
T = TypeVar("T")

# Every joint proposal gets the same votes. The local members of A and B tie (a tie is rejected
# under a strict majority), so A and B pass only if their peer member's yes is counted; C rejects.
LOCAL_VOTES = {
    "coopa": {"a1": "yes", "a2": "no"},
    "coopb": {"b1": "yes", "b2": "no"},
    "coopc": {"c1": "yes", "c2": "no"},
}
PEER_VOTES = {"coopa": ("alice", "yes"), "coopb": ("bob", "yes"), "coopc": ("carol", "no")}
COUNTS = {"coopa": (2, 1), "coopb": (2, 1), "coopc": (1, 2)}  # (yes, no) with the peer's vote


@dataclass
class CoopNode:
    name: str
    host: str
    port: int
    root: Path
    runner: CliForkServer
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    url: str | None = None  # its PostgreSQL database; None: SQLite under root/data

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def actor(self) -> str:
        return f"{self.base}/actors/{self.name}"

    def cli(self, *args: str) -> str:
        result = self.runner.run(*args, cwd=self.root, env=self.env)
        assert result.returncode == 0, f"{self.name} {args}: {result.stderr}"
        return result.stdout

    def json(self, *args: str) -> Any:
        return json.loads(self.cli(*args, "--json"))

    def verify(self, url: str, *args: str) -> subprocess.CompletedProcess[str]:
        """`coopfed verify` run on this node (so signed as its instance actor); any exit."""
        return self.runner.run("verify", url, *args, cwd=self.root, env=self.env)

    @property
    def database_url(self) -> str:
        return self.url or sqlite_url(self.root / "data")


class Progress:
    """Prints each step with the seconds since the start (shown when the test fails): the
    voting windows must hold everything from `propose` to the last vote on a loaded machine."""

    def __init__(self) -> None:
        self.start = time.monotonic()

    def __call__(self, step: str) -> None:
        print(f"{time.monotonic() - self.start:7.1f} s  {step}", flush=True)


def side_by_side(calls: Iterable[Callable[[], T]]) -> list[T]:
    """Run independent calls concurrently; results in order, the first failure raised."""
    todo = list(calls)
    with ThreadPoolExecutor(max(1, len(todo))) as pool:
        futures = [pool.submit(call) for call in todo]
        return [future.result() for future in futures]


def wait_for(what: str, check: Callable[[], Any], timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def make_nodes(
    tmp_path: Path, database_urls: list[str | None], runner: CliForkServer, peer: FedifyPeer | None
) -> list[CoopNode]:
    nodes = [
        CoopNode(f"coop{letter}", host, free_port(host), tmp_path / letter, runner)
        for letter, host in zip("abc", HOSTS, strict=True)
    ]
    hosts = [f"{n.host}:{n.port}" for n in nodes]
    allowed = ",".join(hosts if peer is None else [*hosts, f"{peer.host}:{peer.port}"])
    for node in nodes:
        node.root.mkdir()
        node.env = {
            "PATH": "/usr/bin:/bin",
            "COOPFED_FEDERATION__ALLOW_PRIVATE_ADDRESSES": allowed,
            "COOPFED_FEDERATION__ALLOW_HTTP": "true",
            "COOPFED_WORKER__POLL_INTERVAL": "0.1",
            "COOPFED_WORKER__RETRY_TIME_SCALE": "0.005",
        }

    def init(node: CoopNode, url: str | None) -> None:
        extra = ["--database-url", url] if url else []
        node.cli("init", "--url", node.base, "--name", node.name.upper(), "--handle", node.name,
                 *extra)  # fmt: skip

    side_by_side(partial(init, n, u) for n, u in zip(nodes, database_urls, strict=True))
    for node, url in zip(nodes, database_urls, strict=True):
        node.url = url
    return nodes


def start(node: CoopNode, stack: ExitStack) -> None:
    """`coopfed serve` for the node, stopped when `stack` closes; returns once it is healthy.
    Nodes start side by side, so each may take several times its usual start-up."""
    log = node.root / "serve.log"
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "coopfed.cli", "serve", "--host", node.host,
             "--port", str(node.port)],
            cwd=node.root, env={**os.environ, **node.env}, stdout=output,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    stack.callback(stop_process, process)
    node.process = process
    wait_until_up(f"{node.base}/healthz", process, log, timeout=120)


def stop(node: CoopNode) -> None:
    assert node.process is not None
    node.process.terminate()
    node.process.wait(timeout=15)


def start_peer(stack: ExitStack) -> tuple[FedifyPeer | None, str]:
    """The Fedify peer whose actors are members of the co-ops, or why there is none."""
    install = install_peer()
    if install.node is None:
        return None, install.reason
    return stack.enter_context(FedifyPeer(install.node, host=PEER_HOST)), "ok"


def add_members(nodes: list[CoopNode], peer: FedifyPeer | None) -> None:
    """Local members (and, without a peer, a local stand-in for each peer member)."""

    def add(node: CoopNode) -> None:
        names = [*LOCAL_VOTES[node.name], *([] if peer else [PEER_VOTES[node.name][0]])]
        side_by_side(partial(node.cli, "member", "add", "--local", name) for name in names)

    side_by_side(partial(add, n) for n in nodes)


def add_peer_members(nodes: list[CoopNode], peer: FedifyPeer) -> None:
    """Each peer actor follows its co-op from its app (so it sees the co-op's posts, and the
    co-op knows its inbox), then the co-op's admin admits it by actor URL."""

    def join(node: CoopNode) -> None:
        name, _ = PEER_VOTES[node.name]
        peer.follow(name, node.actor)
        peer.wait_for(name, of_type("Accept"), timeout=30)
        node.cli("member", "add", peer.actor_url(name))

    side_by_side(partial(join, n) for n in nodes)


def ally(a: CoopNode, *others: CoopNode) -> None:
    side_by_side(partial(a.cli, "ally", "offer", other.actor) for other in others)

    def accept(other: CoopNode) -> None:
        wait_for(f"{other.name} sees the offer", partial(other.json, "ally", "list"))
        other.cli("ally", "accept", a.actor)

    side_by_side(partial(accept, other) for other in others)
    wait_for(
        "alliances active",
        lambda: (
            len(listed := a.json("ally", "list")) == len(others)
            and all(x["state"] == "active" for x in listed)
        ),
    )


def invited(node: CoopNode, project: str) -> bool:
    return any(p["project"] == project for p in node.json("project", "invitations"))


def share_project(
    a: CoopNode, handle: str, rule: str, others: tuple[CoopNode, ...], *grace: str
) -> str:
    """`grace`: e.g. ("--grace", "3s"); none gives the default (1 h), as a new user would."""
    project = a.cli("project", "create", handle, "--name", handle.title(), "--rule", rule,
                    *grace).strip()  # fmt: skip
    side_by_side(partial(a.cli, "project", "invite", handle, other.actor) for other in others)

    def accept(other: CoopNode) -> None:
        wait_for(f"{other.name} invited", partial(invited, other, project))
        other.cli("project", "accept", project)

    side_by_side(partial(accept, other) for other in others)
    wait_for(
        "members active",
        lambda: (
            sum(m["state"] == "active" for m in a.json("project", "show", handle)["members"])
            == 1 + len(others)
        ),
    )
    return project


def propose(a: CoopNode, handle: str, title: str, duration: str) -> str:
    view = a.json("project", "propose", handle, "--title", title, "--method", "proposal",
                  "--duration", duration, "--open")  # fmt: skip
    return str(view["id"])


def linked(node: CoopNode, joint: str) -> str:
    def find() -> str | None:
        for proposal in node.json("proposal", "list"):
            if proposal["joint_proposal"] == joint:
                return str(proposal["id"])
        return None

    return str(wait_for(f"{node.name} opens its linked proposal", find))


def peer_vote(peer: FedifyPeer, name: str, proposal: str, choice: str) -> None:
    """The member's app received the linked proposal's Question; the member taps a choice."""
    peer.wait_for(
        name, lambda r: r.get("type") == "Create" and r.get("objectId") == proposal, timeout=30
    )
    peer.vote(name, proposal, [choice])


def peer_receipt(peer: FedifyPeer, name: str, proposal: str) -> str:
    """The private note the co-op sends a member whose tapped vote was counted carries the
    ballot's receipt (issue 14): what `coopfed vote` prints for a local voter."""

    def receipt_note(record: dict[str, Any]) -> bool:
        content = (record.get("note") or {}).get("content") or ""
        return record.get("type") == "Create" and "Receipt: " in content and proposal in content

    note = peer.wait_for(name, receipt_note, timeout=60)
    found = re.search(r"Receipt: ([0-9a-f]{64})", note["note"]["content"])
    assert found, note
    return found.group(1)


def vote(node: CoopNode, proposal: str, peer: FedifyPeer | None) -> list[str]:
    """Members vote side by side: locals with `coopfed vote`, the peer member from its app.
    Returns every voter's receipt: what `coopfed vote` printed for each local voter, and the
    one the peer member received in the co-op's private note."""
    local = dict(LOCAL_VOTES[node.name])
    name, choice = PEER_VOTES[node.name]
    if peer is None:
        local[name] = choice  # the local stand-in votes as the peer member would
    calls: list[Callable[[], object]] = [
        partial(node.cli, "vote", proposal, "--member", member, "--choice", choice)
        for member, choice in local.items()
    ]
    if peer is not None:
        calls.append(partial(peer_vote, peer, name, proposal, choice))
    printed = side_by_side(calls)[: len(local)]
    wait_for(  # the peer's vote is taken in by the inbox worker; it must count before closing
        f"{node.name} counts every ballot",
        lambda: node.json("proposal", "show", proposal)["turnout"] == len(calls),
    )
    receipts = [str(line).strip() for line in printed]
    if peer is not None:
        receipts.append(peer_receipt(peer, name, proposal))
    return receipts


def vote_everywhere(
    jobs: list[tuple[CoopNode, str]], peer: FedifyPeer | None
) -> list[tuple[str, list[str]]]:
    """On each node, as soon as its linked proposal for the joint one is open, members vote.
    Returns the linked proposals with the receipts `coopfed vote` printed, in the order of
    `jobs`."""

    def linked_vote(node: CoopNode, joint: str) -> tuple[str, list[str]]:
        proposal = linked(node, joint)
        return proposal, vote(node, proposal, peer)

    return side_by_side(partial(linked_vote, n, j) for n, j in jobs)


def joint_status(node: CoopNode, joint: str) -> dict[str, Any]:
    return dict(node.json("proposal", "show", joint))


def decided(node: CoopNode, joint: str, timeout: float = 90) -> dict[str, Any]:
    return dict(
        wait_for(
            f"{node.name} knows the joint result",
            lambda: (v := joint_status(node, joint))["state"] == "decided" and v,
            timeout,
        )
    )


def all_decided(nodes: Iterable[CoopNode], joint: str) -> list[dict[str, Any]]:
    return side_by_side(partial(decided, node, joint) for node in nodes)


def assert_counted(node: CoopNode, proposal: str) -> None:
    """The linked proposal's counts include the peer member's vote."""
    counts = node.json("proposal", "show", proposal)["counts"]
    assert (counts["yes"], counts["no"]) == COUNTS[node.name], (node.name, counts)


def one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr, done
    return done.stderr


def alter_certificate(host: CoopNode, joint: str, coop: str) -> None:
    """Behind the host's back: the stored copy of `coop`'s certificate for `joint` now claims
    one more yes than its co-op counted."""

    async def edit() -> None:
        engine = create_async_engine(host.database_url)
        try:
            async with engine.begin() as conn:
                rows = (await conn.execute(text(
                    "SELECT c.id, c.document FROM joint_certificates c JOIN joint_proposals j"
                    " ON j.id = c.joint_row_id WHERE j.uri = :joint AND c.coop_uri = :coop"
                ), {"joint": joint, "coop": coop})).all()  # fmt: skip
                assert len(rows) == 1, rows
                row_id, raw = rows[0]
                document = json.loads(raw)
                document["certificate"]["counts"]["yes"] += 1
                await conn.execute(
                    text("UPDATE joint_certificates SET document = :doc WHERE id = :id"),
                    {"doc": json.dumps(document), "id": row_id},
                )
        finally:
            await engine.dispose()

    side_by_side([lambda: asyncio.run(edit())])  # a thread of its own: the test's loop runs


def verify_joint_results(
    a: CoopNode, b: CoopNode, c: CoopNode, joints: dict[str, str], receipts: dict[str, list[str]]
) -> None:
    """Issue #14's acceptance for joint proposals: `coopfed verify JOINT_URL` run on a node of
    the project passes (as the host A and as B, reading the other co-ops' linked proposals
    with signed GETs); every receipt `coopfed vote` printed is found; a plain client cannot
    read it (exit 2); once the host's stored copy of B's certificate is altered, verify
    exits 1 naming that certificate."""
    river, lake = joints["river"], joints["lake"]
    river_receipts = [x for r in receipts[river] for x in ("--receipt", r)]
    lake_receipts = [x for r in receipts[lake] for x in ("--receipt", r)]
    as_a, as_b, plain = side_by_side([
        partial(a.verify, river, "--json", *river_receipts),
        partial(b.verify, lake, "--json", *lake_receipts),
        partial(c.verify, river, "--unsigned"),
    ])  # fmt: skip
    for done, signer in ((as_a, a), (as_b, b)):
        assert done.returncode == 0, done.stdout + done.stderr
        report = json.loads(done.stdout)
        assert report["verified"] is True and report["joint"] is True, report
        assert report["signed_as"] == f"{signer.base}/actors/instance.actor"
        names = {check["name"] for check in report["checks"]}
        assert {"proof_joint_result", "combination", "joint_result_document"} <= names
        for coop in (a, b, c):
            assert {f"certificate[{coop.actor}]", f"certificate[{coop.actor}].proof",
                    f"linked[{coop.actor}].proof_record"} <= names, names  # fmt: skip
    for done, expected in ((as_a, receipts[river]), (as_b, receipts[lake])):
        found = [c for c in json.loads(done.stdout)["checks"] if c["name"] == "receipt"]
        # Two local voters per co-op, three when local stand-ins vote for the peer members.
        assert len(expected) in (2 * len(HOSTS), 3 * len(HOSTS)) and len(found) == len(expected)
        assert all(check["ok"] for check in found), found
    assert plain.returncode == 2, plain.stdout + plain.stderr
    assert "could not check: not readable" in one_line_error(plain)

    alter_certificate(a, lake, b.actor)
    altered = a.verify(lake, "--json")
    assert altered.returncode == 1, altered.stdout + altered.stderr
    differences = json.loads(altered.stdout)["differences"]
    named = [d for d in differences if d.startswith(f"certificate[{b.actor}]")]
    assert any(d.startswith(f"certificate[{b.actor}].counts:") for d in named), differences
    assert any(d.startswith(f"certificate[{b.actor}].proof:") for d in named), differences
    assert not any(f"[{c.actor}]" in d or f"[{a.actor}]" in d for d in differences), differences


def run_scenario(tmp_path: Path, urls: list[str | None], mark: Progress) -> str | None:
    """The whole scenario; returns why the peer members were left out, if they were."""
    with ExitStack() as stack:
        runner = stack.enter_context(CliForkServer())  # imports while the peer starts
        peer, why_no_peer = start_peer(stack)
        nodes = make_nodes(tmp_path, urls, runner, peer)
        a, b, c = nodes
        side_by_side(
            [partial(add_members, nodes, peer), *(partial(start, n, stack) for n in nodes)]
        )
        mark("nodes initialised and serving, local members added")
        meanwhile: list[Callable[[], None]] = [partial(ally, a, b, c)]
        if peer is not None:  # peer members join while the co-ops ally
            meanwhile.append(partial(add_peer_members, nodes, peer))
        side_by_side(meanwhile)
        river, lake = side_by_side([
            # river: its third proposal runs with C stopped, so it can only be decided at
            # closes_at + grace: an explicit short grace keeps that wait short.
            # lake: no --grace (the 1 h default, as a new user would): every co-op takes part,
            # so it is decided as soon as the last certificate is in, not an hour later.
            partial(share_project, a, "river", "coop_majority:1/2", (b, c), "--grace", "15s"),
            partial(share_project, a, "lake", "unanimity", (b, c)),
        ])  # fmt: skip
        assert river != lake
        mark("allied, peer members admitted, projects shared")
        joints = dict(zip(("river", "lake"), side_by_side([
            partial(propose, a, "river", "Build the bridge", "30s"),
            partial(propose, a, "lake", "Build the dam", "30s"),
        ]), strict=True))  # fmt: skip
        jobs = [(n, j) for n in nodes for j in joints.values()]
        mark("joint proposals open (30 s)")
        linked_proposals = vote_everywhere(jobs, peer)
        mark("everyone voted")
        expected = {"river": "passed", "lake": "rejected"}
        statuses = {a.actor: "passed", b.actor: "passed", c.actor: "rejected"}
        for name, joint in joints.items():
            views = all_decided(nodes, joint)
            assert {v["status"] for v in views} == {expected[name]}
            assert all(v["result"] == views[0]["result"] for v in views)
            assert views[0]["took_part"] == statuses, views[0]
            assert views[0]["did_not_take_part"] == {}
        mark("joint results known everywhere")
        counted = zip(jobs, linked_proposals, strict=True)
        side_by_side(
            partial(assert_counted, node, proposal) for (node, _), (proposal, _) in counted
        )
        receipts = {
            joint: [r for (_, j), (_, got) in zip(jobs, linked_proposals, strict=True)
                    if j == joint for r in got]
            for joint in joints.values()
        }  # fmt: skip
        verify_joint_results(a, b, c, joints, receipts)
        mark("joint results verified (coopfed verify), a certificate altered and named")

        # C stops while a joint proposal is open: after the grace period it did not take part.
        joint = propose(a, "river", "Paint the bridge", "20s")
        linked_c = linked(c, joint)
        stop(c)
        mark("third joint proposal open (20 s), C stopped")
        vote_everywhere([(node, joint) for node in (a, b)], peer)
        mark("A and B voted")
        before = all_decided((a, b), joint)
        mark("decided without C")
        assert {v["status"] for v in before} == {"passed"}  # 2 of 3 > 1/2 of all co-ops
        assert before[0]["result"] == before[1]["result"]
        assert before[0]["took_part"] == {a.actor: "passed", b.actor: "passed"}, before[0]
        assert before[0]["did_not_take_part"] == {c.actor: "missing"}
        start(c, stack)  # its worker closes the linked proposal and sends a late certificate
        after_c = decided(c, joint, timeout=60)
        mark("C is back and knows the result")
        assert after_c["result"] == before[0]["result"]
        wait_for(
            "C's late certificate is sent",
            lambda: c.json("proposal", "show", linked_c)["status"] == "decided",
        )
        time.sleep(2)  # let the late certificate reach A: it must change nothing
        assert joint_status(a, joint)["result"] == before[0]["result"]
        return None if peer is not None else why_no_peer


@pytest.mark.parametrize("backend", BACKENDS)
async def test_three_coops_share_projects(
    backend: str, tmp_path: Path, postgres_databases: PostgresDatabases
) -> None:
    mark = Progress()
    urls: list[str | None] = [None, None, None]
    if backend == "postgres":  # clones of the session's migrated template, dropped at its end
        urls = [await postgres_databases.fresh() for _ in HOSTS]
        mark("databases created")
    why_no_peer = run_scenario(tmp_path, urls, mark)
    mark("nodes stopped")
    if why_no_peer is not None:  # everything else ran, with local stand-ins for peer members
        pytest.skip(f"Fedify peer members not tested: {why_no_peer}")
