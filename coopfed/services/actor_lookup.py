"""Finding a remote member's actor: `acct:user@host` through WebFinger, or an actor URL.

Every request goes through the safe fetcher (SSRF guard, size and time limits). The answer
is the actor document's own `id`, after checking that it is an actor; that IRI is what a
member is bound to and what their votes arrive signed by.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol
from urllib.parse import quote

from coopfed.activitypub.jsonbounds import JsonRejected, parse_json_object
from coopfed.activitypub.safefetch import FetchedDocument, FetchError
from coopfed.services.errors import ServiceError

ACTOR_TYPES = frozenset({"Person", "Service", "Application", "Group", "Organization"})
JRD_ACCEPT = "application/jrd+json, application/json"
SELF_TYPES = ("application/activity+json", "application/ld+json")


class Fetcher(Protocol):
    """What resolving needs of `SafeFetcher` (tests pass a fake)."""

    async def fetch(self, url: str, *, accept: str) -> FetchedDocument: ...

    async def fetch_object(self, url: str) -> dict[str, Any]: ...


def split_acct(reference: str) -> tuple[str, str]:
    """`acct:bob@social.example`, `bob@social.example` or `@bob@social.example` → (bob, host)."""
    user, sep, host = reference.removeprefix("acct:").lstrip("@").partition("@")
    if not sep or not user or not host or "@" in host or "/" in host:
        raise ServiceError(f"{reference!r} is not a handle like acct:user@host")
    return user, host.lower()


def self_link(jrd: Mapping[str, Any]) -> str:
    """The `rel=self` ActivityPub link of a WebFinger answer."""
    links = jrd.get("links")
    for link in links if isinstance(links, list) else []:
        if not isinstance(link, dict) or link.get("rel") != "self":
            continue
        media = str(link.get("type", "")).split(";")[0].strip()
        href = link.get("href")
        if media in SELF_TYPES and isinstance(href, str):
            return href
    raise ServiceError(f"WebFinger for {jrd.get('subject')!r} names no ActivityPub actor")


def actor_id(document: Mapping[str, Any]) -> str:
    kind = document.get("type")
    kinds = set(kind) if isinstance(kind, list) else {kind}
    if not kinds & ACTOR_TYPES:
        raise ServiceError(f"{document.get('id')!r} is a {kind!r}, not an actor")
    identifier = document.get("id")
    assert isinstance(identifier, str)  # fetch_object checked it is where we fetched it
    return identifier


async def resolve_actor(fetcher: Fetcher, reference: str, *, scheme: str = "https") -> str:
    """The actor IRI that `reference` (URL or acct:) names; ServiceError when it cannot."""
    return actor_id(await resolve_actor_document(fetcher, reference, scheme=scheme))


async def resolve_actor_document(
    fetcher: Fetcher, reference: str, *, scheme: str = "https"
) -> dict[str, Any]:
    """The actor document that `reference` names (checked to be an actor), for callers that
    keep it (its inbox is where deliveries go); ServiceError when it cannot be had."""
    try:
        if reference.startswith(("https://", "http://")):
            document = await fetcher.fetch_object(reference)
        else:
            user, host = split_acct(reference)
            resource = quote(f"acct:{user}@{host}", safe=":@")
            url = f"{scheme}://{host}/.well-known/webfinger?resource={resource}"
            answer = await fetcher.fetch(url, accept=JRD_ACCEPT)
            document = await fetcher.fetch_object(self_link(parse_json_object(answer.body)))
    except (FetchError, JsonRejected) as error:
        raise ServiceError(f"cannot resolve {reference}: {error}") from None
    actor_id(document)  # refuses a document that is not an actor
    return document
