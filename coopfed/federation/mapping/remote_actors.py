"""Remote actor documents (Person, Group, Service, …) into `RemoteActor`, or a typed refusal.

Origin rules (docs/protocol.md, docs/threats.md ORI-7): the inbox, the shared inbox and the key
must live on the actor's own origin; a document that points them elsewhere could redirect our
deliveries or lend another host's key to this actor.

Keys come from two places: `publicKey` (PEM, what Mastodon publishes) and FEP-521a `Multikey`
entries under `assertionMethod` (Ed25519 or RSA, what Fedify and others sign RFC 9421 requests
with). Both bind the same way: the entry names the actor as its owner/controller, and it is
on the actor's origin.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from coopfed.activitypub.httpsig.errors import KeyFormatError
from coopfed.activitypub.httpsig.keys import (
    PublicKey,
    load_public_key_pem,
    multibase_to_public_key,
    public_key_to_pem,
)
from coopfed.activitypub.origin import InvalidURL, origin_of
from coopfed.store.remote_actors import RemoteActor, StoredKey

ACTOR_TYPES = frozenset({"Person", "Group", "Service", "Application", "Organization"})


class ActorRefused(ValueError):
    """An actor document we will not use. `reason` is a short machine code."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class ActorKey:
    """A key as listed: exactly one of `public_key_pem` / `public_key_multibase` is set."""

    key_id: str
    owner: str  # `owner` of a publicKey entry, `controller` of a Multikey
    public_key_pem: str | None
    public_key_multibase: str | None = None


def _str(document: dict[str, Any], name: str) -> str | None:
    value = document.get(name)
    return value if isinstance(value, str) and value else None


def _origin(url: str, what: str) -> str:
    try:
        return origin_of(url)
    except InvalidURL:
        raise ActorRefused("invalid_url", f"{what} {url[:200]!r}") from None


def _same_origin(url: str, actor_origin: str, what: str) -> None:
    if _origin(url, what) != actor_origin:
        raise ActorRefused("cross_origin", f"{what} {url[:200]!r} is not on {actor_origin}")


def is_actor_document(document: dict[str, Any]) -> bool:
    kind = document.get("type")
    return isinstance(kind, str) and kind in ACTOR_TYPES


# Some servers publish the security terms expanded (`"https://w3id.org/security#publicKeyPem"`,
# values as `{"@value": …}` / `{"@id": …}` / one-element lists). We read both spellings by name,
# never by fetching a context: an attacker-chosen context URL would be a fetch we do not want.
SECURITY = "https://w3id.org/security#"


def term(entry: dict[str, Any], name: str) -> Any:
    """`name` in compact form, else its expanded security-vocabulary IRI (None when absent)."""
    if name in entry:
        return entry[name]
    if name == "id":
        return entry.get("@id")
    return entry.get(SECURITY + name)


def _scalar(value: Any) -> Any:
    """A JSON-LD value unwrapped: first of a list, `@value` of a value object, `@id` of a node."""
    if isinstance(value, list):
        return _scalar(value[0]) if len(value) == 1 else None
    if isinstance(value, dict):
        if "@value" in value:
            return value["@value"]
        if set(value) == {"@id"}:
            return value["@id"]
    return value


def term_str(entry: dict[str, Any], name: str) -> str | None:
    value = _scalar(term(entry, name))
    return value if isinstance(value, str) and value else None


def _entries(document: dict[str, Any], name: str) -> list[dict[str, Any]]:
    raw = term(document, name)
    return [entry for entry in (raw if isinstance(raw, list) else [raw]) if isinstance(entry, dict)]


def _is_multikey(entry: dict[str, Any]) -> bool:
    kind = entry.get("type")
    return kind == "Multikey" or (isinstance(kind, list) and "Multikey" in kind)


