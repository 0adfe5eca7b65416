"""ap_to_remote_actor over real actor documents from 14 fediverse servers, and its refusals."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from coopfed.federation.mapping.remote_actors import (
    ActorRefused,
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
