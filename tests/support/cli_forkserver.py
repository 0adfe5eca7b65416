"""Run many `coopfed` CLI commands cheaply: a fork server with the CLI already imported.

Each `python -m coopfed.cli …` spends ~0.6 s of CPU importing (SQLAlchemy and the services
the command needs; the CLI imports them lazily) before it does ~0.05 s of work. Multi-node
tests run dozens of commands, several at once on a 2-core CI machine, so that start-up
dominated their wall time and forced long voting windows. Here one process imports
`coopfed.cli` and the services once and forks a child per command: the child
is a fresh process with its own working directory, environment, stdin/stdout/stderr and exit
code, running the same `coopfed.cli.main` — only the import is shared (copy-on-write).

The server never runs an event loop, opens a database or starts a thread before forking, so
children start clean. Protocol: one Unix-socket connection per command; the client sends a
JSON request and closes its side, the child answers with JSON and exits.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import os
import pkgutil
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import traceback
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
# coopfed.store.migrate: every command's preflight asks alembic for the schema head (~0.2 s).
WARM_MODULES = (
    "coopfed.cli",
    "coopfed.store.migrate",
    "aiosqlite",
    "asyncpg",
    "sqlalchemy.dialects.postgresql.asyncpg",
)
# The CLI imports its services when a command runs (a fast `coopfed --help`); the server
# imports them all up front so children still share them.
WARM_PACKAGES = ("coopfed.cli", "coopfed.services")


def _read_all(conn: socket.socket) -> bytes:
    chunks = []
    while chunk := conn.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    return code if isinstance(code, int) else 1


def _run_command(request: Mapping[str, Any]) -> dict[str, Any]:
    """In the forked child: become the CLI process the request describes and run it."""
    from coopfed.cli import main

    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    random.seed()  # children must not share the server's random state
    sys.stdin = io.StringIO(request.get("stdin") or "")
    out, err = io.StringIO(), io.StringIO()
    sys.stdout, sys.stderr = out, err
    try:
        code = main(list(request["args"]))
    except SystemExit as exit_:  # argparse errors and explicit exits
        code = _exit_code(exit_.code)
    except BaseException:  # what an uncaught exception would print, exit code 1
        traceback.print_exc()
        code = 1
    return {"returncode": code, "stdout": out.getvalue(), "stderr": err.getvalue()}


def _child(conn: socket.socket) -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    try:
        answer = _run_command(json.loads(_read_all(conn)))
    except BaseException:
        answer = {"returncode": 1, "stdout": "", "stderr": traceback.format_exc()}
    conn.sendall(json.dumps(answer).encode())
    conn.close()


def _reap() -> None:
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass


def serve(path: str) -> None:
    """The server loop: import once, then fork one child per connection."""
    for name in WARM_MODULES:
        __import__(name)
    for package in WARM_PACKAGES:
        for module in pkgutil.iter_modules(importlib.import_module(package).__path__):
            if module.name != "__main__":  # that one runs the CLI
                importlib.import_module(f"{package}.{module.name}")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    listener.settimeout(1.0)
    parent = os.getppid()
    print("ready", flush=True)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)  # nobody reads the pipe after "ready": it must never fill up
    while os.getppid() == parent:  # the test process died without closing us: stop
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            continue
        conn.settimeout(None)
        _reap()
        if os.fork() == 0:
            listener.close()
            try:
                _child(conn)
            finally:
                os._exit(0)
        conn.close()


class CliForkServer:
    """A running fork server; `run` has the signature and result of `processes.coopfed`."""

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="coopfed-cli-")
        self.path = os.path.join(self._dir.name, "cli.sock")
        self._process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.cli_forkserver", self.path],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        self._started = threading.Lock()
        self._ready = False

    def _wait_ready(self) -> None:
        """The server imports in the background; the first command waits for it."""
        with self._started:
            if self._ready:
                return
            assert self._process.stdout is not None
            if self._process.stdout.readline().strip() != "ready":
                raise RuntimeError("the coopfed CLI fork server did not start")
            self._ready = True

    def run(
        self, *args: str, cwd: Path, env: Mapping[str, str] | None = None, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        self._wait_ready()
        request = {
            "args": list(args),
            "cwd": str(cwd),
            "env": dict(os.environ if env is None else env),
            "stdin": stdin,
        }
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(120)
            conn.connect(self.path)
            conn.sendall(json.dumps(request).encode())
            conn.shutdown(socket.SHUT_WR)
            answer = json.loads(_read_all(conn))
        return subprocess.CompletedProcess(
            ["coopfed", *args], answer["returncode"], answer["stdout"], answer["stderr"]
        )

    def close(self) -> None:
        self._process.terminate()
        self._process.wait(timeout=10)
        if self._process.stdout is not None:
            self._process.stdout.close()
        self._dir.cleanup()

    def __enter__(self) -> CliForkServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback_: TracebackType | None,
    ) -> None:
        self.close()


@contextlib.contextmanager
def cli_fork_server() -> Iterator[CliForkServer]:
    with CliForkServer() as server:
        yield server


if __name__ == "__main__":
    serve(sys.argv[1])
