"""Resolving and storing remote actors (`services.remote_coops`), against the stub fediverse
server: a member bound by URL or acct: is reachable by deliveries before they ever write."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from coopfed.governance.members import MemberStatus
from coopfed.node import Node
from coopfed.services import members, proposals
from coopfed.services.errors import ServiceError
from coopfed.services.member_lifecycle import end_membership
from coopfed.services.proposals import ProposalDraft
from coopfed.services.remote_coops import storing_resolver
from coopfed.settings import Settings
from coopfed.store import remote_actors as remote_store
from coopfed.store.tables import deliveries, outbox_activities
from tests.conftest import make_settings
from tests.support.fediverse import FediverseServer

HOST = "127.0.0.2"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(database_url, tmp_path, federation={"allow_private_addresses": [HOST]})


@pytest.fixture(scope="module")
def remote() -> Iterator[FediverseServer]:
    with FediverseServer(host=HOST, actors_names=("alice", "bob"), shared_inbox=False) as server:
        yield server


async def _inboxes_of(node: Node, activity_type: str) -> list[str]:
    query = (
        select(deliveries.c.inbox)
        .join(outbox_activities, outbox_activities.c.id == deliveries.c.activity_id)
        .where(outbox_activities.c.type == activity_type)
        .order_by(deliveries.c.inbox)
    )
    async with node.engine.connect() as conn:
        return list((await conn.execute(query)).scalars())


async def test_members_added_by_url_or_acct_get_members_only_proposals(
    node: Node, remote: FediverseServer
) -> None:
    # Regression: a remote member added by URL or acct: who never followed, joined or voted
    # had no stored actor, so the members-only Create(Question) found no inbox for them and
    # was silently not delivered.
    alice, bob = remote.actor("alice"), remote.actor("bob")
    resolver = storing_resolver(node)
    await members.add_member(node, alice.uri, resolver=resolver)
    added = await members.add_member(node, f"acct:bob@{HOST}:{remote.port}", resolver=resolver)
    assert added.actor_uri == bob.uri
    async with node.engine.connect() as conn:
        stored = await remote_store.get_by_uri(conn, alice.uri)
    assert stored is not None and stored.inbox == alice.inbox
    draft = ProposalDraft(
        title="Members only", method="proposal", duration=timedelta(days=1), visibility="members"
    )
    await proposals.create_proposal(node, draft, open_now=True)
    assert await _inboxes_of(node, "Create") == sorted([alice.inbox, bob.inbox])


async def test_an_actor_that_cannot_be_fetched_is_not_admitted(
    node: Node, remote: FediverseServer
) -> None:
    missing = f"{remote.origin}/users/nobody"
    with pytest.raises(ServiceError, match="cannot resolve"):
        await members.add_member(node, missing, resolver=storing_resolver(node))
    assert await members.list_members(node) == []


async def test_our_own_handle_binds_a_member_only_to_a_person_that_exists(node: Node) -> None:
    """Trial: `member add acct:zed@our.host` admitted a member bound to an actor that answered
    404 (nobody could sign in as it), and `acct:testcoop@our.host` made the co-op a member of
    itself."""
    resolver = storing_resolver(node)
    own_host = node.uris.base.split("://", 1)[1]
    with pytest.raises(ServiceError, match=r"no account on this node: .*--local zed"):
        await members.add_member(node, f"acct:zed@{own_host}", resolver=resolver)
    with pytest.raises(ServiceError, match="is the coop actor, not a person"):
        await members.add_member(node, node.uris.actor("testcoop"), resolver=resolver)
    assert await members.list_members(node) == []
    erin = await members.add_member(node, local_username="erin")
    await end_membership(node, erin.member_id, MemberStatus.LEFT, reason="", decided_by="test")
    again = await members.add_member(node, f"acct:erin@{own_host}", resolver=resolver)
    assert again.actor_uri == node.uris.actor("erin")
