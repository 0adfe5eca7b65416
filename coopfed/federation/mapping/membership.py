"""Membership on the wire (FEDERATION.md "Membership").

In: `Join` of the co-op (optional `content` message, optional `memberClass`), `Leave` of the
co-op, `Move` to an actor whose `alsoKnownAs` lists the mover. Out, always by the co-op actor:
`Accept`/`Reject` of the Join (reason in `content` on reject), a private `Create{Note}` telling the
applicant the outcome in words, `Add`/`Remove` of the member's actor on the `members` collection,
and `Update` of the member record (re-binding, class, shares).
The member record is an ActivityStreams `Relationship` (subject: the member's actor, object: the
co-op, relationship: coopfed's `member`) with coopfed's terms inlined. A custom type such as
Mobilizon's `Member` makes Fedify refuse the whole activity (400 "Invalid type"), so the record
uses a type every AS2 parser knows.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from coopfed.activitypub.vocab import AS_NS, COOPFED_NS
from coopfed.federation.mapping.direct_messages import DirectReply, direct_reply_to_ap

MESSAGE_LIMIT = 2000
MEMBER_RELATIONSHIP: Final = f"{COOPFED_NS}member"
CLASS_LIMIT = 64

MEMBERSHIP_TERMS: Final[dict[str, Any]] = {
    "coopfed": COOPFED_NS,
    "memberClass": "coopfed:memberClass",
    "shares": "coopfed:shares",
    "memberStatus": "coopfed:memberStatus",
    "memberId": "coopfed:memberId",
    "decision": "coopfed:decision",
    "history": "coopfed:history",
    "alsoKnownAs": {"@id": "as:alsoKnownAs", "@type": "@id"},
}
CONTEXT: Final[list[Any]] = [AS_NS, MEMBERSHIP_TERMS]


@dataclass(frozen=True)
class JoinRequest:
    activity_id: str
    actor: str
    message: str
    requested_class: str | None


class MembershipRefused(ValueError):
    """An incoming membership activity we do not act on; the text says why."""


def _id_of(value: Any) -> str | None:
    if isinstance(value, str) and value:
        return value
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return str(value["id"])
    return None


def _plain_text(value: Any) -> str:
    """A message as plain text: HTML tags dropped (Mastodon and Fedify send `content` HTML)."""
    if isinstance(value, dict):  # contentMap: take any language
        value = next((v for v in value.values() if isinstance(v, str)), "")
    if not isinstance(value, str):
        return ""
    text, inside = [], False
    for char in value.replace("<br>", "\n").replace("</p><p>", "\n\n"):
        if char == "<":
            inside = True
        elif char == ">":
            inside = False
        elif not inside:
            text.append(char)
    return html.unescape("".join(text)).strip()[:MESSAGE_LIMIT]


def ap_to_join(activity: Mapping[str, Any], coop_uri: str) -> JoinRequest:
    """A Join of our co-op; `MembershipRefused` for a Join of anything else."""
    if _id_of(activity.get("object")) != coop_uri:
        raise MembershipRefused("Join of something other than the co-op")
    actor = _id_of(activity.get("actor"))
    activity_id = activity.get("id")
    if actor is None or not isinstance(activity_id, str):
        raise MembershipRefused("Join without actor or id")
    requested = activity.get("memberClass", activity.get("coopfed:memberClass"))
    if requested is not None and (not isinstance(requested, str) or len(requested) > CLASS_LIMIT):
        raise MembershipRefused("memberClass must be a class name")
    message = _plain_text(activity.get("content") or activity.get("contentMap"))
    if not message:
        message = _plain_text(activity.get("summary"))
    return JoinRequest(activity_id, actor, message, requested.strip() if requested else None)


def is_leave_of(activity: Mapping[str, Any], coop_uri: str) -> bool:
    return _id_of(activity.get("object")) == coop_uri


def move_target(activity: Mapping[str, Any], actor: str) -> str:
    """The new actor of a `Move` of `actor` itself; `MembershipRefused` otherwise."""
    if _id_of(activity.get("object")) != actor:
        raise MembershipRefused("an actor may only move itself")
    target = _id_of(activity.get("target"))
    if target is None or target == actor:
        raise MembershipRefused("Move without a new actor as target")
    return target


def also_known_as(document: Mapping[str, Any]) -> list[str]:
    raw = document.get("alsoKnownAs", [])
    values = raw if isinstance(raw, list) else [raw]
    return [found for found in (_id_of(value) for value in values) if found is not None]


def join_answer_to_ap(
    kind: str,
    *,
    activity_id: str,
    coop_uri: str,
    join_id: str,
    applicant: str,
    reason: str = "",
) -> dict[str, Any]:
    """`Accept` or `Reject` of a Join, the Join embedded as it was (Mobilizon matches on it)."""
    assert kind in {"Accept", "Reject"}, kind
    activity: dict[str, Any] = {
        "@context": AS_NS,
        "id": activity_id,
        "type": kind,
        "actor": coop_uri,
        "object": {"id": join_id, "type": "Join", "actor": applicant, "object": coop_uri},
        "to": [applicant],
    }
    if reason:
        activity["content"] = f"<p>{html.escape(reason)}</p>"
    return activity


@dataclass(frozen=True, slots=True)
class ApplicationOutcome:
    """What became of an application, told privately to the applicant's actor."""

    note_id: str
    activity_id: str
    coop_actor: str
    applicant: str
    text: str  # plain text, worded by the caller; escaped here
    published: str  # RFC 3339


