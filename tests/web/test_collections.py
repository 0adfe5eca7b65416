"""Followers, following, outbox and members collections: summaries, pages, errors."""

from __future__ import annotations

import httpx
from sqlalchemy import insert

from coopfed.node import Node
from coopfed.services.outbox import Audience, publish
from coopfed.store import actors as actor_store
from coopfed.store.tables import followers, remote_actors

AS_JSON = {"Accept": "application/activity+json"}
COOP = "http://coop.test/actors/testcoop"


async def _add_followers(node: Node, count: int) -> None:
    now = node.now()
    async with node.engine.begin() as conn:
        coop = await actor_store.get_local_actor(conn, "testcoop")
        assert coop is not None
        for index in range(count):
            uri = f"https://remote.example/users/u{index}"
            result = await conn.execute(
                insert(remote_actors)
                .values(
                    uri=uri,
                    host="remote.example",
                    type="Person",
                    preferred_username=f"u{index}",
                    display_name="",
                    inbox=f"{uri}/inbox",
                    document="{}",
                    fetched_at=now,
                )
                .returning(remote_actors.c.id)
            )
            await conn.execute(
                insert(followers).values(
                    local_actor_id=coop.id,
                    remote_actor_id=result.scalar_one(),
                    follow_activity_id=f"{uri}/follow",
                    state="accepted" if index % 10 else "pending",
                    created_at=now,
                )
            )


async def test_followers_are_paginated(node: Node, client: httpx.AsyncClient) -> None:
    await _add_followers(node, 30)  # 27 accepted, 3 pending
    summary = (await client.get(f"{COOP}/followers", headers=AS_JSON)).json()
    assert summary["type"] == "OrderedCollection"
    assert summary["totalItems"] == 27
    assert summary["first"] == f"{COOP}/followers?page=1"
    assert summary["last"] == f"{COOP}/followers?page=2"
    first = (await client.get(summary["first"])).json()
    assert first["type"] == "OrderedCollectionPage"
    assert first["partOf"] == f"{COOP}/followers"
    assert len(first["orderedItems"]) == 20
    assert "prev" not in first
    second = (await client.get(first["next"])).json()
    assert len(second["orderedItems"]) == 7
    assert "next" not in second
    assert second["prev"] == f"{COOP}/followers?page=1"
    everyone = first["orderedItems"] + second["orderedItems"]
    assert len(set(everyone)) == 27
    assert "https://remote.example/users/u0" not in everyone  # pending


async def test_empty_collections(client: httpx.AsyncClient) -> None:
    for kind in ("following", "members", "outbox"):
        response = await client.get(f"{COOP}/{kind}")
        assert response.status_code == 200, kind
        assert response.headers["content-type"].startswith("application/activity+json")
        body = response.json()
        assert body == {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{COOP}/{kind}",
            "type": "OrderedCollection",
            "totalItems": 0,
            "orderedItems": [],
        }


async def test_outbox_lists_public_activities_newest_first(
    node: Node, client: httpx.AsyncClient
) -> None:
    async with node.engine.begin() as conn:
        coop = await actor_store.get_local_actor(conn, "testcoop")
        assert coop is not None
        for index, public in enumerate((True, False, True)):
            activity = {"id": f"http://coop.test/activities/{index}", "type": "Create"}
            audience = Audience(public=public)
            await publish(conn, sender=coop, activity=activity, audience=audience, now=node.now())
    page = (await client.get(f"{COOP}/outbox?page=1")).json()
    assert [item["id"] for item in page["orderedItems"]] == [
        "http://coop.test/activities/2",
        "http://coop.test/activities/0",
    ]


async def test_bad_pages_and_unknown_owners(client: httpx.AsyncClient) -> None:
    assert (await client.get(f"{COOP}/followers?page=0")).status_code == 400
    assert (await client.get(f"{COOP}/followers?page=x")).status_code == 400
    assert (await client.get("http://coop.test/actors/nobody/followers")).status_code == 404
    # Only group actors have members.
    assert (await client.get("http://coop.test/actors/instance.actor/members")).status_code == 404
