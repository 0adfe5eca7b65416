"""Answers to a Follow: `Accept` / `Reject` with the Follow embedded (Mastodon matches on it)."""

from __future__ import annotations

from typing import Any

from coopfed.activitypub.vocab import AS_NS


def follow_answer_to_ap(
    kind: str, *, activity_id: str, local_actor_uri: str, follow: dict[str, Any]
) -> dict[str, Any]:
    """`kind` is "Accept" or "Reject"; `follow` is the Follow as received (id, actor, object)."""
    assert kind in {"Accept", "Reject"}, kind
    embedded = {
        "id": follow["id"],
        "type": "Follow",
        "actor": follow["actor"],
        "object": local_actor_uri,
    }
    return {
        "@context": AS_NS,
        "id": activity_id,
        "type": kind,
        "actor": local_actor_uri,
        "object": embedded,
        "to": [follow["actor"]],
    }
