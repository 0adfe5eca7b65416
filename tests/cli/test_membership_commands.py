"""`coopfed member applications|admit|reject|leave|suspend|expel|rebind|export|principle|transfer`
through `main()`, on both databases."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from coopfed.cli import support
from coopfed.node import Node
from coopfed.services.members import ActorResolver
from coopfed.services.membership import ApplicationRequest, apply_for_membership
from coopfed.settings import load_settings
from coopfed.store.tables import outgoing_mail
from tests.cli.governance_support import Cli, write_config

ANN = "https://social.example/users/ann"
BEN = "https://social.example/users/ben"


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """`rebind` resolves the new actor (and stores it) through this; no request leaves."""

    def fake(node: Node) -> ActorResolver:
        async def resolve(reference: str) -> str:
            return reference

        return resolve

    monkeypatch.setattr(support, "make_resolver", fake)


@pytest.fixture
def cli(database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(write_config(database_url, tmp_path), capsys)


def _apply(cli: Cli, actor: str, member_class: str | None = None) -> None:
    async def go() -> None:
        node = Node.from_settings(load_settings(str(cli.config)))
        try:
            request = ApplicationRequest(
                actor, handle="acct:" + actor.rsplit("/", 1)[1] + "@social.example",
                requested_class=member_class, message="hi", join_activity_id=f"{actor}#join",
            )  # fmt: skip
            await apply_for_membership(node, request)
        finally:
            await node.close()

    asyncio.run(go())


def test_applications_admit_reject_and_the_member_life_cycle(cli: Cli, tmp_path: Path) -> None:
    _apply(cli, ANN, "worker")
    _apply(cli, BEN)
    waiting = cli.json("member", "applications")
    assert isinstance(waiting, list)
    assert [(a["actor"], a["class"], a["state"]) for a in waiting] == [
        (ANN, "worker", "pending"), (BEN, "member", "pending")
    ]  # fmt: skip
    admitted = cli.json("member", "admit", "ann@social.example", "--class", "consumer")
    assert isinstance(admitted, dict) and admitted["class"] == "consumer"
    assert admitted["shares"] == 1
    code, out, _ = cli("member", "reject", BEN, "--reason", "not yet")
    assert code == 0 and "rejected" in out
    assert cli.json("member", "applications") == []
    every = cli.json("member", "applications", "--all")
    assert isinstance(every, list)
    assert {(a["actor"], a["state"], a["reason"]) for a in every} == {
        (ANN, "admitted", ""), (BEN, "rejected", "not yet")
    }  # fmt: skip

    assert "needs the reason" in cli.refused("member", "suspend", ANN)
    suspended = cli.json("member", "suspend", ANN, "--reason", "unpaid dues")
    assert isinstance(suspended, dict) and suspended["status"] == "suspended"
    assert suspended["shares"] == 1  # a suspension keeps the shares
    moved = cli.json("member", "rebind", ANN, "https://other.example/users/ann")
    assert isinstance(moved, dict)
    assert "member" in cli.refused("member", "rebind", "nobody", "https://x.example/u")
    expelled = cli.json("member", "expel", moved["id"], "--reason", "assembly decision 12")
    assert isinstance(expelled, dict) and expelled["status"] == "expelled"
    assert expelled["shares"] == 0

    code, out, _ = cli("member", "export", moved["id"])
    exported = json.loads(out)
    assert exported["member"]["actor"] == "https://other.example/users/ann"
    kinds = [event["kind"] for event in exported["history"]]
    assert kinds == [
        "admitted", "shares_changed", "status_changed", "rebound", "status_changed",
        "shares_changed",
    ]  # fmt: skip
    assert exported["applications"][0]["message"] == "hi"
    assert "password" not in out


def test_principle_and_transfers(cli: Cli, tmp_path: Path) -> None:
    shown = cli.json("member", "principle")
    assert isinstance(shown, dict) and shown["version"] == 1
    document = {
        "classes": [
            {"name": "investor", "transferable": True, "shares_required": 1, "votes": False},
            {"name": "worker", "shares_required": 2, "nominal_value": "25.00"},
        ],
        "default_class": "worker",
    }
    path = tmp_path / "principle.json"
    path.write_text(json.dumps(document))
    updated = cli.json("member", "principle", "--set", str(path))
    assert isinstance(updated, dict) and updated["version"] == 2
    path.write_text('{"classes": []}')
    assert "non-empty" in cli.refused("member", "principle", "--set", str(path))

    _apply(cli, ANN, "investor")
    _apply(cli, BEN, "investor")
    cli("member", "admit", ANN)
    cli("member", "admit", BEN)
    assert "must keep at least 1" in cli.refused("member", "transfer", ANN, BEN, "--count", "1")
    assert "holds 1 share" in cli.refused("member", "transfer", ANN, BEN, "--count", "3")


def test_reinstate_set_class_issue_and_redeem(cli: Cli) -> None:
    cli.json("member", "add", ANN)
    assert "is active, not suspended" in cli.refused("member", "reinstate", ANN)
    cli.json("member", "suspend", ANN, "--reason", "unpaid dues")
    back = cli.json("member", "reinstate", ANN, "--reason", "paid")
    assert isinstance(back, dict) and back["status"] == "active"
    code, out, _ = cli("member", "set-class", ANN, "worker", "--reason", "hired")
    assert code == 0 and out.strip().endswith("(worker, active)")
    assert "unknown member class 'emperor'" in cli.refused("member", "set-class", ANN, "emperor")
    issued = cli.json("member", "issue", ANN, "--count", "3", "--reason", "bought 3")
    assert isinstance(issued, dict) and issued["shares"] == 3
    code, out, _ = cli("member", "redeem", ANN, "--count", "2", "--reason", "paid back")
    assert code == 0 and "2 share(s) redeemed" in out and "holds 1" in out
    assert "holds 1 share" in cli.refused("member", "redeem", ANN, "--count", "4", "--reason", "x")
    assert "reason recorded" in cli.refused("member", "issue", ANN, "--count", "1", "--reason", "")
    shown = cli.json("member", "show", ANN)
    assert isinstance(shown, dict)
    kinds = [(event["kind"], event["detail"].get("reason")) for event in shown["history"]]
    assert ("status_changed", "paid") in kinds and ("class_changed", "hired") in kinds


def _queued_mail(cli: Cli) -> list[tuple[str, str, str]]:
    async def go() -> list[tuple[str, str, str]]:
        node = Node.from_settings(load_settings(str(cli.config)))
        try:
            async with node.engine.connect() as conn:
                query = select(outgoing_mail).order_by(outgoing_mail.c.id)
                rows = (await conn.execute(query)).mappings().all()
            return [(r["to_address"], r["subject"], r["text_body"]) for r in rows]
        finally:
            await node.close()

    return asyncio.run(go())


def _web_apply(cli: Cli, username: str, email: str) -> None:
    async def go() -> None:
        node = Node.from_settings(load_settings(str(cli.config)))
        try:
            request = ApplicationRequest(
                node.uris.actor(username), handle=username, source="web", email=email
            )
            await apply_for_membership(node, request)
        finally:
            await node.close()

    asyncio.run(go())


def test_admit_and_reject_tell_a_web_applicant_by_email(cli: Cli) -> None:
    _web_apply(cli, "cleo", "cleo@example.org")
    _web_apply(cli, "dan", "dan@example.org")
    waiting = cli.json("member", "applications")
    assert isinstance(waiting, list)
    assert [(a["handle"], a["email"], a["contact_actor"]) for a in waiting] == [
        ("cleo", "cleo@example.org", None), ("dan", "dan@example.org", None)
    ]  # fmt: skip
    code, _, _ = cli("member", "reject", "cleo", "--reason", "no bakers needed")
    assert code == 0
    assert cli.json("member", "admit", "dan") is not None
    [(to_cleo, rejected, why), (to_dan, admitted, welcome)] = _queued_mail(cli)
    assert (to_cleo, rejected) == ("cleo@example.org", "Your application was not accepted")
    assert "The reason given: no bakers needed" in why
    assert (to_dan, admitted) == ("dan@example.org", "Your application was accepted")
    assert "/sign-in" in welcome and "username dan" in welcome
