"""The client half of `coopfed verify`: fetching a decided proposal's publication over HTTP
and checking it. Kept apart from verify_commands so that building the CLI's parser imports
neither httpx nor cryptography (tests/cli/test_cli_imports.py)."""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from typing import Any

import httpx

from coopfed.activitypub.proofs import ProofError, verify_by_actor
from coopfed.cli.support import CliError, print_json
from coopfed.federation.mapping.publication import question_claims
from coopfed.governance.verification import Check, PublishedClaims, Unverifiable, verify

ACCEPT = "application/activity+json"
TIMEOUT = 20.0


# A receipt is an entry hash (sha256, hex); around it, what `coopfed vote` prints.
_RECEIPT = re.compile(r"(?:[a-z_]+:\s*)?(?:receipt\s+)?([0-9a-f]{64})", re.IGNORECASE)


def parse_receipt(text: str) -> str:
    """The hash in `text`: "HASH", "receipt HASH" or "counted: receipt HASH"."""
    match = _RECEIPT.fullmatch(text.strip())
    if match is None:
        raise CliError(
            f"not a receipt: {text!r} (give the 64-hex hash or the line `coopfed vote` printed)"
        )
    return match.group(1).lower()


def _get(client: httpx.Client, url: str) -> dict[str, Any]:
    if not url.startswith(("http://", "https://")):
        raise CliError(f"not an http(s) URL: {url!r}")
    try:
        response = client.get(url, headers={"Accept": ACCEPT})
    except httpx.HTTPError as error:
        raise CliError(f"could not fetch {url}: {error}") from error
    if response.status_code != 200:
        raise CliError(f"{url} answered HTTP {response.status_code}")
    try:
        document = response.json()
    except ValueError as error:
        raise CliError(f"{url} did not answer JSON") from error
    if not isinstance(document, dict):
        raise CliError(f"{url} did not answer a JSON object")
    return document


@dataclass(frozen=True)
class Publication:
    question: dict[str, Any]
    claims: PublishedClaims
    bundle: dict[str, Any]
    actor: dict[str, Any]  # the co-op that signed: its assertionMethod holds the key


def fetch_publication(url: str) -> Publication:
    """The decided Question at `url`, the bundle it links to and the co-op that signed them."""
    with httpx.Client(timeout=TIMEOUT, follow_redirects=False) as client:
        question = _get(client, url)
        claims = question_claims(question)
        if claims.bundle_url is None:
            raise CliError(f"{url} is not a decided proposal (no resultBundle)")
        if claims.coop_uri is None:
            raise CliError(f"{url} names no co-op (attributedTo)")
        bundle, actor = _get(client, claims.bundle_url), _get(client, claims.coop_uri)
        return Publication(question, claims, bundle, actor)


def _proof_check(name: str, document: object, actor: dict[str, Any]) -> Check:
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
        _proof_check("proof_question", question, publication.actor),
        _proof_check("proof_record", record, publication.actor),
    ]
    if isinstance(record, dict):
        same = record.get("result") == bundle.get("result")
        detail = "same record" if same else "the signed record differs from the bundle's"
        checks.append(Check("record_document", same, detail))
    return checks


def _report(url: str, checks: list[Check], as_json: bool) -> int:
    differences = [f"{c.name}: {c.detail}" for c in checks if not c.ok]
    if as_json:
        print_json(
            {
                "verified": not differences,
                "proposal": url,
                "checks": [c.to_dict() for c in checks],
                "differences": differences,
            }
        )
    elif differences:
        print(f"differs: {url}")
        for line in differences:
            print(f"  {line}")
    else:
        print(f"verified: {url}")
        for check in checks:
            print(f"  {check.name}: {check.detail}")
    return 1 if differences else 0


def cmd_verify(args: argparse.Namespace) -> int:
    receipts = [parse_receipt(text) for text in args.receipt]  # bad input: exit 2 before fetching
    publication = fetch_publication(args.url)
    try:
        checks = verify(publication.bundle, publication.claims, receipts)
    except Unverifiable as error:
        raise CliError(f"cannot verify {args.url}: {error}") from error
    return _report(args.url, [*proof_checks(publication), *checks], args.json)
