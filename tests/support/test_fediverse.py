"""The test fediverse server: actor documents, signed POSTs verified by coopfed's verifier."""

from __future__ import annotations

import httpx

from tests.support.fediverse import FediverseServer, fediverse_servers


def test_serves_actors_and_verifies_signed_posts_between_servers() -> None:
    with fediverse_servers(2, actors=("alice", "bob")) as (one, two):
        doc = httpx.get(one.actor("alice").uri).json()
        assert doc["id"] == one.actor("alice").uri
        assert doc["publicKey"]["id"] == one.actor("alice").key_id
        assert doc["endpoints"]["sharedInbox"] == f"{one.origin}/inbox"
        activity = {"id": f"{one.origin}/a/1", "type": "Follow", "actor": one.actor("alice").uri}
        # alice (server one) signs; server two fetches her key over HTTP and verifies.
        for scheme in ("cavage", "rfc9421"):
            response = one.actor("alice").post(two.actor("bob").inbox, activity, scheme=scheme)
            assert response.status_code == 202
        posts = two.wait_for(lambda posts: len(posts) == 2)
        assert all(post.verified for post in posts), [post.signature_error for post in posts]
        assert posts[0].key_id == one.actor("alice").key_id
        assert two.activities("Follow")[0]["id"] == activity["id"]


def test_records_bad_signatures_and_configured_status() -> None:
    with FediverseServer(host="127.0.0.3", actors_names=("carol",)) as server:
        server.inbox_status = 500
        response = httpx.post(f"{server.origin}/inbox", content=b"{}")
        assert response.status_code == 500
        (post,) = server.received
        assert not post.verified
        assert post.signature_error is not None and "missing_signature" in post.signature_error
        url = server.serve_json("/odd", {"id": "x"}, content_type="application/json")
        assert httpx.get(url).headers["content-type"] == "application/json"
        assert server.fetches[-1].path == "/odd"
