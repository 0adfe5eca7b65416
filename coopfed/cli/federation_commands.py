"""`coopfed federation equivocations [--json]`: allied nodes caught publishing two ballot-log
heads for one log length, or two results for one proposal, with both documents as evidence."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from coopfed.cli.support import print_json, run, settings_from

if TYPE_CHECKING:
    from coopfed.settings import Settings


async def _listing(settings: Settings) -> list[dict[str, Any]]:
    from coopfed.node import Node
    from coopfed.services.equivocations import list_equivocations

    node = Node.from_settings(settings)
    try:
        found = await list_equivocations(node)
    finally:
        await node.close()
    return [
        {
            "proposal": e.proposal_uri,
            "actor": e.actor_uri,
            "kind": e.kind,
            "log_length": None if e.log_length < 0 else e.log_length,
            "first_value": e.first_value,
            "second_value": e.second_value,
            "first_document": json.loads(e.first_document),
            "second_document": json.loads(e.second_document),
            "detected_at": e.detected_at.isoformat(),
        }
        for e in found
    ]


def cmd_equivocations(args: argparse.Namespace) -> int:
    rows = run(_listing(settings_from(args)))
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print("no equivocation seen")
    for row in rows:
        at = "the result" if row["log_length"] is None else f"log length {row['log_length']}"
        print(
            f"{row['detected_at']} {row['actor']}: two {row['kind']} values for {at} of"
            f" {row['proposal']}: {row['first_value']} then {row['second_value']}"
        )
    return 0


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    federation = sub.add_parser("federation", help="what other nodes published")
    verbs = federation.add_subparsers(dest="verb", required=True, metavar="VERB")
    listing = verbs.add_parser(
        "equivocations", parents=[common], help="nodes that published two heads or two results"
    )
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.set_defaults(handler=cmd_equivocations)
