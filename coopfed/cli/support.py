"""Helpers shared by CLI command modules."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from coopfed.settings import Settings, load_settings

if TYPE_CHECKING:  # the services load SQLAlchemy: imported when a command runs
    from coopfed.node import Node
    from coopfed.services.members import ActorResolver

Handler = Callable[[argparse.Namespace], int]
Subparsers = "argparse._SubParsersAction[argparse.ArgumentParser]"
T = TypeVar("T")


class CliError(Exception):
    """Bad input or a refused action: printed as one line, exit status 2."""


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


def settings_from(args: argparse.Namespace, need: str = "schema") -> Settings:
    """The settings, once the database is ready for the command (`preflight.Need`: "schema",
    "existing", "creates"; "none" skips the database checks)."""
    settings = load_settings(args.config)
    if need != "none":
        from coopfed.cli import preflight

        preflight.check(settings, preflight.Need(need))
    return settings


def print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True))


def configure_logging(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    """Logging by `logging.format`; returns the config, which `serve` gives uvicorn too."""
    import logging.config

    from coopfed.cli.logformat import logging_config

    level = logging.DEBUG if getattr(args, "verbose", False) else logging.INFO
    config = logging_config(settings.logging.format, level)
    logging.config.dictConfig(config)
    return config


def read_password(*, confirm: bool) -> str:
    """From a prompt on a terminal, else the first line of stdin (for scripts)."""
    if not sys.stdin.isatty():
        line = sys.stdin.readline()
        if not line:
            raise CliError("no password given on standard input")
        return line.rstrip("\r\n")
    password = getpass.getpass("Password: ")
    if confirm and getpass.getpass("Password again: ") != password:
        raise CliError("the two passwords differ")
    return password


def make_resolver(node: Node) -> ActorResolver:
    """WebFinger or the actor URL through the safe fetcher, storing the actor's document (its
    inbox: deliveries to the member need it). Shared by `member add` and `member rebind`;
    callers look it up here at call time, so tests replace it in this module."""
    from coopfed.services.remote_coops import storing_resolver

    return storing_resolver(node)


def admin_name() -> str:
    """Who acted from the CLI (closed, withdrew, moderated, recorded attendance), as recorded in
    the events: the operator's login name."""
    return f"cli:{getpass.getuser()}"
