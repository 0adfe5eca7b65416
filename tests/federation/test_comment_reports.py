"""`Flag`s from other servers through the signed inbox and the worker: a report against each
comment of ours they name (Mastodon's shape: the account and its statuses, by the instance
actor), anything else ignored with the reason, and a server's open reports capped."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from coopfed.node import Node
from coopfed.services import comment_moderation as moderation
from coopfed.services import comments, members
from coopfed.store.tables import inbox_items
from tests.federation.test_comments import _deliver, _open, reply
from tests.support.fediverse import FediverseServer, TestActor

MASTODON_FLAG = (
    Path(__file__).resolve().parents[1] / "fixtures/fediverse/mastodon/activities/flag.json"
)


def mastodon_flag(reporter: TestActor, reported: str, *objects: str, text: str = "") -> Any:
    """Mastodon's Flag (the fixture), from `reporter`'s server about `reported` and `objects`."""
    flag = json.loads(MASTODON_FLAG.read_text())
    origin = reporter.uri.split("/users/")[0]
    flag["id"] = f"{origin}/{uuid.uuid4()}"
    flag["actor"] = reporter.uri
    flag["object"] = [reported, *objects]
    flag["to"] = reported
    if text:
        flag["content"] = text
    return flag


async def _outcomes(node: Node) -> list[tuple[str, str | None]]:
    async with node.engine.connect() as conn:
        query = select(inbox_items.c.state, inbox_items.c.outcome).order_by(inbox_items.c.id)
        return [(row[0], row[1]) for row in (await conn.execute(query)).all()]


async def test_a_mastodon_flag_becomes_a_report_against_the_comment(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    instance = remote_fresh.actor("bob")  # the reporting server's actor
    await members.add_member(node, local_username="bea")
    record = await _open(node)
    posted = await comments.post_comment(node, record.slug, "bea", "Buy my paint")
    bea = node.uris.actor("bea")
    await _deliver(client, node, instance, mastodon_flag(instance, bea, posted.uri))
    (view,) = await moderation.reports_of_proposal(node, record.slug)
    assert view.report.comment_uri == posted.uri and view.report.reporter_uri == instance.uri
    assert view.report.source.value == "fediverse"
    assert view.report.reason == "Please take a look at this user and their posts"
    assert view.report.reporter_host == remote_fresh.netloc
    assert (await _outcomes(node))[-1] == ("done", "1 comment(s) reported")


async def test_a_flag_of_a_fediverse_reply_in_our_thread_is_a_report_too(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    """Lemmy and Mbin send reports to the community (our Group) about any post in it."""
    alice, bob = remote_fresh.actor("alice"), remote_fresh.actor("bob")
    await members.add_member(node, alice.uri)
    record = await _open(node)
    body = reply(alice, record.uri, "<p>Rude</p>")
    await _deliver(client, node, alice, body)
    await _deliver(client, node, bob, mastodon_flag(bob, body["object"]["id"], text="rude"))
    (view,) = await moderation.reports_of_proposal(node, record.slug)
    assert view.report.comment_uri == body["object"]["id"] and view.report.reason == "rude"


@pytest.mark.parametrize(
    "objects",
    [
        ("http://coop.test/comments/nope",),  # an id of ours we do not have
        ("https://elsewhere.example/statuses/1",),  # a foreign post
        (),  # the account alone
    ],
)
async def test_a_flag_of_nothing_in_our_threads_is_ignored_with_the_reason(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer, objects: tuple[str, ...]
) -> None:
    bob = remote_fresh.actor("bob")
    await members.add_member(node, local_username="bea")
    await _deliver(client, node, bob, mastodon_flag(bob, node.uris.actor("bea"), *objects))
    assert (await _outcomes(node))[-1] == ("ignored", "a report of nothing in our discussions")


async def test_a_flag_of_a_hidden_comment_or_a_second_flag_adds_nothing(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    bob = remote_fresh.actor("bob")
    await members.add_member(node, local_username="bea")
    record = await _open(node)
    first = await comments.post_comment(node, record.slug, "bea", "one")
    second = await comments.post_comment(node, record.slug, "bea", "two")
    bea = node.uris.actor("bea")
    await _deliver(client, node, bob, mastodon_flag(bob, bea, first.uri))
    await _deliver(client, node, bob, mastodon_flag(bob, bea, first.uri))
    assert (await _outcomes(node))[-1] == (
        "ignored",
        "these comments were reported by this actor already",
    )
    await moderation.hide_comment(node, record.slug, second.uri, by="cli:test")
    await _deliver(client, node, bob, mastodon_flag(bob, bea, second.uri))
    assert (await _outcomes(node))[-1][0] == "ignored"
    assert len(await moderation.reports_of_proposal(node, record.slug, include_closed=True)) == 1


async def test_a_flag_flood_from_one_server_stops_at_its_cap(
    node: Node,
    client: httpx.AsyncClient,
    remote_fresh: FediverseServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """docs/threats.md MOD-2: a server fills its own quota of open reports, nothing more."""
    monkeypatch.setattr(moderation, "MAX_OPEN_REPORTS_PER_HOST", 2)
    alice, bob = remote_fresh.actor("alice"), remote_fresh.actor("bob")
    await members.add_member(node, local_username="bea")
    record = await _open(node)
    posted = [await comments.post_comment(node, record.slug, "bea", f"c{n}") for n in range(4)]
    bea = node.uris.actor("bea")
    await _deliver(client, node, bob, mastodon_flag(bob, bea, posted[0].uri))
    await _deliver(client, node, alice, mastodon_flag(alice, bea, posted[1].uri))
    await _deliver(client, node, bob, mastodon_flag(bob, bea, posted[2].uri, posted[3].uri))
    assert (await _outcomes(node))[-1] == (
        "ignored",
        f"too many open reports from {remote_fresh.netloc}",
    )
    assert len(await moderation.reports_of_proposal(node, record.slug)) == 2
    await moderation.hide_comment(node, record.slug, posted[0].uri, by="cli:test")
    await _deliver(client, node, bob, mastodon_flag(bob, bea, posted[2].uri))
    assert len(await moderation.reports_of_proposal(node, record.slug)) == 2  # room again
