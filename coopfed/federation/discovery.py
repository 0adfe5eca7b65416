"""WebFinger (RFC 7033) and NodeInfo 2.1 documents: how other servers find this node."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import coopfed
from coopfed.uris import Uris

NODEINFO_SCHEMA = "http://nodeinfo.diaspora.software/ns/schema/2.1"


class WebfingerQueryError(ValueError):
    """The `resource` parameter is missing or not something we could ever answer."""


@dataclass(frozen=True)
class WebfingerTarget:
    username: str


def parse_webfinger_resource(resource: str, *, domain: str, uris: Uris) -> WebfingerTarget | None:
    """`acct:name@host[:port]` or one of our actor URLs → the local username, None if not ours.

    Hosts are compared case-insensitively; a leading `@` (as some clients send) is tolerated.
    """
    resource = unquote(resource.strip())
    if not resource:
        raise WebfingerQueryError("the resource parameter is required")
    if resource.startswith("acct:"):
        name, at, host = resource[5:].lstrip("@").rpartition("@")
        if not at or not name:
            raise WebfingerQueryError(f"{resource!r} is not of the form acct:name@host")
        if host.lower().rstrip(".") != domain:
            return None
        return WebfingerTarget(name.lower())
    prefix = uris.actor("")
    if resource.startswith(prefix) and "/" not in resource[len(prefix) :]:
        return WebfingerTarget(resource[len(prefix) :])
    if resource.startswith(("http://", "https://")):
        return None
    raise WebfingerQueryError(f"{resource!r} is neither an acct: URI nor an actor URL")


def webfinger_jrd(username: str, *, domain: str, uris: Uris) -> dict[str, Any]:
    return {
        "subject": f"acct:{username}@{domain}",
        "aliases": [uris.actor(username), uris.profile_page(username)],
        "links": [
            {"rel": "self", "type": "application/activity+json", "href": uris.actor(username)},
            {
                "rel": "http://webfinger.net/rel/profile-page",
                "type": "text/html",
                "href": uris.profile_page(username),
            },
        ],
    }


def nodeinfo_index(uris: Uris) -> dict[str, Any]:
    return {"links": [{"rel": NODEINFO_SCHEMA, "href": uris.nodeinfo()}]}


def nodeinfo_document(
    *, coop_name: str, coop_handle: str, people: int, open_registrations: bool
) -> dict[str, Any]:
    return {
        "version": "2.1",
        "software": {"name": "coopfed", "version": coopfed.__version__},
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": open_registrations,
        "usage": {"users": {"total": people}, "localPosts": 0},
        "metadata": {"nodeName": coop_name, "coopHandle": coop_handle},
    }
