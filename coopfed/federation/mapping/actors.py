"""Local actors (co-op Group, member Person, instance Application) as ActivityStreams."""

from __future__ import annotations

from typing import Any

from coopfed.activitypub.vocab import CONTEXT
from coopfed.store.actors import LocalActor
from coopfed.uris import Uris

AP_TYPES = {"coop": "Group", "project": "Group", "person": "Person", "instance": "Application"}


def local_actor_to_ap(
    actor: LocalActor, uris: Uris, *, manually_approves_followers: bool = False
) -> dict[str, Any]:
    actor_id = uris.actor(actor.username)
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "id": actor_id,
        "type": AP_TYPES[actor.kind],
        "preferredUsername": actor.username,
        "name": actor.display_name or actor.username,
        "summary": actor.summary,
        "url": uris.profile_page(actor.username),
        "inbox": uris.inbox(actor.username),
        "outbox": uris.outbox(actor.username),
        "followers": uris.followers(actor.username),
        "following": uris.following(actor.username),
        "endpoints": {"sharedInbox": uris.shared_inbox()},
        "manuallyApprovesFollowers": manually_approves_followers,
        "discoverable": actor.kind != "instance",
        "published": actor.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "publicKey": {
            "id": uris.actor_key(actor.username),
            "owner": actor_id,
            "publicKeyPem": actor.rsa_public_pem,
        },
        # FEP-521a: the Ed25519 key that signs object proofs (FEP-8b32).
        "assertionMethod": [
            {
                "id": uris.actor_ed25519_key(actor.username),
                "type": "Multikey",
                "controller": actor_id,
                "publicKeyMultibase": actor.ed25519_public_multibase,
            }
        ],
    }
    if actor.kind in {"coop", "project"}:
        document["members"] = uris.members(actor.username)
    return document
