"""General assemblies as ActivityStreams `Event`s, shaped as Mobilizon shapes its events, and
the `Create` / `Update` activities that carry them (FEDERATION.md "General assemblies").

Mobilizon (lib/federation/activity_stream/converter/event.ex) sends `name`, `content` as HTML
with `mediaType`, `startTime`, `endTime`, `location` as a `Place`, an online address as an
`attachment` `Link` named "Website" with `mediaType` text/html, `isOnline`, `joinMode` and
`attributedTo` the group. We send the same fields (Mobilizon, Mastodon and others show such an
Event with its name, time and place) plus the agenda under a coopfed term. Attendance is never
on the wire: who came to a meeting is the co-op's business.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from coopfed.activitypub.vocab import CONTEXT
from coopfed.federation.mapping.proposals import Visibility, addressing_for
from coopfed.governance.canonical import rfc3339

# Mobilizon's name for an event's online address (its converter's @online_address_name).
ONLINE_ADDRESS_NAME = "Website"
MOBILIZON_NS = "https://joinmobilizon.org/ns#"
# Mobilizon's own terms, inline as it defines them, then ours.
EVENT_TERMS: dict[str, Any] = {
    "mz": MOBILIZON_NS,
    "joinMode": {"@id": "mz:joinMode", "@type": "mz:joinModeType"},
    "joinModeType": {"@id": "mz:joinModeType", "@type": "rdfs:Class"},
    "isOnline": {"@id": "mz:isOnline", "@type": "sc:Boolean"},
    "sc": "http://schema.org#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "agenda": {"@id": "coopfed:agenda", "@type": "@id", "@container": "@list"},
    "assemblyQuorum": "coopfed:assemblyQuorum",
}
EVENT_CONTEXT: list[Any] = [*CONTEXT, EVENT_TERMS]


@dataclass(frozen=True)
class AgendaItem:
    """One proposal on the agenda, as the Event's audience may see it."""

    proposal_id: str  # the proposal's IRI
    title: str
    state: str  # draft | open | closed | decided | withdrawn


@dataclass(frozen=True)
class AssemblyView:
    """Everything the Event shows; services fill it (the agenda already cut to what the
    Event's audience may see, by services/audience.py)."""

    assembly_id: str  # the Event's IRI (also its page)
    title: str
    starts_at: datetime
    ends_at: datetime | None
    place: str | None
    link: str | None
    quorum: str | None
    visibility: Visibility
    coop_actor: str
    coop_followers: str
    published: datetime
    updated: datetime
    agenda: tuple[AgendaItem, ...] = ()
    member_actors: tuple[str, ...] = ()  # members-only: the one recipient of a copy
    ally_actors: tuple[str, ...] = ()


def assembly_to_event(view: AssemblyView) -> dict[str, Any]:
    """The Event served at the assembly's IRI and carried by Create/Update."""
    to, cc = addressing_for(
        view.visibility, view.coop_followers, view.member_actors, view.ally_actors
    )
    event: dict[str, Any] = {
        "@context": EVENT_CONTEXT,
        "id": view.assembly_id,
        "type": "Event",
        "name": view.title,
        "attributedTo": view.coop_actor,
        "url": view.assembly_id,
        "to": to,
        "cc": cc,
        "mediaType": "text/html",
        "content": event_content(view),
        "startTime": rfc3339(view.starts_at),
        "published": rfc3339(view.published),
        "updated": rfc3339(view.updated),
        "joinMode": "restricted",  # members attend; an admin records who came
        "isOnline": view.link is not None,
        "visibility": view.visibility.value,
        "agenda": [item.proposal_id for item in view.agenda],
        "assemblyQuorum": view.quorum,
    }
    if view.ends_at is not None:
        event["endTime"] = rfc3339(view.ends_at)
    if view.place is not None:
        event["location"] = {"type": "Place", "name": view.place}
    if view.link is not None:
        event["attachment"] = [
            {
                "type": "Link",
                "href": view.link,
                "mediaType": "text/html",
                "name": ONLINE_ADDRESS_NAME,
            }
        ]
    if view.visibility is Visibility.MEMBERS:
        # Mastodon delivers a non-public post to a user only if it mentions them.
        event["tag"] = [{"type": "Mention", "href": actor} for actor in to]
    return event


def event_content(view: AssemblyView) -> str:
    """HTML from escaped plain text: where and when, then the agenda with links."""
    where = view.place if view.place is not None else view.link or ""
    parts = [
        f"<p><strong>{html.escape(view.title)}</strong></p>",
        f"<p>{html.escape(rfc3339(view.starts_at))}, {html.escape(where)}</p>",
    ]
    if view.agenda:
        items = "".join(
            f'<li><a href="{html.escape(item.proposal_id, quote=True)}">'
            f"{html.escape(item.title)}</a></li>"
            for item in view.agenda
        )
        parts.append(f"<p>Agenda:</p><ol>{items}</ol>")
    return "".join(parts)


def create_activity_id(event_id: str) -> str:
    return f"{event_id}/activity"


def update_activity_id(event_id: str, sequence: str) -> str:
    return f"{event_id}#updates/{sequence}"


def _wrap(kind: str, activity_id: str, event: dict[str, Any]) -> dict[str, Any]:
    inner = {key: value for key, value in event.items() if key != "@context"}
    activity: dict[str, Any] = {
        "@context": event["@context"],
        "id": activity_id,
        "type": kind,
        "actor": event["attributedTo"],
        "to": list(event["to"]),
        "cc": list(event["cc"]),
        "object": inner,
    }
    if kind == "Create":
        activity["published"] = event["published"]
    return activity


def event_create_activity(event: dict[str, Any]) -> dict[str, Any]:
    """`Create(Event)` by the co-op when the assembly is scheduled."""
    return _wrap("Create", create_activity_id(event["id"]), event)


def event_update_activity(event: dict[str, Any], *, sequence: str) -> dict[str, Any]:
    """`Update(Event)` with the whole Event, when its agenda (or anything it shows) changed."""
    return _wrap("Update", update_activity_id(event["id"], sequence), event)
