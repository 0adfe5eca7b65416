"""Three co-ops on three coopfed processes (127.0.0.2/3/4) co-govern shared projects.

They form alliances, A hosts two projects with B and C (`coop_majority:1/2` and `unanimity`),
members vote on their own nodes with `coopfed vote`, certificates roll up, and all three nodes
show the same joint result (GOVERNANCE.md: A and B pass, C rejects → passed under coop
majority, rejected under unanimity). Then C is stopped while a joint proposal is open: after the
grace period it "did not take part"; when it comes back its late certificate arrives and changes
nothing, and it shows the same result as the others.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from tests.support.databases import BACKENDS, PostgresDatabases
from tests.support.processes import coopfed, free_port, running

pytestmark = pytest.mark.slow

HOSTS = ("127.0.0.2", "127.0.0.3", "127.0.0.4")


@dataclass
class CoopNode:
    name: str
    host: str
    port: int
    root: Path
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def actor(self) -> str:
        return f"{self.base}/actors/{self.name}"

    def cli(self, *args: str) -> str:
        result = coopfed(*args, cwd=self.root, env=self.env)
        assert result.returncode == 0, f"{self.name} {args}: {result.stderr}"
        return result.stdout

    def json(self, *args: str) -> Any:
        return json.loads(self.cli(*args, "--json"))


def wait_for(what: str, check: Callable[[], Any], timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def make_nodes(tmp_path: Path, database_urls: list[str | None]) -> list[CoopNode]:
    nodes = [
        CoopNode(f"coop{letter}", host, free_port(host), tmp_path / letter)
        for letter, host in zip("abc", HOSTS, strict=True)
    ]
    allowed = ",".join(f"{n.host}:{n.port}" for n in nodes)
    for node, url in zip(nodes, database_urls, strict=True):
        node.root.mkdir()
        node.env = {
            "PATH": "/usr/bin:/bin",
            "COOPFED_FEDERATION__ALLOW_PRIVATE_ADDRESSES": allowed,
            "COOPFED_FEDERATION__ALLOW_HTTP": "true",
            "COOPFED_WORKER__POLL_INTERVAL": "0.1",
            "COOPFED_WORKER__RETRY_TIME_SCALE": "0.005",
        }
        extra = ["--database-url", url] if url else []
        node.cli("init", "--url", node.base, "--name", node.name.upper(), "--handle", node.name,
                 *extra)  # fmt: skip
    return nodes


def start(node: CoopNode, stack: ExitStack) -> None:
    log = node.root / "serve.log"
    node.process = stack.enter_context(
        running(
            "serve",
            "--host",
            node.host,
            "--port",
            str(node.port),
            cwd=node.root,
            log=log,
            env=node.env,
            health_url=f"{node.base}/healthz",
        )
    )


def stop(node: CoopNode) -> None:
    assert node.process is not None
    node.process.terminate()
    node.process.wait(timeout=15)


def ally(a: CoopNode, *others: CoopNode) -> None:
    for other in others:
        a.cli("ally", "offer", other.actor)
    for other in others:
        wait_for(f"{other.name} sees the offer", partial(other.json, "ally", "list"))
        other.cli("ally", "accept", a.actor)
    wait_for(
        "alliances active",
        lambda: (
            all(x["state"] == "active" for x in a.json("ally", "list"))
            and len(a.json("ally", "list")) == len(others)
        ),
    )


def invited(node: CoopNode, project: str) -> bool:
    return any(p["project"] == project for p in node.json("project", "invitations"))


def share_project(a: CoopNode, handle: str, rule: str, others: tuple[CoopNode, ...]) -> str:
    project = a.cli("project", "create", handle, "--name", handle.title(), "--rule", rule,
                    "--grace", "3s").strip()  # fmt: skip
    for other in others:
        a.cli("project", "invite", handle, other.actor)
    for other in others:
        wait_for(f"{other.name} invited", partial(invited, other, project))
        other.cli("project", "accept", project)
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


def vote(node: CoopNode, proposal: str, choices: dict[str, str]) -> None:
    """Members vote on their own node, each with `coopfed vote` (run side by side)."""
    with ThreadPoolExecutor(len(choices)) as pool:
        calls = [
            pool.submit(node.cli, "vote", proposal, "--member", member, "--choice", choice)
            for member, choice in choices.items()
        ]
        for call in calls:
            call.result()


def vote_everywhere(jobs: list[tuple[CoopNode, str]]) -> None:
    """On each node, as soon as its linked proposal for the joint one is open, members vote."""

    def linked_vote(node: CoopNode, joint: str) -> None:
        vote(node, linked(node, joint), VOTES[node.name])

    with ThreadPoolExecutor(len(jobs)) as pool:
        for call in [pool.submit(linked_vote, n, j) for n, j in jobs]:
            call.result()


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


VOTES = {  # A passes (2 of 3), B passes, C rejects
    "coopa": {"a1": "yes", "a2": "yes", "a3": "no"},
    "coopb": {"b1": "yes", "b2": "yes"},
    "coopc": {"c1": "no", "c2": "no"},
}


def add_members(nodes: list[CoopNode]) -> None:
    for node in nodes:
        for member in VOTES[node.name]:
            node.cli("member", "add", "--local", member)


def run_scenario(tmp_path: Path, urls: list[str | None]) -> None:
    nodes = make_nodes(tmp_path, urls)
    a, b, c = nodes
    add_members(nodes)
    with ExitStack() as stack:
        for node in nodes:
            start(node, stack)
        ally(a, b, c)
        river = share_project(a, "river", "coop_majority:1/2", (b, c))
        lake = share_project(a, "lake", "unanimity", (b, c))
        assert river != lake
        joints = {"river": propose(a, "river", "Build the bridge", "60s"),
                  "lake": propose(a, "lake", "Build the dam", "60s")}  # fmt: skip
        vote_everywhere([(n, j) for n in nodes for j in joints.values()])
        expected = {"river": "passed", "lake": "rejected"}
        for name, joint in joints.items():
            views = [decided(node, joint) for node in nodes]
            assert {v["status"] for v in views} == {expected[name]}
            assert all(v["result"] == views[0]["result"] for v in views)
            assert sorted(views[0]["took_part"]) == sorted(n.actor for n in nodes)
            assert views[0]["took_part"][c.actor] == "rejected"
            assert views[0]["did_not_take_part"] == {}

        # C stops while a joint proposal is open: after the grace period it did not take part.
        joint = propose(a, "river", "Paint the bridge", "30s")
        linked_c = linked(c, joint)
        stop(c)
        vote_everywhere([(node, joint) for node in (a, b)])
        before = [decided(node, joint) for node in (a, b)]
        assert {v["status"] for v in before} == {"passed"}  # 2 of 3 > 1/2 of all co-ops
        assert before[0]["did_not_take_part"] == {c.actor: "missing"}
        start(c, stack)  # its worker closes the linked proposal and sends a late certificate
        after_c = decided(c, joint, timeout=60)
        assert after_c["result"] == before[0]["result"]
        wait_for(
            "C's late certificate is sent",
            lambda: c.json("proposal", "show", linked_c)["status"] == "decided",
        )
        time.sleep(2)  # let the late certificate reach A: it must change nothing
        assert joint_status(a, joint)["result"] == before[0]["result"]


@pytest.mark.parametrize("backend", BACKENDS)
async def test_three_coops_share_projects(backend: str, tmp_path: Path) -> None:
    urls: list[str | None] = [None, None, None]
    if backend == "postgres":
        databases = PostgresDatabases()
        try:
            urls = [await databases.fresh() for _ in HOSTS]
            run_scenario(tmp_path, urls)
        finally:
            await databases.drop_all()
        return
    run_scenario(tmp_path, urls)
