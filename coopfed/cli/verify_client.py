"""The client half of `coopfed verify`: fetching a decided proposal's publication over HTTP
and checking it. Kept apart from verify_commands so that building the CLI's parser imports
neither httpx nor cryptography (tests/cli/test_cli_imports.py)."""

from __future__ import annotations

import argparse
import re
from typing import TYPE_CHECKING, Any

import httpx

from coopfed.cli import joint_verify
from coopfed.cli.support import CliError, print_json, run, settings_from
from coopfed.cli.verify_reading import Reader, fetch_publication, proof_checks
from coopfed.governance.verification import Check, Unverifiable, verify

if TYPE_CHECKING:
    from coopfed.settings import Settings

TIMEOUT = 20.0


# A receipt is an entry hash (sha256, hex); around it, what `coopfed vote` prints (with
# "(bob for alice)" after the status for a ballot cast by proxy).
_RECEIPT = re.compile(
    r"(?:[a-z_]+(?:\s+\([^()]*\))?:\s*)?(?:receipt\s+)?([0-9a-f]{64})", re.IGNORECASE
)


def parse_receipt(text: str) -> str:
    """The hash in `text`: "HASH", "receipt HASH", "counted: receipt HASH" or "counted (bob
    for alice): receipt HASH"."""
    match = _RECEIPT.fullmatch(text.strip())
    if match is None:
        raise CliError(
            f"not a receipt: {text!r} (give the 64-hex hash or the line `coopfed vote` printed)"
        )
    return match.group(1).lower()


def _report(url: str, checks: list[Check], as_json: bool, extra: dict[str, Any]) -> int:
    differences = [f"{c.name}: {c.detail}" for c in checks if not c.ok]
    if as_json:
        print_json(
            {
                "verified": not differences,
                "proposal": url,
                "checks": [c.to_dict() for c in checks],
                "differences": differences,
                **extra,
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


def local_signer(args: argparse.Namespace) -> tuple[httpx.Auth | None, str | None]:
    """On a node (its config found as every other command finds it), the instance actor's
    signer and IRI; (None, None) elsewhere or with --unsigned. A config named with --config
    that cannot be used is an error, not a silent fall-back to unsigned."""
    if getattr(args, "unsigned", False):
        return None, None
    from coopfed.settings import SettingsError

    try:
        settings = settings_from(args)
    except (CliError, SettingsError):
        if args.config:
            raise
        return None, None
    from sqlalchemy.exc import SQLAlchemyError

    try:
        return run(_instance_signer(settings))
    except (SQLAlchemyError, OSError) as error:
        raise CliError(f"cannot read this node's instance actor: {error}") from error


async def _instance_signer(settings: Settings) -> tuple[httpx.Auth | None, str | None]:
    from coopfed.node import Node

    node = Node.from_settings(settings)
    try:
        signer = await node.federation.instance_signer()
    finally:
        await node.close()
    if signer is None:
        return None, None
    return signer, signer.key_id.split("#", 1)[0]


def cmd_verify(args: argparse.Namespace) -> int:
    receipts = [parse_receipt(text) for text in args.receipt]  # bad input: exit 2 before fetching
    signer, signed_as = local_signer(args)
    extra: dict[str, Any] = {"signed_as": signed_as}
    with httpx.Client(timeout=TIMEOUT, follow_redirects=False, auth=signer) as client:
        reader = Reader(client, signed_as)
        document = reader.get(args.url)
        if joint_verify.is_joint(document):
            checks = joint_verify.verify_joint(reader, args.url, document, receipts)
            return _report(args.url, checks, args.json, {**extra, "joint": True})
        publication = fetch_publication(reader, args.url, document)
    try:
        checks = verify(publication.bundle, publication.claims, receipts)
    except Unverifiable as error:
        raise CliError(f"cannot verify {args.url}: {error}") from error
    checks = [*proof_checks(publication), *checks]
    return _report(args.url, checks, args.json, {**extra, "joint": False})
