"""Reading what `coopfed verify` checks: signed or plain GETs (`Reader`), a decided
proposal's publication and its proofs. Shared by verify_client (single proposals) and
joint_verify (joint proposals, whose checks include each co-op's linked proposal)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from coopfed.activitypub.proofs import ProofError, verify_by_actor
from coopfed.cli.support import CliError
from coopfed.federation.mapping.publication import question_claims
from coopfed.governance.verification import Check, PublishedClaims

ACCEPT = "application/activity+json"

NOT_READABLE = frozenset({401, 403, 404, 410})


class Reader:
    """GETs of the documents a check needs: signed as the local node's instance actor when
    verify runs on a node (`signed_as`), plain otherwise. Members-only proposals, joint
    proposals and their linked proposals answer only signed readers they know (404 to the
    others, as if they did not exist): "not readable" then says so."""

    def __init__(self, client: httpx.Client, signed_as: str | None) -> None:
        self.client = client
        self.signed_as = signed_as

    def get(self, url: str) -> dict[str, Any]:
        if not url.startswith(("http://", "https://")):
            raise CliError(f"not an http(s) URL: {url!r}")
        try:
            response = self.client.get(url, headers={"Accept": ACCEPT})
        except httpx.HTTPError as error:
            raise CliError(f"could not fetch {url}: {error}") from error
        if response.status_code in NOT_READABLE:
            raise CliError(self._not_readable(url, response.status_code))
        if response.status_code != 200:
            raise CliError(f"{url} answered HTTP {response.status_code}")
        try:
            document = response.json()
        except ValueError as error:
            raise CliError(f"{url} did not answer JSON") from error
        if not isinstance(document, dict):
            raise CliError(f"{url} did not answer a JSON object")
        return document

    def _not_readable(self, url: str, status: int) -> str:
        if self.signed_as is None:
            why = (
                "unsigned; members-only and joint proposals are read with a signed GET: run"
                " `coopfed verify` on a node that may read it"
            )
        else:
            why = f"signed as {self.signed_as}"
        return f"could not check: not readable: {url} answered HTTP {status} ({why})"


@dataclass(frozen=True)
class Publication:
    question: dict[str, Any]
    claims: PublishedClaims
    bundle: dict[str, Any]
    actor: dict[str, Any]  # the co-op that signed: its assertionMethod holds the key


def fetch_publication(reader: Reader, url: str, question: dict[str, Any]) -> Publication:
    """The bundle the decided Question at `url` links to and the co-op that signed them."""
    claims = question_claims(question)
    if claims.bundle_url is None:
        raise CliError(f"{url} is not a decided proposal (no resultBundle)")
    if claims.coop_uri is None:
        raise CliError(f"{url} names no co-op (attributedTo)")
    bundle, actor = reader.get(claims.bundle_url), reader.get(claims.coop_uri)
    return Publication(question, claims, bundle, actor)


def proof_check(name: str, document: object, actor: dict[str, Any]) -> Check:
    """An eddsa-jcs-2022 proof by the co-op's own assertion key (same origin, FEP-fe34)."""
    if not isinstance(document, dict):
        return Check(name, False, "no signed document")
    try:
        verify_by_actor(document, actor)
    except ProofError as error:
        return Check(name, False, str(error))
    return Check(name, True, f"signed by {actor.get('id')}")


def proof_checks(publication: Publication) -> list[Check]:
    bundle, question = publication.bundle, publication.question
    record = bundle.get("record_document")
    checks = [
        proof_check("proof_question", question, publication.actor),
        proof_check("proof_record", record, publication.actor),
    ]
    if isinstance(record, dict):
        same = record.get("result") == bundle.get("result")
        detail = "same record" if same else "the signed record differs from the bundle's"
        checks.append(Check("record_document", same, detail))
    return checks
