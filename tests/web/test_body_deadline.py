"""Every request body has a read deadline (issue 13, "Also"): a client that sends headers and
then stalls is answered 408 and cut off, and the node keeps serving everyone else."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.processes import coopfed, free_port, running

DEADLINE = 1.5  # seconds, set through the environment like any setting


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, int]]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    init = coopfed("init", "--url", base, "--name", "Slow Co-op", "--handle", "slow", cwd=tmp_path)
    assert init.returncode == 0, init.stderr
    env = {
        "COOPFED_SERVER__BODY_READ_TIMEOUT": str(DEADLINE),
        "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
    }
    log = tmp_path / "serve.log"
    with running("serve", cwd=tmp_path, env=env, log=log, health_url=f"{base}/healthz"):
        yield base, port


def _stalled_post(port: int) -> socket.socket:
    """Headers of a 100-byte inbox POST, then nothing."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=DEADLINE * 4)
    sock.sendall(
        b"POST /inbox HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/activity+json\r\n"
        b"Content-Length: 100\r\n\r\n{"
    )
    return sock


def _read_until_closed(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(4096):
        data += chunk
    return data


def test_a_stalled_body_is_answered_408_and_closed_within_the_deadline(
    served: tuple[str, int],
) -> None:
    base, port = served
    stalled = [_stalled_post(port) for _ in range(20)]
    started = time.monotonic()
    # Others are served while the twenty bodies hang.
    assert httpx.get(f"{base}/healthz", timeout=5).status_code == 200
    answers = [_read_until_closed(sock) for sock in stalled]
    elapsed = time.monotonic() - started
    for sock in stalled:
        sock.close()
    assert all(answer.startswith(b"HTTP/1.1 408") for answer in answers), answers[0][:200]
    assert elapsed < DEADLINE * 3
    assert httpx.get(f"{base}/healthz", timeout=5).status_code == 200
