"""`coopfed init`: write the config, create the database and the co-op's actors and keys.

Everything is validated before anything is written, and the config file is written last, so a
refused or failed init leaves no half-made node behind.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from coopfed.cli import preflight
from coopfed.cli.support import CliError
from coopfed.node import Node
from coopfed.settings import Settings, build_settings, config_path, resolve_relative_paths
from coopfed.store import migrate
from coopfed.store.db import is_sqlite, sqlite_path


def _raw_settings(args: argparse.Namespace, data_dir: str) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "coop": {
            "name": args.name,
            "handle": args.handle,
            "summary": args.summary,
            "time_zone": args.time_zone,
        },
        "server": {"url": args.url, "data_dir": data_dir, "port": _listen_port(args.url)},
        "database": {"url": args.database_url or ""},
        "federation": {"allow_http": args.url.startswith("http://")},
    }
    return raw


def _listen_port(url: str) -> int:
    """The URL's own port when it names one (local use); else 8000 behind a reverse proxy."""
    try:
        return urlsplit(url).port or 8000
    except ValueError:
        return 8000  # build_settings reports the bad URL with its key name


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{text}"'


def render_config(settings: Settings) -> str:
    """The node's config file; see config/coopfed.example.toml for every setting explained."""
    lines = [
        "# coopfed node configuration, written by `coopfed init`.",
        "# Every setting is explained in config/coopfed.example.toml; environment variables",
        "# COOPFED_<SECTION>__<KEY> override this file.",
        "",
        "[coop]",
        f"name = {toml_value(settings.coop.name)}",
        f"handle = {toml_value(settings.coop.handle)}",
        f"summary = {toml_value(settings.coop.summary)}",
        f"time_zone = {toml_value(settings.coop.time_zone)}",
        "",
        "[server]",
        f"url = {toml_value(settings.server.url)}",
        f"host = {toml_value(settings.server.host)}",
        f"port = {settings.server.port}",
        f"data_dir = {toml_value(settings.server.data_dir)}",
        "",
        "[database]",
        "# Empty: SQLite in data_dir. PostgreSQL: postgresql://user@host/dbname",
        f"url = {toml_value(settings.database.url)}",
        "",
        "[federation]",
        f"allow_http = {toml_value(settings.federation.allow_http)}",
        f"allow_private_addresses = {toml_value(settings.federation.allow_private_addresses)}",
        "manually_approves_followers = false",
        "",
    ]
    return "\n".join(lines)


async def _existing_node(settings: Settings) -> bool:
    from coopfed.services.setup import node_is_initialised

    path = sqlite_path(settings.database_url)
    if is_sqlite(settings.database_url) and (path is None or not path.exists()):
        return False
    node = Node.from_settings(settings)
    try:
        async with node.engine.connect() as conn:
            return await node_is_initialised(conn)
    except Exception:
        return False
    finally:
        await node.close()


async def _create_actors(settings: Settings) -> None:
    from coopfed.services.setup import create_node_actors

    node = Node.from_settings(settings)
    try:
        async with node.engine.begin() as conn:
            await create_node_actors(
                conn,
                handle=settings.coop.handle,
                name=settings.coop.name,
                summary=settings.coop.summary,
                now=node.now(),
            )
    finally:
        await node.close()


def _wipe(settings: Settings) -> None:
    path = sqlite_path(settings.database_url)
    if path is not None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        migrate.downgrade(settings.database_url, "base")


def init_node(args: argparse.Namespace) -> None:
    file = config_path(args.config)
    data_dir = args.data_dir or "data"
    settings = build_settings(_raw_settings(args, data_dir), "command line")
    resolved = resolve_relative_paths(settings, file.parent.resolve())
    preflight.check_before_init(resolved)
    exists = asyncio.run(_existing_node(resolved))
    if not args.force and file.exists():
        raise CliError(f"{file} already exists: this node is set up (use --force to replace it)")
    if not args.force and exists:
        raise CliError("the database already holds a node (use --force to replace it)")
    if exists:
        _wipe(resolved)
    migrate.upgrade(resolved.database_url)
    asyncio.run(_create_actors(resolved))
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(render_config(settings), encoding="utf-8")
    handle = f"@{settings.coop.handle}@{resolved.domain}"
    print(f"created {settings.coop.name} ({handle}); config in {file}")
