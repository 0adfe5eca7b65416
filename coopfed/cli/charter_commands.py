"""`coopfed charter show|set`: the co-op's voting charter; setting stores a new version."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coopfed.cli.governance_views import run_service
from coopfed.cli.support import CliError, print_json
from coopfed.governance.charter import charter_to_dict

if TYPE_CHECKING:
    from coopfed.node import Node
    from coopfed.store.proposals import CharterRecord

MAX_FILE_BYTES = 64 * 1024


def charter_json(record: CharterRecord) -> dict[str, Any]:
    return {
        "version": record.version,
        "hash": record.hash,
        "charter": charter_to_dict(record.charter),
    }


def _print(args: argparse.Namespace, view: dict[str, Any]) -> None:
    if args.json:
        print_json(view)
        return
    print(f"charter version {view['version']} (sha256 {view['hash']})")
    for key, value in view["charter"].items():
        print(f"  {key}: {json.dumps(value)}")


def cmd_show(args: argparse.Namespace) -> int:
    from coopfed.services.charters import charter_state

    async def work(node: Node) -> dict[str, Any]:
        return charter_json((await charter_state(node)).record)

    _print(args, run_service(args, work))
    return 0


def read_charter_file(path: str) -> Any:
    """The charter's JSON form from FILE; a clear one-line error otherwise."""
    file = Path(path)
    try:
        if file.stat().st_size > MAX_FILE_BYTES:
            raise CliError(f"{path}: larger than {MAX_FILE_BYTES} bytes")
        text = file.read_text(encoding="utf-8")
    except OSError as error:
        raise CliError(f"{path}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise CliError(f"{path}: not UTF-8 text") from None
    try:
        data = json.loads(text)
    except ValueError as error:
        raise CliError(f"{path}: not valid JSON ({error})") from None
    if not isinstance(data, dict):
        raise CliError(f"{path}: a charter is a JSON object of its settings")
    # What `charter show --json` printed works too: its `charter` member is the charter.
    if isinstance(data.get("charter"), dict) and "version" in data:
        return data["charter"]
    return data


def cmd_set(args: argparse.Namespace) -> int:
    from coopfed.services.charters import save_charter

    proposed = read_charter_file(args.file)

    async def work(node: Node) -> dict[str, Any]:
        return charter_json(await save_charter(node, proposed))

    view = run_service(args, work)
    if args.json:
        print_json(view)
    else:
        print(f"charter version {view['version']} (sha256 {view['hash']})")
    return 0


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    charter = sub.add_parser("charter", help="the co-op's voting charter")
    verbs = charter.add_subparsers(dest="charter_command", required=True, metavar="COMMAND")
    show = verbs.add_parser("show", parents=[common], help="the current charter version")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.set_defaults(handler=cmd_show)
    setting = verbs.add_parser(
        "set",
        parents=[common],
        help="store a new charter version from a JSON file (missing keys keep their value); "
        "open proposals keep theirs",
    )
    setting.add_argument(
        "file", metavar="FILE", help="the charter as JSON (or what `show --json` prints)"
    )
    setting.add_argument("--json", action="store_true", help="machine-readable output")
    setting.set_defaults(handler=cmd_set)
