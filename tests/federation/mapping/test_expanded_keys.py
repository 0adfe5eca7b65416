"""Keys published in expanded JSON-LD (`https://w3id.org/security#publicKeyPem`, `@value`, `@id`,
one-element lists) read like compact ones, without fetching any context (issue 13, "Also")."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from coopfed.federation.mapping.remote_actors import actor_keys, ap_to_remote_actor, term_str

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "keys"


def load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return document


def test_compact_and_expanded_actor_documents_give_the_same_key() -> None:
    compact = ap_to_remote_actor(load("compact_person.json"))
    expanded = ap_to_remote_actor(load("expanded_person.json"))
    assert expanded.key_id == compact.key_id
    assert expanded.key_id == load("compact_person.json")["publicKey"]["id"]
    assert expanded.public_key_pem == compact.public_key_pem
    assert expanded.public_key_pem.startswith("-----BEGIN PUBLIC KEY-----")
    assert expanded.keys == compact.keys and len(expanded.keys) == 1


def test_an_expanded_key_document_names_its_owner_and_pem() -> None:
    compact, expanded = load("compact_key.json"), load("expanded_key.json")
    for name in ("id", "owner", "publicKeyPem"):
        assert term_str(expanded, name) == compact[name]


def test_ambiguous_expanded_values_are_not_guessed() -> None:
    document = load("expanded_person.json")
    entry = document["https://w3id.org/security#publicKey"][0]
    pem = entry["https://w3id.org/security#publicKeyPem"][0]
    entry["https://w3id.org/security#publicKeyPem"] = [pem, {"@value": "other"}]
    assert actor_keys(document) == []
