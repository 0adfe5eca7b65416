"""Real coopfed processes for integration tests: init, serve, worker, all on 127.0.0.x."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def _environment(env: Mapping[str, str] | None) -> dict[str, str]:
    """The child's environment, importing this checkout's coopfed: the venv's editable install
    may point at another checkout (git worktrees share one venv), and a child started in a
    temporary directory would otherwise run that one's code."""
    # `env`, when given, is the whole environment (as subprocess's own `env`), as before.
    merged = dict(os.environ if env is None else env)
    paths = [str(ROOT), merged.get("PYTHONPATH", "")]
    merged["PYTHONPATH"] = os.pathsep.join(path for path in paths if path)
    return merged


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def coopfed(
    *args: str, cwd: Path, env: Mapping[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run one CLI command to completion."""
    return subprocess.run(
        [sys.executable, "-m", "coopfed.cli", *args],
        cwd=cwd,
        env=_environment(env),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _log_tail(log: Path, lines: int = 40) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def wait_until_up(
    url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 30
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"process exited early ({process.returncode}):\n{_log_tail(log)}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} did not come up in {timeout} s:\n{_log_tail(log)}")


def stop(process: subprocess.Popen[bytes], *, kill: bool = False) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


@contextmanager
def running(
    *args: str,
    cwd: Path,
    log: Path,
    env: Mapping[str, str] | None = None,
    health_url: str | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """A long-running coopfed command (serve, worker); stopped on exit, its log kept in `log`."""
    with log.open("ab") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "coopfed.cli", *args],
            cwd=cwd,
            env=_environment(env),
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        if health_url:
            wait_until_up(health_url, process, log)
        yield process
    finally:
        stop(process)
