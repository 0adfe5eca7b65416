"""The worker loop (`coopfed/worker.py`): a stop request ends it even while a job hangs."""

from __future__ import annotations

import asyncio

import pytest

from coopfed import worker
from coopfed.node import Node
from coopfed.worker import NamedJob, Worker

OUTER_BOUND = 20.0  # only keeps a broken loop from hanging the suite


async def test_stop_cancels_a_round_that_hangs_after_the_grace(
    node: Node, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Regression: the loop checked `stop` only between rounds, so `coopfed serve` waited on a
    # hanging peer's request (up to 30 s) after SIGTERM.
    monkeypatch.setattr(worker, "STOP_GRACE_SECONDS", 0.1)
    started, cancelled = asyncio.Event(), asyncio.Event()

    async def hangs(_: Node) -> int:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return 1

    stop = asyncio.Event()
    loop = asyncio.create_task(Worker(node, [NamedJob("hangs", hangs)]).run(stop))
    await asyncio.wait_for(started.wait(), OUTER_BOUND)
    stop.set()
    await asyncio.wait_for(loop, OUTER_BOUND)
    assert cancelled.is_set()


async def test_a_round_that_ends_within_the_grace_is_not_cancelled(node: Node) -> None:
    started, finished = asyncio.Event(), asyncio.Event()
    stop = asyncio.Event()

    async def ends_after_stop(_: Node) -> int:
        started.set()
        await stop.wait()
        await asyncio.sleep(0)  # still working when the stop arrives
        finished.set()
        return 1

    loop = asyncio.create_task(Worker(node, [NamedJob("ends", ends_after_stop)]).run(stop))
    await asyncio.wait_for(started.wait(), OUTER_BOUND)
    stop.set()
    await asyncio.wait_for(loop, OUTER_BOUND)
    assert finished.is_set()
