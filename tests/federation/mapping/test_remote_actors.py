"""ap_to_remote_actor over real actor documents from 14 fediverse servers, and its refusals."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from coopfed.activitypub.httpsig.keys import (
    PublicKey,
    generate_ed25519_key,
    generate_rsa_key,
    public_key_to_multibase,
    public_key_to_pem,
)
from coopfed.federation.mapping.remote_actors import (
    ActorRefused,
    actor_keys,
    ap_to_remote_actor,
    find_key,
    parse_public_key,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "actors"
ALL = sorted(FIXTURES.glob("*.json"))
# GNU social's fixture group lists a key owned by another actor (actor/2 for actor/21).
REFUSED = {"gnusocial_group.json": "key_owner"}


def load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return document


def test_the_corpus_is_there() -> None:
    assert len(ALL) >= 20


@pytest.mark.parametrize("path", ALL, ids=[p.name for p in ALL])
def test_real_actor_documents(path: Path) -> None:
    document = json.loads(path.read_text())
    if path.name in REFUSED:
        with pytest.raises(ActorRefused) as caught:
            ap_to_remote_actor(document)
        assert caught.value.reason == REFUSED[path.name]
        return
    actor = ap_to_remote_actor(document)
    assert actor.uri == document["id"]
    assert actor.type == document["type"]
    assert actor.inbox == document["inbox"]
    assert actor.key_id == document["publicKey"]["id"]
    assert actor.host in actor.uri
    assert actor.key_id is not None
    key = find_key(document, actor.key_id)
    assert key is not None
    parse_public_key(key)  # a real RSA key
    assert json.loads(actor.document) == document
    endpoints = document.get("endpoints")
    if isinstance(endpoints, dict) and "sharedInbox" in endpoints:
        assert actor.shared_inbox == endpoints["sharedInbox"]


def _mastodon() -> dict[str, Any]:
    return copy.deepcopy(load("mastodon_person.json"))


def _broken(change: str) -> dict[str, Any]:
    doc = _mastodon()
    if change == "no_id":
        del doc["id"]
    elif change == "not_actor":
        doc["type"] = "Note"
    elif change == "no_inbox":
        del doc["inbox"]
    elif change == "inbox_elsewhere":
        doc["inbox"] = "https://evil.example/inbox"
    elif change == "shared_inbox_elsewhere":
        doc["endpoints"]["sharedInbox"] = "https://evil.example/inbox"
    elif change == "key_elsewhere":
        doc["publicKey"]["id"] = "https://evil.example/key"
    elif change == "no_key":
        del doc["publicKey"]
    elif change == "key_owner":
        doc["publicKey"]["owner"] = "https://masto.qa.urbanwildlife.biz/users/other"
    elif change == "bad_key":
        doc["publicKey"]["publicKeyPem"] = (
            "-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----"
        )
    elif change == "bad_url":
        doc["id"] = "ftp://masto.qa.urbanwildlife.biz/users/mastodon"
    return doc


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("no_id", "no_id"),
        ("not_actor", "not_actor"),
        ("no_inbox", "no_inbox"),
        ("inbox_elsewhere", "cross_origin"),
        ("shared_inbox_elsewhere", "cross_origin"),
        ("key_elsewhere", "cross_origin"),
        ("no_key", "no_key"),
        ("key_owner", "key_owner"),
        ("bad_key", "bad_key"),
        ("bad_url", "invalid_url"),
    ],
)
def test_refusals_are_typed(change: str, reason: str) -> None:
    with pytest.raises(ActorRefused) as caught:
        ap_to_remote_actor(_broken(change))
    assert caught.value.reason == reason


def test_a_list_of_keys_picks_the_one_the_actor_owns() -> None:
    doc = _mastodon()
    own = doc["publicKey"]
    foreign = {**own, "id": own["id"] + "-x", "owner": "https://elsewhere.example/u"}
    doc["publicKey"] = [foreign, own]
    assert ap_to_remote_actor(doc).key_id == own["id"]


# --- FEP-521a Multikeys under assertionMethod (what Fedify publishes beside publicKey) -------

ACTOR = "https://masto.qa.urbanwildlife.biz/users/mastodon"


def _multikey(key_id: str, key: PublicKey, controller: str = ACTOR) -> dict[str, Any]:
    return {
        "id": key_id,
        "type": "Multikey",
        "controller": controller,
        "publicKeyMultibase": public_key_to_multibase(key),
    }


def _fedify_like(ed_key: PublicKey, rsa_key: PublicKey, **ed_changes: str) -> dict[str, Any]:
    """Mastodon's fixture with Fedify's layout: `#multikey-1` (RSA), `#multikey-2` (Ed25519)."""
    doc = _mastodon()
    doc["assertionMethod"] = [
        _multikey(f"{ACTOR}#multikey-1", rsa_key),
        {**_multikey(f"{ACTOR}#multikey-2", ed_key), **ed_changes},
    ]
    return doc


@pytest.fixture(scope="module")
def ed_key() -> PublicKey:
    return generate_ed25519_key().public_key()


@pytest.fixture(scope="module")
def rsa_key() -> PublicKey:
    return generate_rsa_key().public_key()


def test_multikeys_are_listed_after_publickey_with_controller_as_owner(
    ed_key: PublicKey, rsa_key: PublicKey
) -> None:
    doc = _fedify_like(ed_key, rsa_key)
    keys = actor_keys(doc)
    assert [key.key_id for key in keys] == [
        f"{ACTOR}#main-key",
        f"{ACTOR}#multikey-1",
        f"{ACTOR}#multikey-2",
    ]
    assert {key.owner for key in keys} == {ACTOR}
    ed = find_key(doc, f"{ACTOR}#multikey-2")
    assert ed is not None and ed.public_key_pem is None
    assert parse_public_key(ed).public_bytes_raw() == ed_key.public_bytes_raw()  # type: ignore[union-attr]
    rsa_multikey = find_key(doc, f"{ACTOR}#multikey-1")
    assert rsa_multikey is not None
    assert parse_public_key(rsa_multikey).public_numbers() == rsa_key.public_numbers()  # type: ignore[union-attr]
    assert find_key(doc, f"{ACTOR}#multikey-3") is None  # not listed


def test_the_stored_actor_carries_every_bound_key_as_pem(
    ed_key: PublicKey, rsa_key: PublicKey
) -> None:
    actor = ap_to_remote_actor(_fedify_like(ed_key, rsa_key))
    assert actor.key_id == f"{ACTOR}#main-key"  # publicKey stays the main key
    stored = {key.key_id: key.public_key_pem for key in actor.keys}
    assert list(stored) == [f"{ACTOR}#main-key", f"{ACTOR}#multikey-1", f"{ACTOR}#multikey-2"]
    assert stored[f"{ACTOR}#multikey-2"] == public_key_to_pem(ed_key)
    assert stored[f"{ACTOR}#multikey-1"] == public_key_to_pem(rsa_key)


@pytest.mark.parametrize(
    "change",
    [
        {"controller": "https://masto.qa.urbanwildlife.biz/users/other"},  # wrong controller
        {"id": "https://evil.example/users/mastodon#multikey-2"},  # other origin
        {"type": "Ed25519VerificationKey2020"},  # not a Multikey
        {"publicKeyMultibase": "zNotBase58!"},  # undecodable
    ],
    ids=["wrong_controller", "other_origin", "not_multikey", "bad_multibase"],
)
def test_multikeys_that_do_not_bind_are_not_kept(
    ed_key: PublicKey, rsa_key: PublicKey, change: dict[str, str]
) -> None:
    actor = ap_to_remote_actor(_fedify_like(ed_key, rsa_key, **change))
    kept = [key.key_id for key in actor.keys]
    assert kept == [f"{ACTOR}#main-key", f"{ACTOR}#multikey-1"]


def test_an_actor_with_only_a_multikey_is_usable(ed_key: PublicKey) -> None:
    doc = _mastodon()
    del doc["publicKey"]
    doc["assertionMethod"] = _multikey(f"{ACTOR}#ed", ed_key)  # a single object, not a list
    actor = ap_to_remote_actor(doc)
    assert actor.key_id == f"{ACTOR}#ed"
    assert actor.public_key_pem == public_key_to_pem(ed_key)
    doc["assertionMethod"]["controller"] = f"{ACTOR}-other"
    with pytest.raises(ActorRefused) as caught:
        ap_to_remote_actor(doc)
    assert caught.value.reason == "key_owner"
