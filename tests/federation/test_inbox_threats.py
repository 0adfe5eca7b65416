"""Every line of docs/threats.md "Signatures and keys", "Origin and authority" and "Payloads",
against the real inbox (in-process app, keys served by a test server on 127.0.0.2/3).

Each test asserts the status code AND what was (not) stored. "Outbound fetching" lines are in
test_safefetch*.py; the fetch-related "Origin and authority" lines are repeated here through key
resolution, where an inbox would meet them.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select, text

from coopfed.activitypub.httpsig.keys import public_key_to_pem
from coopfed.federation.runtime import FETCH_BURST
from coopfed.inbound.worker import process_inbox_batch
from coopfed.node import Node
from coopfed.store.tables import inbox_items
from tests.federation.conftest import count_rows
from tests.federation.inbox_support import (
    COOP_INBOX,
    crafted_headers,
    dumps,
    follow,
    new_id,
    note_create,
    nothing_stored,
    stored,
)
from tests.support.fediverse import FediverseServer


def _error(response: httpx.Response) -> tuple[str, str]:
    body = response.json()
    return body["error"], body.get("reason", "")


# --- Signatures and keys ------------------------------------------------------------------------


async def test_post_without_signature_is_401(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    body = dumps(follow(remote_fresh.actor("alice")))
    response = await client.post(COOP_INBOX, content=body)
    assert response.status_code == 401
    assert _error(response) == ("signature", "missing_signature")
    assert await nothing_stored(node)


async def test_digest_unsigned_mismatched_unknown_or_malformed_is_401(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    body = dumps(follow(alice))
    cases = [
        (
            crafted_headers(
                alice.private_key, alice.key_id, body, ("(request-target)", "host", "date")
            ),
            "digest_missing",
        ),
        (
            crafted_headers(
                alice.private_key, alice.key_id, body, digest="SHA-256=" + "A" * 43 + "="
            ),
            "digest_mismatch",
        ),
        (
            crafted_headers(alice.private_key, alice.key_id, body, digest="MD5=abcd"),
            "digest_unsupported",
        ),
        (
            crafted_headers(alice.private_key, alice.key_id, body, digest="SHA-256"),
            "digest_malformed",
        ),
    ]
    for headers, reason in cases:
        response = await client.post(COOP_INBOX, content=body, headers=headers)
        assert response.status_code == 401, reason
        assert _error(response) == ("signature", reason)
    assert await nothing_stored(node)


async def test_unsigned_date_future_or_old_date_is_401(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    body = dumps(follow(alice))
    now = datetime.now(UTC)
    no_date = ("(request-target)", "host", "digest")
    cases = [
        (crafted_headers(alice.private_key, alice.key_id, body, no_date), "date_missing"),
        (
            crafted_headers(alice.private_key, alice.key_id, body, date=now + timedelta(hours=2)),
            "clock_skew_future",
        ),
        (
            crafted_headers(alice.private_key, alice.key_id, body, date=now - timedelta(hours=13)),
            "expired",
        ),
    ]
    for headers, reason in cases:
        response = await client.post(COOP_INBOX, content=body, headers=headers)
        assert response.status_code == 401, reason
        assert _error(response) == ("signature", reason)
    assert await nothing_stored(node)


async def test_hmac_algorithm_is_401(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    body = dumps(follow(alice))
    headers = crafted_headers(alice.private_key, alice.key_id, body)
    headers["Signature"] = headers["Signature"].replace(
        'algorithm="rsa-sha256"', 'algorithm="hmac-sha256"'
    )
    assert 'algorithm="hmac-sha256"' in headers["Signature"]
    response = await client.post(COOP_INBOX, content=body, headers=headers)
    assert response.status_code == 401
    assert _error(response) == ("signature", "unsupported_algorithm")
    assert await nothing_stored(node)


async def test_actor_on_one_host_signed_by_a_key_of_another_is_401(
    node: Node,
    client: httpx.AsyncClient,
    remote_fresh: FediverseServer,
    other_remote: FediverseServer,
) -> None:
    eve = other_remote.actor("eve")
    alice = remote_fresh.actor("alice")
    activity = follow(eve)
    body = dumps(activity)
    # A valid signature by alice (host B) for an activity whose actor is eve (host A).
    response = await client.post(
        COOP_INBOX, content=body, headers=alice.signed_headers("POST", COOP_INBOX, body)
    )
    assert response.status_code == 401
    assert _error(response) == ("signature", "key_not_actor")
    assert await nothing_stored(node)


async def test_key_document_whose_owner_does_not_list_it_is_401(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice, mallory = remote_fresh.actor("alice"), remote_fresh.actor("mallory")
    key_url = remote_fresh.serve_json(
        "/keys/claimed",
        {
            "id": f"{remote_fresh.origin}/keys/claimed",
            "owner": alice.uri,  # claims alice, but alice's document does not list this key
            "publicKeyPem": public_key_to_pem(mallory.private_key.public_key()),
        },
    )
    body = dumps(follow(alice))
    headers = crafted_headers(mallory.private_key, key_url, body)
    response = await client.post(COOP_INBOX, content=body, headers=headers)
    assert response.status_code == 401
    assert _error(response) == ("signature", "key_unavailable")
    assert "does not list key" in response.json()["detail"]
    assert await nothing_stored(node)


async def test_key_id_redirecting_to_another_id_is_refused(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    target = remote_fresh.serve_json(
        "/keys/real",
        {
            "id": f"{remote_fresh.origin}/keys/real",
            "owner": alice.uri,
            "publicKeyPem": public_key_to_pem(alice.private_key.public_key()),
        },
    )
    key_url = remote_fresh.redirect("/keys/asked", target)
    body = dumps(follow(alice))
    response = await client.post(
        COOP_INBOX, content=body, headers=crafted_headers(alice.private_key, key_url, body)
    )
    assert response.status_code == 401
    assert _error(response) == ("signature", "key_unavailable")
    assert "id_mismatch" in response.json()["detail"]
    assert await nothing_stored(node)


async def test_malformed_signature_headers_are_401_without_crash(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    body = dumps(follow(alice))
    good = crafted_headers(alice.private_key, alice.key_id, body)
    garbage = [
        good["Signature"] + ',keyId="https://other.example/k"',  # duplicate parameter
        "garbage",
        'keyId="x",signature="%%%"',
        "",
        'keyId="' + "a" * 10_000 + '"',
    ]
    for value in garbage:
        response = await client.post(COOP_INBOX, content=body, headers={**good, "Signature": value})
        assert response.status_code == 401, value[:40]
        assert response.json()["error"] == "signature"
    assert await nothing_stored(node)


async def test_random_unknown_key_ids_from_one_address_are_rate_limited(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    # A frozen clock: on a slow machine the bucket would otherwise refill during the loop
    # (seen flaky under load).
    node.federation.fetch_limits.clock = lambda: 1000.0
    reasons: list[str] = []
    for index in range(int(FETCH_BURST) + 10):
        ghost = f"{remote_fresh.origin}/users/ghost{index}"
        activity = {
            "id": f"{ghost}/a/{index}",
            "type": "Follow",
            "actor": ghost,
            "object": COOP_INBOX,
        }
        body = dumps(activity)
        response = await client.post(
            COOP_INBOX,
            content=body,
            headers=crafted_headers(alice.private_key, f"{ghost}#main-key", body),
        )
        assert response.status_code == 401
        reasons.append(response.json()["detail"])
    ghost_fetches = [f for f in remote_fresh.fetches if f.path.startswith("/users/ghost")]
    assert len(ghost_fetches) == FETCH_BURST
    assert sum("rate_limited" in reason for reason in reasons) == 10
    assert await nothing_stored(node)


# --- Origin and authority -----------------------------------------------------------------------


async def test_create_note_attributed_to_someone_else_is_refused(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice, bob = remote_fresh.actor("alice"), remote_fresh.actor("bob")
    response = await alice.apost(client, COOP_INBOX, note_create(alice, attributedTo=bob.uri))
    assert response.status_code == 403
    assert _error(response) == ("authority", "attributed_to")
    assert await nothing_stored(node)


async def test_embedded_object_from_a_third_host_is_ignored(
    node: Node,
    client: httpx.AsyncClient,
    remote_fresh: FediverseServer,
    other_remote: FediverseServer,
) -> None:
    alice, eve = remote_fresh.actor("alice"), other_remote.actor("eve")
    foreign = {
        "id": f"{other_remote.origin}/notes/1",
        "type": "Note",
        "attributedTo": eve.uri,
        "content": "forged",
    }
    activity = {"id": new_id(alice), "type": "Announce", "actor": alice.uri, "object": foreign}
    response = await alice.apost(client, COOP_INBOX, activity)
    assert response.status_code == 202
    async with node.engine.connect() as conn:
        body = (await conn.execute(select(inbox_items.c.body))).scalar_one()
    assert json.loads(body)["object"] == foreign["id"]  # the copy is gone, only the id is kept
    assert "forged" not in body


async def test_announce_of_someone_elses_vote_is_never_counted(
    node: Node,
    client: httpx.AsyncClient,
    remote_fresh: FediverseServer,
    other_remote: FediverseServer,
) -> None:
    alice, eve = remote_fresh.actor("alice"), other_remote.actor("eve")
    vote = {
        "id": f"{eve.uri}#votes/1",
        "type": "Note",
        "name": "Yes",
        "inReplyTo": "http://coop.test/proposals/1",
        "attributedTo": eve.uri,
    }
    activity = {"id": new_id(alice), "type": "Announce", "actor": alice.uri, "object": vote}
    assert (await alice.apost(client, COOP_INBOX, activity)).status_code == 202
    assert await process_inbox_batch(node) == 1
    async with node.engine.connect() as conn:
        state, outcome = (
            await conn.execute(select(inbox_items.c.state, inbox_items.c.outcome))
        ).one()
    assert state == "ignored"
    assert "Announce" in outcome


async def test_update_or_delete_of_someone_elses_object_is_refused(
    node: Node,
    client: httpx.AsyncClient,
    remote_fresh: FediverseServer,
    other_remote: FediverseServer,
) -> None:
    alice, bob, eve = (
        remote_fresh.actor("alice"),
        remote_fresh.actor("bob"),
        other_remote.actor("eve"),
    )
    cases: list[dict[str, Any]] = [
        {
            "id": new_id(alice),
            "type": "Delete",
            "actor": alice.uri,
            "object": f"{other_remote.origin}/notes/1",
        },
        {
            "id": new_id(alice),
            "type": "Update",
            "actor": alice.uri,
            "object": {
                "id": f"{other_remote.origin}/notes/1",
                "type": "Note",
                "attributedTo": eve.uri,
            },
        },
        {"id": new_id(alice), "type": "Update", "actor": alice.uri, "object": bob.document()},
        {
            "id": new_id(alice),
            "type": "Delete",
            "actor": alice.uri,
            "object": "http://coop.test/proposals/1",
        },
    ]
    for activity in cases:
        response = await alice.apost(client, COOP_INBOX, activity)
        assert response.status_code == 403, activity
        assert _error(response) == ("authority", "not_owner")
    assert await nothing_stored(node)


async def test_deleted_object_deleted_again_is_a_no_op_and_cannot_be_created_again(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    note_id = new_id(alice, "notes")
    first = {"id": new_id(alice), "type": "Delete", "actor": alice.uri, "object": note_id}
    assert (await alice.apost(client, COOP_INBOX, first)).status_code == 202
    assert await process_inbox_batch(node) == 1
    assert await count_rows(node, "tombstones") == 1
    again = {"id": new_id(alice), "type": "Delete", "actor": alice.uri, "object": note_id}
    assert (await alice.apost(client, COOP_INBOX, again)).status_code == 202
    recreate = note_create(alice, id=note_id)
    response = await alice.apost(client, COOP_INBOX, recreate)
    assert response.status_code == 409
    assert _error(response) == ("authority", "tombstoned")
    assert await stored(node) == 1  # only the first Delete


async def test_undo_follow_by_someone_else_is_refused_and_the_follow_stays(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice, bob = remote_fresh.actor("alice"), remote_fresh.actor("bob")
    alice_follow = follow(alice)
    assert (await alice.apost(client, COOP_INBOX, alice_follow)).status_code == 202
    await process_inbox_batch(node)
    assert await count_rows(node, "followers") == 1
    embedded = {"id": new_id(bob), "type": "Undo", "actor": bob.uri, "object": alice_follow}
    response = await bob.apost(client, COOP_INBOX, embedded)
    assert response.status_code == 403
    assert _error(response) == ("authority", "not_owner")
    assert await stored(node) == 1
    # By id only: alice's Follow id sits under alice's IRI, so the inbox refuses it too
    # (issue 13, hole 2; the worker used to be the only check).
    by_id = {"id": new_id(bob), "type": "Undo", "actor": bob.uri, "object": alice_follow["id"]}
    response = await bob.apost(client, COOP_INBOX, by_id)
    assert response.status_code == 403
    assert _error(response) == ("authority", "foreign_id")
    await process_inbox_batch(node)
    assert await count_rows(node, "followers") == 1
    async with node.engine.connect() as conn:
        states = (
            (await conn.execute(select(inbox_items.c.state).order_by(inbox_items.c.id)))
            .scalars()
            .all()
        )
    assert list(states) == ["done"]


async def test_actor_update_moving_inbox_shared_inbox_or_key_is_refused(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    moves: list[dict[str, Any]] = []
    for change in ("inbox", "sharedInbox", "key"):
        doc = alice.document()
        if change == "inbox":
            doc["inbox"] = "http://127.0.0.3:1/inbox"
        elif change == "sharedInbox":
            doc["endpoints"]["sharedInbox"] = "http://127.0.0.3:1/inbox"
        else:
            doc["publicKey"]["id"] = "http://127.0.0.3:1/key"
        moves.append(doc)
    for doc in moves:
        activity = {"id": new_id(alice), "type": "Update", "actor": alice.uri, "object": doc}
        response = await alice.apost(client, COOP_INBOX, activity)
        assert response.status_code == 403
        assert _error(response) == ("authority", "actor_cross_origin")
    assert await nothing_stored(node)


async def test_key_documents_with_wrong_id_or_content_type_are_discarded(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    pem = public_key_to_pem(alice.private_key.public_key())
    plain = remote_fresh.serve_json(
        "/keys/plain",
        {"id": f"{remote_fresh.origin}/keys/plain", "owner": alice.uri, "publicKeyPem": pem},
        content_type="application/json",
    )
    wrong_id = remote_fresh.serve_json(
        "/keys/wrong",
        {"id": f"{remote_fresh.origin}/keys/other", "owner": alice.uri, "publicKeyPem": pem},
    )
    for key_url, detail in ((plain, "content_type"), (wrong_id, "id_mismatch")):
        body = dumps(follow(alice))
        response = await client.post(
            COOP_INBOX, content=body, headers=crafted_headers(alice.private_key, key_url, body)
        )
        assert response.status_code == 401
        assert detail in response.json()["detail"]
    assert await nothing_stored(node)


async def test_key_on_our_own_domain_is_never_fetched(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    activity = {
        "id": "http://coop.test/x/1",
        "type": "Follow",
        "actor": "http://coop.test/actors/ghost",
        "object": COOP_INBOX,
    }
    body = dumps(activity)
    headers = crafted_headers(alice.private_key, "http://coop.test/actors/ghost#main-key", body)
    response = await client.post(COOP_INBOX, content=body, headers=headers)
    assert response.status_code == 401
    assert "own_origin" in response.json()["detail"]
    assert await nothing_stored(node)


# --- Payloads -----------------------------------------------------------------------------------


async def test_body_over_the_cap_is_413_whatever_content_length_says(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    big = b'{"id":"' + b"a" * (1024 * 1024 + 10) + b'"}'
    response = await client.post(COOP_INBOX, content=big)
    assert response.status_code == 413
    # A lying Content-Length, and a chunked body without one.
    lying = await client.post(COOP_INBOX, content=big, headers={"Content-Length": "100"})
    assert lying.status_code == 413

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(big), 65536):
            yield big[start : start + 65536]

    chunked = await client.post(COOP_INBOX, content=chunks())
    assert chunked.status_code == 413
    assert response.json()["error"] == "too_large"
    assert await nothing_stored(node)


async def test_deep_nesting_and_huge_arrays_are_400(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    deep = b'{"a":' + b"[" * 10_000 + b"]" * 10_000 + b"}"
    activity = follow(alice)
    activity["to"] = [f"u{i}" for i in range(100_000)]
    for body, reason in ((deep, "too_deep"), (dumps(activity), "array_too_long")):
        response = await client.post(
            COOP_INBOX, content=body, headers=alice.signed_headers("POST", COOP_INBOX, body)
        )
        assert response.status_code == 400
        assert response.json()["error"] == "json"
        assert response.json()["reason"] == reason
    assert await nothing_stored(node)


async def test_remote_context_urls_are_never_fetched(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    activity = follow(alice)
    activity["@context"] = [
        f"{remote_fresh.origin}/context.jsonld",
        "https://www.w3.org/ns/activitystreams",
    ]
    assert (await alice.apost(client, COOP_INBOX, activity)).status_code == 202
    await process_inbox_batch(node)
    assert not [f for f in remote_fresh.fetches if f.path == "/context.jsonld"]


async def test_bad_text_duplicate_keys_and_huge_numbers_are_400(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    bodies = {
        b'{"id":"\xff\xfe"}': "invalid_utf8",
        b'{"id":"\\ud800"}': "lone_surrogate",
        b'{"id":"a\\u0000b"}': "nul",
        b'{"id":"a\x00b"}': "nul",
        b'{"id":"a","id":"b"}': "duplicate_key",
        b'{"id":"a","totalItems":' + b"9" * 40 + b"}": "number_too_large",
    }
    for body, _reason in bodies.items():
        response = await client.post(
            COOP_INBOX, content=body, headers=alice.signed_headers("POST", COOP_INBOX, body)
        )
        assert response.status_code == 400, body
        assert response.json()["error"] == "json"
    assert await nothing_stored(node)


# --- Dedupe and storage faults ------------------------------------------------------------------


async def test_same_id_same_body_is_one_item_and_a_different_body_is_409(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    activity = follow(alice)
    for _ in range(3):
        assert (await alice.apost(client, COOP_INBOX, activity)).status_code == 202
    response = await alice.apost(
        client, COOP_INBOX, {**activity, "object": "http://coop.test/actors/x"}
    )
    assert response.status_code == 409
    assert _error(response) == ("duplicate", "id_reused")
    assert await stored(node) == 1


async def test_database_unavailable_is_503_with_retry_after(
    node: Node, client: httpx.AsyncClient, remote_fresh: FediverseServer
) -> None:
    alice = remote_fresh.actor("alice")
    await alice.apost(client, COOP_INBOX, follow(alice))  # key now known and cached
    async with node.engine.begin() as conn:
        await conn.execute(text("ALTER TABLE inbox_items RENAME TO inbox_items_away"))
    response = await alice.apost(client, COOP_INBOX, follow(alice))
    assert response.status_code == 503
    assert response.headers["retry-after"] == "30"
    async with node.engine.begin() as conn:
        await conn.execute(text("ALTER TABLE inbox_items_away RENAME TO inbox_items"))
    assert await stored(node) == 1
