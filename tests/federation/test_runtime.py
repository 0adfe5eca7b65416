"""KeyCache: an actor's Update or Delete drops every key it listed, not only its main key."""

from __future__ import annotations

from coopfed.activitypub.httpsig import PublicKeyRecord
from coopfed.activitypub.httpsig.keys import generate_ed25519_key
from coopfed.federation.runtime import KeyCache


def test_forget_owner_drops_every_key_of_that_actor_only() -> None:
    public = generate_ed25519_key().public_key()
    cache = KeyCache()
    for key_id, owner in [("a#main-key", "a"), ("a#ed25519-key", "a"), ("b#main-key", "b")]:
        cache.put(PublicKeyRecord(key_id, owner, public))
    cache.forget_owner("a")
    assert cache.get("a#main-key") is None and cache.get("a#ed25519-key") is None
    assert cache.get("b#main-key") is not None
