"""A decided proposal's publication on the wire (FEDERATION.md, "Published results"): the
signed result-record Document, the `/ballots` and `/electorate` collections, and the claims a
Question makes about its count (log head and length, electorate and result hashes), read back
by `coopfed verify` and by the equivocation watch.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from coopfed.activitypub.vocab import CONTEXT
from coopfed.governance.verification import PublishedClaims


def record_document(
    record_uri: str, coop_uri: str, result_hash: str | None, result: Mapping[str, Any]
) -> dict[str, Any]:
    """The result record as a Document by the co-op (the caller signs it)."""
    return {
        "@context": CONTEXT,
        "id": f"{record_uri}/record",
        "type": "Document",
        "attributedTo": coop_uri,
        "partOf": record_uri,
        "resultHash": result_hash,
        "result": dict(result),
    }


def _collection(bundle: Mapping[str, Any], suffix: str, items: list[Any]) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "id": f"{bundle['proposal']}/{suffix}",
        "type": "OrderedCollection",
        "partOf": bundle["proposal"],
        "totalItems": len(items),
        "orderedItems": items,
    }


def ballots_collection(bundle: Mapping[str, Any]) -> dict[str, Any]:
    log = bundle["log"]
    document = _collection(bundle, "ballots", log["entries"])
    document["ballotLogHead"] = log["head"]
    document["ballotLogLength"] = log["length"]
    return document


def electorate_collection(bundle: Mapping[str, Any]) -> dict[str, Any]:
    electorate = bundle["electorate"]
    members = electorate["members"]
    document = _collection(bundle, "electorate", members or [])
    document["totalItems"] = electorate["size"]  # the size even when the list is withheld
    document["electorateHash"] = electorate["hash"]
    document["recordDate"] = electorate["record_date"]
    document["membersListed"] = members is not None
    return document


def _text(value: object) -> str | None:
    # A claim of the wrong type stays a claim (its text), so a check against it fails and
    # names it, rather than being skipped as if absent.
    return None if value is None else value if isinstance(value, str) else str(value)


def question_claims(question: Mapping[str, Any]) -> PublishedClaims:
    length = question.get("ballotLogLength")
    return PublishedClaims(
        proposal_id=_text(question.get("id")),
        log_head=_text(question.get("ballotLogHead")),
        log_length=length if type(length) is int and length >= 0 else None,
        electorate_hash=_text(question.get("electorateHash")),
        result_hash=_text(question.get("resultHash")),
        result_record=_text(question.get("resultRecord")),
        bundle_url=_text(question.get("resultBundle")),
        coop_uri=_text(question.get("attributedTo")),
    )
