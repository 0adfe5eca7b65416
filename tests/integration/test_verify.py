"""`coopfed verify URL` against a real `coopfed serve` process, over real HTTP, on SQLite and
on PostgreSQL.

An honest result verifies; each kind of tampering behind the node's back (plain SQL on the
node's own database) is named.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.support.databases import BACKENDS, PostgresDatabases, sqlite_url
from tests.support.processes import coopfed, free_port, running

pytestmark = pytest.mark.slow


@dataclass
class Node:
    base: str
    cwd: Path
    proposal: str
    receipts: list[str]  # the lines `coopfed vote` printed: "counted: receipt HASH"
    database_url: str

    def verify(self, *extra: str) -> subprocess.CompletedProcess[str]:
        return coopfed("verify", self.proposal, *extra, cwd=self.cwd)

    def sql(self, statement: str, **params: object) -> list[tuple[object, ...]]:
        """One statement on the node's database behind its back; the rows it returned.
        A write must touch at least one row."""

        async def run() -> list[tuple[object, ...]]:
            engine = create_async_engine(self.database_url)
            try:
                async with engine.begin() as conn:
                    result = await conn.execute(text(statement), params)
                    if result.returns_rows:
                        return [tuple(row) for row in result]
                    assert result.rowcount >= 1, statement
                    return []
            finally:
                await engine.dispose()

        return asyncio.run(run())


def _ok(*args: str, cwd: Path) -> str:
    done = coopfed(*args, cwd=cwd)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _decided(cwd: Path) -> tuple[str, list[str]]:
    for name in ("alice", "bob", "carol"):
        _ok("member", "add", "--local", name, cwd=cwd)
    created = json.loads(
        _ok("proposal", "create", "--title", "Cargo bike", "--method", "proposal",
            "--duration", "3d", "--open", "--json", cwd=cwd)
    )  # fmt: skip
    receipts = []
    for name, choice in (("alice", "yes"), ("bob", "yes"), ("carol", "no")):
        out = _ok("vote", created["id"], "--member", name, "--choice", choice, cwd=cwd)
        receipts.append(out.strip())
    _ok("proposal", "close", created["id"], cwd=cwd)
    return created["id"], receipts


@pytest.fixture(params=BACKENDS)
def node(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_databases: PostgresDatabases
) -> Iterator[Node]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    init = ["init", "--url", base, "--name", "Demo Co-op", "--handle", "demo"]
    if request.param == "postgres":  # a clone of the session's migrated template
        url = asyncio.run(postgres_databases.fresh())
        init += ["--database-url", url]
    else:
        url = sqlite_url(tmp_path / "data")
    _ok(*init, cwd=tmp_path)
    proposal, receipts = _decided(tmp_path)
    with running("serve", cwd=tmp_path, log=tmp_path / "serve.log", health_url=f"{base}/healthz"):
        yield Node(base, tmp_path, proposal, receipts, url)


def _report(done: subprocess.CompletedProcess[str]) -> dict[str, object]:
    report: dict[str, object] = json.loads(done.stdout)
    return report


def test_an_honest_result_verifies(node: Node) -> None:
    done = node.verify("--json")
    assert done.returncode == 0, done.stdout + done.stderr
    report = _report(done)
    assert report["verified"] is True and report["differences"] == []
    names = {check["name"] for check in report["checks"]}  # type: ignore[attr-defined]
    expected = {"ballot_chain", "electorate_hash_question", "result_hash", "tally"}
    assert expected | {"proof_question", "proof_record"} <= names
    plain = node.verify()
    assert plain.returncode == 0 and plain.stdout.startswith("verified: ")


def test_an_altered_ballot_is_named(node: Node) -> None:
    node.sql("UPDATE ballots SET choice = '\"no\"' WHERE position = 0")
    done = node.verify("--json")
    assert done.returncode == 1, done.stderr
    assert any("ballot log entry 0" in d for d in _report(done)["differences"])  # type: ignore[attr-defined]


def test_a_removed_ballot_is_named(node: Node) -> None:
    node.sql("DELETE FROM ballots WHERE position = 2")
    done = node.verify("--json")
    assert done.returncode == 1, done.stderr
    differences = _report(done)["differences"]
    assert any(d.startswith("log_head") for d in differences), differences  # type: ignore[attr-defined]


def test_a_changed_electorate_is_named(node: Node) -> None:
    [(stored,)] = node.sql("SELECT electorate FROM proposals")
    electorate = json.loads(str(stored))
    electorate["members"] = electorate["members"][:-1]  # one voter struck off the roll
    electorate["size"] -= 1
    node.sql("UPDATE proposals SET electorate = :e", e=json.dumps(electorate))
    done = node.verify("--json")
    assert done.returncode == 1, done.stderr
    differences = _report(done)["differences"]
    assert any(d.startswith("electorate_hash_result") for d in differences), differences  # type: ignore[attr-defined]


def test_an_edited_result_record_is_named(node: Node) -> None:
    node.sql("UPDATE proposals SET result = replace(result, '\"passed\"', '\"rejected\"')")
    done = node.verify("--json")
    assert done.returncode == 1, done.stderr
    differences = _report(done)["differences"]
    assert any(d.startswith("result_hash") for d in differences), differences  # type: ignore[attr-defined]
    assert any(d.startswith("tally.status") for d in differences), differences  # type: ignore[attr-defined]


def test_a_proof_by_the_wrong_key_is_named(node: Node) -> None:
    """The node signs with a key its actor does not publish (a stolen or swapped key)."""
    other = Ed25519PrivateKey.generate().private_bytes(
        Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()
    )
    swap = "UPDATE local_actors SET ed25519_private_pem = :pem WHERE username = 'demo'"
    node.sql(swap, pem=other.decode())
    done = node.verify("--json")
    assert done.returncode == 1, done.stderr
    differences = _report(done)["differences"]
    for name in ("proof_question", "proof_record"):
        assert any(d.startswith(f"{name}: the proof does not verify") for d in differences)  # type: ignore[attr-defined]


def test_receipts_found_and_a_made_up_one_not(node: Node) -> None:
    """Each voter pastes the line `coopfed vote` printed, or just its hash; several at once."""
    hashes = [line.split("receipt ")[1] for line in node.receipts]
    assert all(line.startswith("counted: receipt ") for line in node.receipts)
    for line, bare in zip(node.receipts, hashes, strict=True):
        assert node.verify("--receipt", line).returncode == 0
        assert node.verify("--receipt", bare).returncode == 0
    every = [arg for line in node.receipts for arg in ("--receipt", line)]
    done = node.verify(*every, "--json")
    assert done.returncode == 0, done.stdout
    found = [c["detail"] for c in _report(done)["checks"] if c["name"] == "receipt"]  # type: ignore[attr-defined]
    assert found == [f"{h} is in the ballot log" for h in hashes]
    made_up = node.verify("--receipt", node.receipts[0], "--receipt", "f" * 64)
    assert made_up.returncode == 1
    assert made_up.stdout.splitlines()[1:] == [f"  receipt: {'f' * 64} is not in the ballot log"]


def test_could_not_check_is_exit_2_with_one_line(node: Node) -> None:
    for url in ("not a url", f"{node.base}/proposals/nope", "http://127.0.0.1:1/proposals/x"):
        done = coopfed("verify", url, cwd=node.cwd)
        assert done.returncode == 2, (url, done.stdout, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_a_member_leaving_after_the_decision_changes_nothing(node: Node) -> None:
    """Regression: the bundle listed the members who had left as of the request, so with
    `revoke_ballot_on_leave` a leave after the close set that member's ballot aside in the
    recount and an honest result stopped verifying. The list is now kept with the result."""
    charter = node.cwd / "charter.json"
    charter.write_text(json.dumps({"revoke_ballot_on_leave": True}))
    _ok("charter", "set", str(charter), cwd=node.cwd)
    created = json.loads(
        _ok("proposal", "create", "--title", "Roof garden", "--method", "proposal",
            "--duration", "3d", "--open", "--json", cwd=node.cwd)
    )  # fmt: skip
    for name, choice in (("alice", "yes"), ("bob", "no"), ("carol", "no")):
        _ok("vote", created["id"], "--member", name, "--choice", choice, cwd=node.cwd)
    closed = json.loads(_ok("proposal", "close", created["id"], "--json", cwd=node.cwd))
    assert closed["result"]["counts"]["no"] == 2
    _ok("member", "leave", "carol", cwd=node.cwd)  # after the close: her ballot stays counted
    [(departed,)] = node.sql("SELECT departed FROM proposals WHERE uri = :u", u=created["id"])
    assert departed == "[]"
    done = coopfed("verify", created["id"], "--json", cwd=node.cwd)
    assert done.returncode == 0, done.stdout + done.stderr
    tally = [c for c in _report(done)["checks"] if c["name"] == "tally"]  # type: ignore[attr-defined]
    assert tally == [{"name": "tally", "ok": True, "detail": "recounted: rejected"}]


def test_a_result_with_proxy_ballots_verifies_and_a_swapped_holder_is_named(node: Node) -> None:
    """Issue 18: B votes for A and for herself, A then votes herself; the log holds "B for A"
    and the recount from the published log is the node's. Naming another holder behind the
    node's back breaks the chain."""
    charter = node.cwd / "charter.json"
    charter.write_text(json.dumps({"proxies": {"allowed": True, "cap_per_holder": 2}}))
    _ok("charter", "set", str(charter), cwd=node.cwd)
    created = json.loads(
        _ok("proposal", "create", "--title", "Solar roof", "--method", "proposal",
            "--duration", "3d", "--open", "--json", cwd=node.cwd)
    )  # fmt: skip
    _ok("proxy", "grant", "alice", "bob", "--proposal", created["id"], cwd=node.cwd)
    by_proxy = _ok("vote", created["id"], "--member", "bob", "--on-behalf-of", "alice",
                   "--choice", "yes", cwd=node.cwd).strip()  # fmt: skip
    assert by_proxy.startswith("counted (bob for alice): receipt ")
    _ok("vote", created["id"], "--member", "bob", "--choice", "yes", cwd=node.cwd)
    _ok("vote", created["id"], "--member", "alice", "--choice", "no", cwd=node.cwd)
    closed = json.loads(_ok("proposal", "close", created["id"], "--json", cwd=node.cwd))
    assert closed["result"]["turnout"] == 2 and closed["result"]["counts"]["no"] == 1
    done = coopfed("verify", created["id"], "--receipt", by_proxy, "--json", cwd=node.cwd)
    assert done.returncode == 0, done.stdout + done.stderr
    names = [c["name"] for c in _report(done)["checks"]]  # type: ignore[attr-defined]
    assert {"ballot_chain", "tally", "receipt"} <= set(names)
    [(holder,)] = node.sql("SELECT cast_by FROM ballots WHERE cast_by IS NOT NULL")
    [(carol,)] = node.sql("SELECT member_id FROM members WHERE handle = 'carol'")
    assert holder != carol
    node.sql("UPDATE ballots SET cast_by = :c WHERE cast_by IS NOT NULL", c=carol)
    tampered = coopfed("verify", created["id"], "--json", cwd=node.cwd)
    assert tampered.returncode == 1, tampered.stderr
    differences = _report(tampered)["differences"]
    assert any("ballot log entry 0" in d for d in differences), differences  # type: ignore[attr-defined]
