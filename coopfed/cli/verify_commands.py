"""`coopfed verify URL [--receipt HASH] [--json]`: check a decided proposal's published result
as a plain HTTP client, against any coopfed node (no config, no database).

Exit 0: verified. 1: something differs (each difference is named). 2: could not check (bad
URL, unreachable, not a decided proposal) — one line on stderr.
"""

from __future__ import annotations

import argparse
from typing import Any

import httpx

from coopfed.cli.support import CliError, print_json
from coopfed.governance.verification import Check, Unverifiable, verify

ACCEPT = "application/activity+json"
TIMEOUT = 20.0


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


def fetch_publication(url: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The decided Question at `url` and the bundle it links to."""
    with httpx.Client(timeout=TIMEOUT, follow_redirects=False) as client:
        question = _get(client, url)
        bundle_url = question.get("resultBundle")
        if not isinstance(bundle_url, str):
            raise CliError(f"{url} is not a decided proposal (no resultBundle)")
        return question, _get(client, bundle_url)


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
    question, bundle = fetch_publication(args.url)
    try:
        checks = verify(bundle, question, args.receipt)
    except Unverifiable as error:
        raise CliError(f"cannot verify {args.url}: {error}") from error
    return _report(args.url, checks, args.json)


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    verify_parser = sub.add_parser(
        "verify", parents=[common], help="check a decided proposal's result (any coopfed node)"
    )
    verify_parser.add_argument("url", metavar="URL", help="the proposal's IRI")
    verify_parser.add_argument("--receipt", metavar="HASH", help="also find this receipt")
    verify_parser.add_argument("--json", action="store_true", help="machine-readable output")
    verify_parser.set_defaults(handler=cmd_verify)


__all__ = ["cmd_verify", "register"]