def actor_keys(document: dict[str, Any]) -> list[ActorKey]:
    """Every `publicKey` entry (id, owner, PEM), then every `Multikey` under `assertionMethod`
    (id, controller, multibase), as listed; binding to the actor is the caller's check."""
    keys: list[ActorKey] = []
    for entry in _entries(document, "publicKey"):
        key_id, owner = term_str(entry, "id"), term_str(entry, "owner")
        pem = term_str(entry, "publicKeyPem")
        if key_id and owner and pem:
            keys.append(ActorKey(key_id, owner, pem))
    for entry in _entries(document, "assertionMethod"):
        key_id, controller = _str(entry, "id"), _str(entry, "controller")
        multibase = _str(entry, "publicKeyMultibase")
        if _is_multikey(entry) and key_id and controller and multibase:
            keys.append(ActorKey(key_id, controller, None, multibase))
    return keys


def find_key(document: dict[str, Any], key_id: str) -> ActorKey | None:
    return next((key for key in actor_keys(document) if key.key_id == key_id), None)


def parse_public_key(key: ActorKey) -> PublicKey:
    try:
        if key.public_key_multibase is not None:
            return multibase_to_public_key(key.public_key_multibase)
        return load_public_key_pem(key.public_key_pem or "")
    except KeyFormatError as exc:
        raise ActorRefused("bad_key", str(exc)) from None


def key_pem(key: ActorKey) -> str:
    """The key as SPKI PEM (how keys are stored, whatever form the actor published)."""
    if key.public_key_pem is not None and key.public_key_multibase is None:
        return key.public_key_pem
    return public_key_to_pem(parse_public_key(key))


def _usable(key: ActorKey) -> bool:
    try:
        parse_public_key(key)
    except ActorRefused:
        return False
    return True


def bound_keys(document: dict[str, Any], actor_id: str, actor_origin: str) -> list[ActorKey]:
    """The keys a signature may be checked with: owned by the actor, on its origin, decodable."""
    return [
        key
        for key in actor_keys(document)
        if key.owner == actor_id and _origin_or_none(key.key_id) == actor_origin and _usable(key)
    ]


def _origin_or_none(url: str) -> str | None:
    try:
        return origin_of(url)
    except InvalidURL:
        return None


def _main_key(document: dict[str, Any], actor_id: str, actor_origin: str) -> ActorKey:
    keys = actor_keys(document)
    if not keys:
        raise ActorRefused("no_key", "a publicKey (PEM) or an assertionMethod Multikey is needed")
    owned = [key for key in keys if key.owner == actor_id]
    if not owned:
        raise ActorRefused("key_owner", f"no key owned by {actor_id[:200]}")
    key = owned[0]
    _same_origin(key.key_id, actor_origin, "key id")
    parse_public_key(key)
    return key


def _shared_inbox(document: dict[str, Any]) -> str | None:
    endpoints = document.get("endpoints")
    if isinstance(endpoints, dict):
        return _str(endpoints, "sharedInbox")
    return None


def ap_to_remote_actor(document: dict[str, Any]) -> RemoteActor:
    """Read an actor document; raise ActorRefused when it is unusable or breaks origin rules."""
    actor_id = _str(document, "id")
    if actor_id is None:
        raise ActorRefused("no_id", "an actor needs an id")
    kind = document.get("type")
    if not isinstance(kind, str) or kind not in ACTOR_TYPES:
        raise ActorRefused("not_actor", f"type {str(kind)[:40]!r} is not an actor type")
    actor_origin = _origin(actor_id, "actor id")
    inbox = _str(document, "inbox")
    if inbox is None:
        raise ActorRefused("no_inbox", "an actor needs an inbox")
    _same_origin(inbox, actor_origin, "inbox")
    shared_inbox = _shared_inbox(document)
    if shared_inbox is not None:
        _same_origin(shared_inbox, actor_origin, "sharedInbox")
    key = _main_key(document, actor_id, actor_origin)
    keys = bound_keys(document, actor_id, actor_origin)
    return RemoteActor(
        uri=actor_id,
        host=actor_origin.split("://", 1)[1],
        type=kind,
        preferred_username=(_str(document, "preferredUsername") or "")[:255],
        display_name=(_str(document, "name") or "")[:500],
        inbox=inbox,
        shared_inbox=shared_inbox,
        key_id=key.key_id,
        public_key_pem=key_pem(key),
        document=json.dumps(document, ensure_ascii=False, separators=(",", ":")),
        keys=tuple(StoredKey(bound.key_id, key_pem(bound)) for bound in keys),
    )
