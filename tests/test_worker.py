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


async def test_while_a_queue_is_busy_the_empty_ones_are_polled_every_idle_poll_seconds(
    node: Node,
) -> None:
    # Each poll of an empty queue cost round trips to the driver: ten of them per round of a
    # busy inbox were ~45% of the worker's time.
    clock = [0.0]
    polls: list[str] = []

    async def busy(_: Node) -> int:
        polls.append("busy")
        return 1

    async def empty(_: Node) -> int:
        polls.append("empty")
        return 0

    jobs = [NamedJob("busy", busy), NamedJob("empty", empty)]
    loop = Worker(node, jobs, monotonic=lambda: clock[0])
    assert await loop.run_once(skip_idle=True) == 1
    clock[0] += worker.IDLE_POLL_SECONDS / 2
    assert await loop.run_once(skip_idle=True) == 1
    assert polls == ["busy", "empty", "busy"]
    await loop.run_once()  # without skip_idle (a round after an idle one): every queue
    clock[0] += worker.IDLE_POLL_SECONDS
    await loop.run_once(skip_idle=True)
    assert polls == ["busy", "empty", "busy", "busy", "empty", "busy", "empty"]


async def test_the_loop_polls_every_queue_after_a_round_that_found_nothing(node: Node) -> None:
    stop = asyncio.Event()
    polls: list[str] = []
    rounds = iter([1, 0, 0])

    async def first(_: Node) -> int:
        polls.append("first")
        found = next(rounds, 0)
        if found == 0 and polls.count("first") == 3:
            stop.set()
        return found

    async def second(_: Node) -> int:
        polls.append("second")
        return 0

    jobs = [NamedJob("first", first), NamedJob("second", second)]
    clock = [0.0]  # frozen: the empty queue is never due by time alone
    loop = Worker(node, jobs, monotonic=lambda: clock[0])
    await asyncio.wait_for(loop.run(stop), OUTER_BOUND)
    # round 1 found work, so round 2 skips `second`; round 2 found nothing, so round 3 polls all
    assert polls == ["first", "second", "first", "first", "second"]
