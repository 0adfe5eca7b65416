"""WebFinger, NodeInfo, actor documents and content negotiation, on both databases."""

from __future__ import annotations

import httpx
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from coopfed.governance.membership import ClassPolicy, MembershipPrinciple
from coopfed.node import Node
from coopfed.services.membership_principle import set_principle

AS_JSON = {"Accept": "application/activity+json"}


async def test_webfinger_finds_the_coop(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/.well-known/webfinger", params={"resource": "acct:testcoop@coop.test"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/jrd+json")
    jrd = response.json()
    assert jrd["subject"] == "acct:testcoop@coop.test"
    self_links = [link for link in jrd["links"] if link["rel"] == "self"]
    assert self_links == [
        {
            "rel": "self",
            "type": "application/activity+json",
            "href": "http://coop.test/actors/testcoop",
        }
    ]


async def test_webfinger_host_is_case_insensitive(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/.well-known/webfinger", params={"resource": "acct:testcoop@COOP.test"}
    )
    assert response.status_code == 200


async def test_webfinger_by_actor_url(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/.well-known/webfinger", params={"resource": "http://coop.test/actors/testcoop"}
    )
    assert response.json()["subject"] == "acct:testcoop@coop.test"


async def test_webfinger_unknown_and_foreign_accounts_are_404(client: httpx.AsyncClient) -> None:
    for resource in ("acct:nobody@coop.test", "acct:testcoop@elsewhere.example"):
        response = await client.get("/.well-known/webfinger", params={"resource": resource})
        assert response.status_code == 404, resource
        assert response.json()["error"] == "not_found"


async def test_webfinger_bad_resource_is_400_with_reason(client: httpx.AsyncClient) -> None:
    for params in ({}, {"resource": "acct:no-at-sign"}, {"resource": "mailto:x@y"}):
        response = await client.get("/.well-known/webfinger", params=params)
        assert response.status_code == 400, params
        assert response.json()["error"] == "bad_resource"
        assert response.json()["detail"]


async def test_instance_actor_is_not_a_webfinger_account(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/.well-known/webfinger", params={"resource": "acct:instance.actor@coop.test"}
    )
    assert response.status_code == 404


async def test_actor_is_a_group_with_pem_key(client: httpx.AsyncClient) -> None:
    response = await client.get("/actors/testcoop", headers=AS_JSON)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/activity+json")
    assert response.headers["vary"] == "Accept"
    actor = response.json()
    assert actor["type"] == "Group"
    assert actor["id"] == "http://coop.test/actors/testcoop"
    assert actor["preferredUsername"] == "testcoop"
    for key in ("inbox", "outbox", "followers", "following", "members"):
        assert actor[key].startswith("http://coop.test/actors/testcoop/"), key
    assert actor["endpoints"]["sharedInbox"] == "http://coop.test/inbox"
    public_key = actor["publicKey"]
    assert public_key["owner"] == actor["id"]
    assert public_key["id"] == actor["id"] + "#main-key"
    loaded = load_pem_public_key(public_key["publicKeyPem"].encode())
    assert isinstance(loaded, rsa.RSAPublicKey)
    assert loaded.key_size == 2048
    assert actor["assertionMethod"][0]["publicKeyMultibase"].startswith("z6Mk")


async def test_actor_accepts_ld_json_with_profile(client: httpx.AsyncClient) -> None:
    accept = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
    response = await client.get("/actors/testcoop", headers={"Accept": accept})
    assert response.json()["type"] == "Group"


async def test_browser_gets_the_profile_page(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/actors/testcoop", headers={"Accept": "text/html"}, follow_redirects=True
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "@testcoop@coop.test" in response.text


async def test_nodeinfo_leads_to_a_valid_document(client: httpx.AsyncClient) -> None:
    index = (await client.get("/.well-known/nodeinfo")).json()
    link = index["links"][0]
    assert link["rel"] == "http://nodeinfo.diaspora.software/ns/schema/2.1"
    document = (await client.get(link["href"])).json()
    assert document["version"] == "2.1"
    assert document["software"]["name"] == "coopfed"
    assert document["protocols"] == ["activitypub"]
    assert isinstance(document["usage"]["users"]["total"], int)
    assert isinstance(document["openRegistrations"], bool)
    assert document["metadata"]["nodeName"] == "Test Co-op"


async def test_unknown_resource_is_404_json(client: httpx.AsyncClient) -> None:
    for path in ("/nope", "/actors/nobody"):
        response = await client.get(path, headers=AS_JSON)
        assert response.status_code == 404, path
        assert response.json()["error"] == "not_found"


async def test_wrong_method_is_405(client: httpx.AsyncClient) -> None:
    response = await client.delete("/actors/testcoop")
    assert response.status_code == 405
    assert response.json()["error"] == "method_not_allowed"


async def test_healthz_checks_the_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True}


async def test_nodeinfo_open_registrations_follow_the_membership_principle(
    node: Node, client: httpx.AsyncClient
) -> None:
    document = (await client.get("/nodeinfo/2.1")).json()
    assert document["openRegistrations"] is True  # the default principle takes applications
    closed = MembershipPrinciple((ClassPolicy("worker", open_to_applications=False),), "worker")
    await set_principle(node, closed)
    document = (await client.get("/nodeinfo/2.1")).json()
    assert document["openRegistrations"] is False
