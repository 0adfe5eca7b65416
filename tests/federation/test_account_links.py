"""Linking a fediverse account over ActivityPub, end to end inside one node: a signed direct
message with the member's code links the sender (answered privately through the outbox), and
that account's poll votes are then the member's one ballot."""

from __future__ import annotations

import json
from typing import Any

import httpx
from sqlalchemy import select

from coopfed.node import Node
from coopfed.services import members
from coopfed.services.account_links import issue_code
from coopfed.services.proposals import tally_proposal
from coopfed.services.votes import VoteStatus, cast_vote
from coopfed.store import ballots as ballot_store
from coopfed.store.tables import deliveries, outbox_activities
from tests.federation.inbox_support import COOP, new_id, send_and_process
from tests.federation.test_proposal_votes import vote
from tests.support.fediverse import FediverseServer, TestActor
from tests.support.governance import open_yes_no


def direct_message(actor: TestActor, text: str, to: str = COOP) -> dict[str, Any]:
    """Mastodon's shape of a direct message ("private mention") to the co-op."""
    note_id = new_id(actor, "statuses")
    content = (
        f'<p><span class="h-card" translate="no"><a href="{COOP}" class="u-url mention">'
        f"@<span>testcoop</span></a></span> {text}</p>"
    )
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{note_id}/activity",
        "type": "Create",
        "actor": actor.uri,
        "to": [to],
        "cc": [],
        "object": {
            "id": note_id,
            "type": "Note",
            "attributedTo": actor.uri,
            "to": [to],
            "cc": [],
            "content": content,
            "tag": [{"type": "Mention", "href": to, "name": "@testcoop@coop.test"}],
        },
    }


async def _notes(node: Node) -> list[tuple[dict[str, Any], list[str]]]:
    async with node.engine.connect() as conn:
        query = select(outbox_activities).where(outbox_activities.c.type == "Create")
        found = []
        for row in (await conn.execute(query.order_by(outbox_activities.c.id))).mappings():
            body = json.loads(row["body"])
            if body["object"]["type"] != "Note":
                continue
            inboxes = select(deliveries.c.inbox).where(deliveries.c.activity_id == row["id"])
            found.append((body, list((await conn.execute(inboxes)).scalars())))
        return found


async def test_a_direct_message_with_the_code_links_and_votes_count_as_the_members(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    bea = await members.add_member(node, local_username="bea")
    code = (await issue_code(node, "bea")).code
    outcome = await send_and_process(client, node, alice, direct_message(alice, code))
    assert outcome.startswith("done: link linked")
    ((reply, inboxes),) = await _notes(node)
    assert reply["to"] == [alice.uri] and reply["object"]["to"] == [alice.uri]
    assert reply["cc"] == [] and reply["actor"] == COOP
    assert "Linked:" in reply["object"]["content"]
    assert inboxes == [f"{remote_fresh.origin}/inbox"]
    record = await open_yes_no(node)
    local = await cast_vote(node, record.slug, bea.actor_uri, "no")
    assert local.status is VoteStatus.COUNTED
    assert (await send_and_process(client, node, alice, vote(alice, record.uri, "yes"))).startswith(
        "done: vote replaced"
    )
    async with node.engine.connect() as conn:
        log = await ballot_store.load_log(conn, record.row_id, record.uri)
    assert [entry.ballot.member_id for entry in log] == [bea.member_id] * 2
    tally = await tally_proposal(node, record.slug)
    assert tally.counts["yes"] == 1 and tally.counts["no"] == 0


async def test_a_wrong_code_is_answered_and_links_nothing(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    await members.add_member(node, local_username="bea")
    await issue_code(node, "bea")
    outcome = await send_and_process(client, node, alice, direct_message(alice, "ZZZZ-ZZZZ"))
    assert outcome.startswith("ignored: link wrong_code")
    ((reply, _),) = await _notes(node)
    assert "Not linked:" in reply["object"]["content"]
    record = await open_yes_no(node)
    refused = await send_and_process(client, node, alice, vote(alice, record.uri, "yes"))
    assert refused.startswith("done: vote refused: only members") and "link" in refused


async def test_messages_without_a_code_or_not_private_get_no_answer(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    await members.add_member(node, local_username="bea")
    code = (await issue_code(node, "bea")).code
    hello = await send_and_process(
        client, node, alice, direct_message(alice, "hello, how do I join?")
    )
    assert hello == "ignored: a direct message to the co-op without a link code"
    public = direct_message(alice, code)
    public["to"] = public["object"]["to"] = ["https://www.w3.org/ns/activitystreams#Public"]
    public["cc"] = public["object"]["cc"] = [COOP]
    assert (await send_and_process(client, node, alice, public)).startswith("ignored: not a vote")
    assert await _notes(node) == []


async def test_a_members_only_poll_reaches_and_is_served_to_the_linked_account(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice, mallory = remote_fresh.actor("alice"), remote_fresh.actor("mallory")
    bea = await members.add_member(node, local_username="bea")
    code = (await issue_code(node, "bea")).code
    assert (await send_and_process(client, node, alice, direct_message(alice, code))).startswith(
        "done"
    )
    record = await open_yes_no(node, visibility="members")
    async with node.engine.connect() as conn:
        query = select(outbox_activities.c.body).where(outbox_activities.c.type == "Create")
        creates = [json.loads(body) for body in (await conn.execute(query)).scalars()]
    (create,) = [c for c in creates if c["object"]["type"] == "Question"]
    # The linked account's own copy names it alone; Bea's local actor reads it on the site
    # (one copy per remote recipient, issue 13 hole 3).
    assert create["to"] == [alice.uri] and bea.actor_uri not in json.dumps(create)
    accept = {"Accept": "application/activity+json"}
    signed = {**accept, **alice.signed_headers("GET", record.uri)}
    assert (await client.get(record.uri, headers=signed)).status_code == 200
    signed = {**accept, **mallory.signed_headers("GET", record.uri)}
    assert (await client.get(record.uri, headers=signed)).status_code == 404
