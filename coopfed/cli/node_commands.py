"""Node commands: init, serve, healthcheck, worker, db upgrade|current, admin create|grant|
revoke."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coopfed.cli import multiprocess_metrics
from coopfed.cli.support import (
    CliError,
    configure_logging,
    print_json,
    read_password,
    run,
    settings_from,
)

if TYPE_CHECKING:
    from coopfed.settings import Settings


def cmd_init(args: argparse.Namespace) -> int:
    from coopfed.cli.init import init_node  # alembic and SQLAlchemy: only for this command

    init_node(args)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    if args.url:  # `make run PORT=8001`: the public URL follows the port, so WebFinger works
        os.environ["COOPFED_SERVER__URL"] = args.url
    settings = settings_from(args, "creates")
    host = args.host or settings.server.host
    port = args.port or settings.server.port
    workers = args.workers or settings.server.workers
    _refuse_workers_on_sqlite(settings, workers)
    # Before anything imports prometheus-client (the app does): it picks its mode at import.
    multiprocess_metrics.enable(settings, web_processes=workers)

    import uvicorn

    from coopfed.app import create_app
    from coopfed.store import migrate

    log_config = configure_logging(args, settings)
    migrate.upgrade(settings.database_url)  # once, here, before any web process starts
    run(_ensure_actors(settings))
    if workers == 1:
        uvicorn.run(
            create_app(settings), host=host, port=port, proxy_headers=False, log_config=log_config
        )
        return 0
    # Each web process builds its own app from the same config (PostgreSQL recommended).
    if args.config:
        os.environ["COOPFED_CONFIG"] = str(Path(args.config).resolve())
    uvicorn.run(
        "coopfed.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=False,
        log_config=log_config,
    )
    return 0


# Where `serve` listens when bound to every address: probe it over loopback.
_ANY_ADDRESS = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}


def healthz_url(host: str, port: int) -> str:
    """The /healthz URL of a server listening on `host`:`port`."""
    probe = _ANY_ADDRESS.get(host, host)
    return f"http://[{probe}]:{port}/healthz" if ":" in probe else f"http://{probe}:{port}/healthz"


def cmd_healthcheck(args: argparse.Namespace) -> int:
    """Docker's HEALTHCHECK: /healthz where `serve` listens, read from the same settings (the
    config file and COOPFED_* alike). 0 healthy, 1 not (Docker reserves 2)."""
    settings = settings_from(args, "none")
    url = healthz_url(settings.server.host, settings.server.port)
    try:
        with urllib.request.urlopen(url, timeout=args.timeout) as response:
            response.read()
    except (OSError, ValueError) as exc:  # refused, timed out, or an HTTP error status
        print(f"coopfed: unhealthy: {url}: {exc}", file=sys.stderr)
        return 1
    return 0


def _refuse_workers_on_sqlite(settings: Settings, workers: int) -> None:
    """SQLite has one writer and the inbox's group commit lives in one process: one web process."""
    from coopfed.store.db import is_sqlite

    if workers > 1 and is_sqlite(settings.database_url):
        raise CliError(
            f"server.workers: {workers} web processes need PostgreSQL (database.url); "
            "SQLite serves with one (--workers 1)"
        )


async def _ensure_actors(settings: Settings) -> None:
    from coopfed.node import Node
    from coopfed.services.setup import ensure_node_actors

    node = Node.from_settings(settings)
    try:
        async with node.engine.begin() as conn:
            coop = settings.coop
            await ensure_node_actors(
                conn, handle=coop.handle, name=coop.name, summary=coop.summary, now=node.now()
            )
    finally:
        await node.close()