def application_outcome_to_ap(outcome: ApplicationOutcome) -> dict[str, Any]:
    """`Create{Note}` to and mentioning only the applicant (a private mention in Mastodon).

    Sent besides the `Accept`/`Reject` of a Join: an app shows those as a state at most, and
    the reason not at all; a private note reads the same in every app, reason and link included.
    """
    reply = DirectReply(
        activity_id=outcome.activity_id,
        note_id=outcome.note_id,
        sender=outcome.coop_actor,
        recipient=outcome.applicant,
        text=outcome.text,
        in_reply_to=None,
        published=outcome.published,
    )
    return direct_reply_to_ap(reply)


@dataclass(frozen=True)
class MemberView:
    """What the wire says about one member."""

    record_uri: str
    member_id: str
    actor: str
    member_class: str
    shares: int
    status: str
    published: str


def member_record_to_ap(
    view: MemberView, coop_uri: str, history: Sequence[Mapping[str, Any]] | None = None
) -> dict[str, Any]:
    """The member record: a `Relationship` of the member's actor to the co-op."""
    record: dict[str, Any] = {
        "@context": CONTEXT,
        "id": view.record_uri,
        "type": "Relationship",
        "subject": view.actor,
        "object": coop_uri,
        "relationship": MEMBER_RELATIONSHIP,
        "memberId": view.member_id,
        "memberClass": view.member_class,
        "shares": view.shares,
        "memberStatus": view.status,
        "published": view.published,
    }
    if history is not None:
        record["history"] = [dict(event) for event in history]
    return record


def _embedded_record(view: MemberView, coop_uri: str) -> dict[str, Any]:
    record = member_record_to_ap(view, coop_uri)
    record.pop("@context")
    return record


def add_member_to_ap(
    *, activity_id: str, coop_uri: str, members_uri: str, view: MemberView, cc: Sequence[str]
) -> dict[str, Any]:
    """`Add{actor}` to the members collection; `instrument` carries the member record."""
    return {
        "@context": CONTEXT,
        "id": activity_id,
        "type": "Add",
        "actor": coop_uri,
        "object": view.actor,
        "target": members_uri,
        "instrument": _embedded_record(view, coop_uri),
        "to": [view.actor],
        "cc": list(cc),
    }


def remove_member_to_ap(
    *,
    activity_id: str,
    coop_uri: str,
    members_uri: str,
    view: MemberView,
    decision: Mapping[str, Any],
    cc: Sequence[str],
) -> dict[str, Any]:
    """`Remove{actor}` from the members collection (left, suspended or expelled)."""
    return {
        "@context": CONTEXT,
        "id": activity_id,
        "type": "Remove",
        "actor": coop_uri,
        "object": view.actor,
        "origin": members_uri,  # AS2: the collection removed from (Mobilizon reads `origin`)
        "target": members_uri,  # Mastodon reads `target` for Remove from featured collections
        "instrument": _embedded_record(view, coop_uri),
        "decision": dict(decision),
        "to": [view.actor],
        "cc": list(cc),
    }


def update_member_to_ap(
    *, activity_id: str, coop_uri: str, view: MemberView, to: Sequence[str], cc: Sequence[str]
) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "id": activity_id,
        "type": "Update",
        "actor": coop_uri,
        "object": _embedded_record(view, coop_uri),
        "to": list(to),
        "cc": list(cc),
    }
