"""The `coopfed` command: what an operator or admin types.

Every command takes `--config`; list/show commands take `--json`. Bad input exits with status 2
and one line on stderr, never a traceback. Command names, options and `--json` fields are a
contract that operators' scripts depend on: add, don't rename.

Each command group lives in its own module with a `register(subparsers, common)` function.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from coopfed import __version__
from coopfed.cli import (
    alliance_commands,
    assembly_commands,
    backup_commands,
    charter_commands,
    deliveries,
    discussion_commands,
    federation_commands,
    member_commands,
    node_commands,
    project_commands,
    proposal_commands,
    proxy_commands,
    status_commands,
    verify_commands,
    vote_commands,
)
from coopfed.cli.support import CliError, Handler
from coopfed.settings import SettingsError

COMMAND_GROUPS = [
    node_commands,
    backup_commands,
    status_commands,
    deliveries,
    member_commands,
    proposal_commands,
    discussion_commands,
    vote_commands,
    assembly_commands,
    proxy_commands,
    alliance_commands,
    project_commands,
    charter_commands,
    verify_commands,
    federation_commands,
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="coopfed", description="coopfed: the server a platform co-op runs on its own machine"
    )
    parser.add_argument("--version", action="version", version=f"coopfed {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config", help="path of the config file (default: $COOPFED_CONFIG or ./coopfed.toml)"
    )
    common.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in COMMAND_GROUPS:
        group.register(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except (CliError, SettingsError) as exc:
        print(f"coopfed: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _reader_went_away()


def _reader_went_away() -> int:
    """`coopfed ... --json | head -1`: the reader closed the pipe; stop quietly, not a traceback.

    stdout is pointed at /dev/null so the interpreter's final flush cannot raise again (the
    recipe from the `signal` docs); 141 is what a shell reports for a SIGPIPE'd writer.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 141


if __name__ == "__main__":
    sys.exit(main())