async def _run_worker(settings: Settings) -> int:
    from coopfed.node import Node
    from coopfed.worker import Worker

    node = Node.from_settings(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await Worker(node).run(stop)
    finally:
        await node.close()
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    settings = settings_from(args, "schema")
    multiprocess_metrics.enable(settings, web_processes=None)  # before the jobs import metrics
    configure_logging(args, settings)
    return run(_run_worker(settings))


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from coopfed.store import migrate

    settings = settings_from(args, "creates")
    migrate.upgrade(settings.database_url)
    print(f"database at revision {migrate.head_revision(settings.database_url)}")
    return 0


def cmd_db_current(args: argparse.Namespace) -> int:
    from coopfed.store import migrate

    settings = settings_from(args, "existing")
    current = run(migrate.current_revision(settings.database_url))
    head = migrate.head_revision(settings.database_url)
    if args.json:
        print_json({"current": current, "head": head, "up_to_date": current == head})
    else:
        state = "up to date" if current == head else f"head is {head}"
        print(f"{current or 'empty'} ({state})")
    return 0


async def _create_admin(settings: Settings, username: str, password: str) -> None:
    from coopfed.node import Node
    from coopfed.services.accounts import AccountError, create_local_account
    from coopfed.services.setup import node_is_initialised

    node = Node.from_settings(settings)
    try:
        async with node.engine.begin() as conn:
            if not await node_is_initialised(conn):
                raise CliError("this node has no co-op yet: run `coopfed init` first")
            # A local member without an account yet (added by `member add --local`) gets it:
            # only a name with an account, or a non-person actor, is taken.
            await create_local_account(
                conn,
                username=username,
                password=password,
                is_admin=True,
                now=node.now(),
                adopt_person=True,
            )
    except AccountError as exc:
        raise CliError(str(exc)) from None
    finally:
        await node.close()


def cmd_admin_create(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    password = read_password(confirm=True)
    run(_create_admin(settings, args.username, password))
    print(f"admin account {args.username} created")
    return 0


def cmd_admin_rights(args: argparse.Namespace) -> int:
    from coopfed.cli.governance_views import run_service
    from coopfed.services.accounts import set_admin

    grant = args.admin_command == "grant"

    async def work(node: Any) -> dict[str, Any]:
        account = await set_admin(node, args.username, grant)
        return {"username": account.username, "is_admin": account.is_admin}

    view = run_service(args, work)
    if args.json:
        print_json(view)
    else:
        state = "is an admin" if view["is_admin"] else "is no longer an admin"
        print(f"{view['username']} {state}")
    return 0


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    init = sub.add_parser("init", parents=[common], help="create a node: config, database, keys")
    init.add_argument("--url", required=True, help="public base URL, e.g. https://coop.example")
    init.add_argument("--name", required=True, help="the co-op's name")
    init.add_argument("--handle", required=True, help="the co-op's handle (the part before @)")
    init.add_argument("--summary", default="", help="one paragraph about the co-op")
    init.add_argument(
        "--time-zone", default="UTC", help="IANA zone the pages show times in (Europe/Paris)"
    )
    init.add_argument("--database-url", help="database URL (default: SQLite in the data dir)")
    init.add_argument("--data-dir", help="data directory (default: ./data beside the config)")
    init.add_argument("--force", action="store_true", help="replace an existing node (destroys it)")
    init.set_defaults(handler=cmd_init)

    serve = sub.add_parser("serve", parents=[common], help="run the web app and a worker")
    serve.add_argument("--host", help="address to listen on (default: server.host)")
    serve.add_argument("--port", type=int, help="port to listen on (default: server.port)")
    serve.add_argument("--workers", type=int, help="web processes (default: server.workers)")
    serve.add_argument("--url", help="public base URL for this run (default: server.url)")
    serve.set_defaults(handler=cmd_serve)

    health = sub.add_parser(
        "healthcheck", parents=[common], help="probe /healthz where serve listens (exit 0 or 1)"
    )
    health.add_argument("--timeout", type=float, default=4.0, help="seconds (default 4)")
    health.set_defaults(handler=cmd_healthcheck)

    worker = sub.add_parser("worker", parents=[common], help="run the background worker alone")
    worker.set_defaults(handler=cmd_worker)

    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="COMMAND")
    db_sub.add_parser("upgrade", parents=[common], help="apply all migrations").set_defaults(
        handler=cmd_db_upgrade
    )
    current = db_sub.add_parser("current", parents=[common], help="show the schema revision")
    current.add_argument("--json", action="store_true", help="machine-readable output")
    current.set_defaults(handler=cmd_db_current)

    admin = sub.add_parser("admin", help="admin accounts")
    admin_sub = admin.add_subparsers(dest="admin_command", required=True, metavar="COMMAND")
    create = admin_sub.add_parser(
        "create", parents=[common], help="create a local admin (password from stdin or a prompt)"
    )
    create.add_argument("username")
    create.set_defaults(handler=cmd_admin_create)
    for name, what in (("grant", "make a local account an admin"),
                       ("revoke", "take admin rights away (not from the last admin)")):  # fmt: skip
        rights = admin_sub.add_parser(name, parents=[common], help=what)
        rights.add_argument("username")
        rights.add_argument("--json", action="store_true", help="machine-readable output")
        rights.set_defaults(handler=cmd_admin_rights)
