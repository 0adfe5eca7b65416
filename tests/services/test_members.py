"""Admitting local and remote members, finding them, status changes and history."""

from __future__ import annotations

import asyncio

import pytest

from coopfed.governance.members import MemberStatus
from coopfed.node import Node
from coopfed.services import members
from coopfed.services.errors import NotFound, ServiceError
from coopfed.store import actors as actor_store
from coopfed.store import members as member_store

REMOTE = "https://social.example/users/bob"


async def fake_resolver(reference: str) -> str:
    if reference in ("acct:bob@social.example", "bob@social.example", REMOTE):
        return REMOTE
    raise ServiceError(f"cannot resolve {reference}")


async def test_local_member_gets_a_person_actor_without_an_account(node: Node) -> None:
    record = await members.add_member(node, local_username="alice", member_class="worker")
    assert record.actor_uri == "http://coop.test/actors/alice"
    assert record.member.member_class == "worker" and record.member.shares == 1
    assert record.member.status is MemberStatus.ACTIVE and len(record.member_id) == 10
    async with node.engine.connect() as conn:
        actor = await actor_store.get_local_actor(conn, "alice")
        assert actor is not None and actor.kind == "person"
        assert await actor_store.get_account(conn, "alice") is None


async def test_remote_member_is_resolved_by_the_injected_resolver(node: Node) -> None:
    record = await members.add_member(
        node, "acct:bob@social.example", resolver=fake_resolver, shares=3
    )
    assert record.actor_uri == REMOTE and record.handle == "acct:bob@social.example"
    assert record.member.shares == 3
    for reference in (record.member_id, REMOTE, "acct:bob@social.example", "bob@social.example"):
        found, events = await members.find_member(node, reference)
        assert found.member_id == record.member_id
    assert [event.kind for event in events] == ["admitted"]
    assert events[0].detail == {"actor": REMOTE, "class": "member", "shares": 3}


async def test_acct_without_a_resolver_and_garbage_are_refused(node: Node) -> None:
    with pytest.raises(ServiceError, match="WebFinger"):
        await members.add_member(node, "acct:bob@social.example")
    with pytest.raises(ServiceError, match="neither"):
        await members.add_member(node, "not a handle")
    with pytest.raises(ServiceError, match="either"):
        await members.add_member(node)
    with pytest.raises(ServiceError, match="valid username"):
        await members.add_member(node, local_username="Not Valid")
    assert await members.list_members(node) == []


async def test_unknown_class_is_refused_until_the_coop_defines_it(node: Node) -> None:
    with pytest.raises(ServiceError, match="unknown member class 'patron'"):
        await members.add_member(node, local_username="carol", member_class="patron")
    classes = await members.define_member_class(node, "patron")
    assert "patron" in classes and "worker" in classes
    record = await members.add_member(node, local_username="carol", member_class="patron")
    assert record.member.member_class == "patron"


async def test_bad_shares_and_the_coop_actor_are_refused(node: Node) -> None:
    with pytest.raises(ServiceError, match="shares"):
        await members.add_member(node, local_username="dave", shares=-1)
    with pytest.raises(ServiceError, match="coop actor"):
        await members.add_member(node, local_username="testcoop")


async def test_one_actor_is_one_member_and_a_readmission_keeps_the_id(node: Node) -> None:
    first = await members.add_member(node, local_username="erin")
    with pytest.raises(ServiceError, match="already member"):
        await members.add_member(node, local_username="erin")
    left = await members.change_status(node, "erin", MemberStatus.LEFT)
    assert left.member.status is MemberStatus.LEFT and left.left_at is not None
    again = await members.add_member(node, local_username="erin")
    assert again.member_id == first.member_id and again.member.status is MemberStatus.ACTIVE
    assert again.left_at is None
    _, events = await members.find_member(node, "erin")
    assert [event.kind for event in events] == ["admitted", "status_changed", "readmitted"]
    assert len(await members.list_members(node)) == 1


async def test_unknown_member_is_not_found(node: Node) -> None:
    with pytest.raises(NotFound, match="no member 'nobody'"):
        await members.find_member(node, "nobody")


async def test_first_members_added_at_once_seed_the_default_classes_once(node: Node) -> None:
    # Regression: two admins adding the first members of a new co-op at the same moment both
    # seeded the default classes and the second add failed (unique member_classes name).
    added = await asyncio.gather(
        *(members.add_member(node, local_username=name) for name in ("ann", "ben", "cy"))
    )
    assert sorted(r.actor_uri.rsplit("/", 1)[1] for r in added) == ["ann", "ben", "cy"]
    async with node.engine.connect() as conn:
        coop = await members.coop_actor(conn)
        classes = await member_store.class_names(conn, coop.id)
    assert classes is not None and classes.names == members.DEFAULT_CLASSES
