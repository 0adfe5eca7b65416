"""Granting, listing and revoking proxies: the charter's switch, cap and class decide."""

from __future__ import annotations

from datetime import timedelta

import pytest

from coopfed.governance.charter import Charter
from coopfed.governance.members import MemberStatus
from coopfed.governance.proxies import ProxyPolicy
from coopfed.node import Node
from coopfed.services import members, proposals
from coopfed.services.errors import NotFound, ServiceError
from coopfed.services.proxies import grant_proxy, list_proxies, revoke_proxy
from tests.support.governance import add_locals, open_yes_no, use_clock

ALLOWED = Charter(proxies=ProxyPolicy(allowed=True, cap_per_holder=2))


async def test_proxies_are_refused_unless_the_charter_allows_them(node: Node) -> None:
    use_clock(node)
    await add_locals(node, "alice", "bob")
    with pytest.raises(ServiceError, match="the charter does not allow proxies"):
        await grant_proxy(node, "alice", "bob")
    assert await list_proxies(node) == []


async def test_a_grant_at_the_cap_is_refused_naming_the_holder_and_the_cap(node: Node) -> None:
    clock = use_clock(node)
    await add_locals(node, "alice", "bob", "carol", "dan")
    await proposals.set_charter(node, ALLOWED)
    first = await grant_proxy(node, "alice", "bob")
    second = await grant_proxy(node, "carol", "bob", until=clock.now + timedelta(days=7))
    with pytest.raises(ServiceError) as refused:
        await grant_proxy(node, "dan", "bob")
    assert str(refused.value) == "bob already holds 2 proxies, the charter's cap per holder"
    listed = await list_proxies(node, active_only=True)
    assert [v.stored for v in listed] == [first.stored, second.stored]
    assert (first.grantor_handle, first.holder_handle) == ("alice", "bob")


async def test_a_one_proposal_grant_follows_that_proposals_charter(node: Node) -> None:
    use_clock(node)
    await add_locals(node, "alice", "bob", "carol")
    record = await open_yes_no(node)  # opened under the default charter: no proxies
    await proposals.set_charter(node, ALLOWED)
    with pytest.raises(ServiceError, match="does not allow proxies"):
        await grant_proxy(node, "alice", "bob", proposal=record.slug)
    later = await open_yes_no(node, title="Paint the shed")
    view = await grant_proxy(node, "alice", "bob", proposal=later.uri)
    assert view.grant.proposal_id == later.uri
    with pytest.raises(ServiceError, match="alice has already granted a proxy for this"):
        await grant_proxy(node, "alice", "carol", proposal=later.slug)
    # Grants for two different proposals do not overlap.
    other = await open_yes_no(node, title="Plant a hedge")
    await grant_proxy(node, "alice", "carol", proposal=other.slug)
    # Once both votes are over, their grants no longer count: an open-ended one may follow.
    for done in (later, other):
        await proposals.close_proposal(node, done.slug, closed_by="admin")
    with pytest.raises(ServiceError, match="is decided: no proxy"):
        await grant_proxy(node, "alice", "carol", proposal=later.slug)
    await grant_proxy(node, "alice", "carol")
    assert len(await list_proxies(node, "alice", active_only=True)) == 1


async def test_same_class_charters_refuse_a_holder_of_another_class(node: Node) -> None:
    use_clock(node)
    await members.define_member_class(node, "investor")
    await add_locals(node, "alice", "bob")
    await add_locals(node, "ivan", member_class="investor")
    await proposals.set_charter(node, Charter(proxies=ProxyPolicy(allowed=True, same_class=True)))
    with pytest.raises(ServiceError, match="same class"):
        await grant_proxy(node, "alice", "ivan")
    await grant_proxy(node, "alice", "bob")


async def test_bad_grants_are_refused_and_nothing_is_stored(node: Node) -> None:
    clock = use_clock(node)
    await add_locals(node, "alice", "bob")
    await proposals.set_charter(node, ALLOWED)
    with pytest.raises(ServiceError, match="her own proxy"):
        await grant_proxy(node, "alice", "alice")
    with pytest.raises(ServiceError, match="after it is granted"):
        await grant_proxy(node, "alice", "bob", until=clock.now - timedelta(days=1))
    with pytest.raises(NotFound, match="no member"):
        await grant_proxy(node, "alice", "nobody")
    with pytest.raises(NotFound, match="no proposal"):
        await grant_proxy(node, "alice", "bob", proposal="nope")
    await members.change_status(node, "bob", MemberStatus.SUSPENDED)
    with pytest.raises(ServiceError, match="suspended and cannot hold"):
        await grant_proxy(node, "alice", "bob")
    assert await list_proxies(node) == []


async def test_revoking_ends_a_grant_once_and_frees_the_cap(node: Node) -> None:
    clock = use_clock(node)
    await add_locals(node, "alice", "bob", "carol", "dan")
    await proposals.set_charter(node, ALLOWED)
    first = await grant_proxy(node, "alice", "bob")
    await grant_proxy(node, "carol", "bob")
    with pytest.raises(NotFound):
        await revoke_proxy(node, first.stored.row_id, by="dan")  # neither grantor nor holder
    clock.advance(minutes=1)
    revoked = await revoke_proxy(node, first.stored.row_id, by="alice")
    assert revoked.stored.revoked_at == clock.now
    with pytest.raises(ServiceError, match="already revoked"):
        await revoke_proxy(node, first.stored.row_id)
    await grant_proxy(node, "dan", "bob")
    of_alice = await list_proxies(node, "alice")
    assert [v.stored.row_id for v in of_alice] == [first.stored.row_id]
    assert await list_proxies(node, "alice", active_only=True) == []
