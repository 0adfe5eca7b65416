"""Resolving remote members: WebFinger and actor URLs, through a fake fetcher (no network)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from coopfed.activitypub.safefetch import FetchedDocument, FetchFailed
from coopfed.services.actor_lookup import resolve_actor, self_link, split_acct
from coopfed.services.errors import ServiceError

ACTOR = "https://social.example/users/bob"
WEBFINGER = "https://social.example/.well-known/webfinger?resource=acct:bob@social.example"


class FakeFetcher:
    def __init__(self, documents: dict[str, Any]) -> None:
        self.documents = documents
        self.asked: list[str] = []

    async def fetch(self, url: str, *, accept: str) -> FetchedDocument:
        self.asked.append(url)
        if url not in self.documents:
            raise FetchFailed("http_status", "404", url=url, status=404)
        body = json.dumps(self.documents[url]).encode()
        return FetchedDocument(url, 200, "application/jrd+json", body)

    async def fetch_object(self, url: str) -> dict[str, Any]:
        self.asked.append(url)
        if url not in self.documents:
            raise FetchFailed("http_status", "404", url=url, status=404)
        document = self.documents[url]
        assert isinstance(document, dict)
        return document


def _jrd(href: str = ACTOR, media: str = "application/activity+json") -> dict[str, Any]:
    return {
        "subject": "acct:bob@social.example",
        "links": [
            {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": "x"},
            {"rel": "self", "type": media, "href": href},
        ],
    }


async def test_acct_goes_through_webfinger_to_the_actor_id() -> None:
    fetcher = FakeFetcher({WEBFINGER: _jrd(), ACTOR: {"id": ACTOR, "type": "Person"}})
    for reference in ("acct:bob@social.example", "@bob@Social.Example", "bob@social.example"):
        assert await resolve_actor(fetcher, reference) == ACTOR
    assert fetcher.asked[:2] == [WEBFINGER, ACTOR]


async def test_an_actor_url_is_fetched_and_must_be_an_actor() -> None:
    note = "https://social.example/notes/1"
    fetcher = FakeFetcher(
        {ACTOR: {"id": ACTOR, "type": ["Person"]}, note: {"id": note, "type": "Note"}}
    )
    assert await resolve_actor(fetcher, ACTOR) == ACTOR
    with pytest.raises(ServiceError, match="not an actor"):
        await resolve_actor(fetcher, note)
    with pytest.raises(ServiceError, match=r"cannot resolve .*http_status"):
        await resolve_actor(fetcher, "https://social.example/users/nobody")


def test_handles_and_links() -> None:
    assert split_acct("acct:Bob@Social.Example") == ("Bob", "social.example")
    for bad in ("acct:bob", "bob@", "@host", "a@b@c", "bob@host/path"):
        with pytest.raises(ServiceError, match="not a handle"):
            split_acct(bad)
    media = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
    assert self_link(_jrd(media=media)) == ACTOR
    with pytest.raises(ServiceError, match="no ActivityPub actor"):
        self_link({"subject": "acct:x@y", "links": [{"rel": "self", "type": "text/html"}]})
