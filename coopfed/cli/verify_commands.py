"""`coopfed verify URL [--receipt HASH]... [--json] [--unsigned]`: check a decided proposal's
published result over HTTP, against any coopfed node.

Run on a node (its config found as every other command finds it), the GETs are signed as that
node's instance actor: members-only proposals the node may read, and joint proposals of its
shared projects (their bundle and every co-op's linked proposal), are readable then. Elsewhere,
or with --unsigned, verify is a plain client (no config, no database).

`--receipt` takes the bare hash or the whole line `coopfed vote` printed ("counted: receipt
HASH"), and may be repeated.

Exit 0: verified. 1: something differs (each difference is named). 2: could not check (bad
URL, unreachable, not a decided proposal, not readable by this reader) — one line on stderr.
"""

from __future__ import annotations

import argparse
from typing import Any


def cmd_verify(args: argparse.Namespace) -> int:
    # Imported here: httpx and cryptography are loaded only when `coopfed verify` runs.
    from coopfed.cli import verify_client

    return verify_client.cmd_verify(args)


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    verify_parser = sub.add_parser(
        "verify", parents=[common], help="check a decided proposal's result (any coopfed node)"
    )
    verify_parser.add_argument("url", metavar="URL", help="the proposal's IRI")
    verify_parser.add_argument(
        "--receipt",
        metavar="HASH",
        action="append",
        default=[],
        help="also find this receipt (the hash or the line `coopfed vote` printed; repeatable)",
    )
    verify_parser.add_argument("--json", action="store_true", help="machine-readable output")
    verify_parser.add_argument(
        "--unsigned",
        action="store_true",
        help="fetch as a plain client even on a node (no signed GETs)",
    )
    verify_parser.set_defaults(handler=cmd_verify)


__all__ = ["cmd_verify", "register"]
