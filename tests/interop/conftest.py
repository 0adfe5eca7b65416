"""Fixtures for interop tests against the Fedify peer (see fedify_peer.py)."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from .fedify_peer import FedifyPeer, install_peer

PeerFactory = Callable[..., FedifyPeer]
_FAILED_KEY = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    # Remember whether the test body failed, so teardown can print the peers' logs.
    report = yield
    if report.when == "call" and report.failed:
        item.stash[_FAILED_KEY] = True
    return report


@pytest.fixture(scope="session")
def fedify_peer_bin() -> Path:
    """The Node 22 binary that runs the peer; installs it with `npm ci` on first use."""
    install = install_peer()
    if install.node is None:
        pytest.skip(install.reason)
    return install.node


@pytest.fixture
def fedify_peer(fedify_peer_bin: Path, request: pytest.FixtureRequest) -> Iterator[PeerFactory]:
    """Factory: ``fedify_peer()`` or ``fedify_peer(host="127.0.0.2")`` starts a peer."""
    peers: list[FedifyPeer] = []

    def start(**options: Any) -> FedifyPeer:
        peer = FedifyPeer(fedify_peer_bin, **options)
        peers.append(peer)
        peer.start()
        return peer

    yield start
    for peer in reversed(peers):
        peer.stop()
    if request.node.stash.get(_FAILED_KEY, False):
        for peer in peers:
            print(peer.log_tail(8000))
