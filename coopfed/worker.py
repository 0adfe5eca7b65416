"""The background worker: runs the queues stored in the database until told to stop.

Every job is a coroutine that does one bounded batch of work and returns how many items it
handled. The loop sleeps only when a whole round found nothing to do, so a busy queue drains at
full speed and an idle node costs a query per job per poll interval. While some queue keeps
finding work, a queue that found none is polled again only every IDLE_POLL_SECONDS, not every
round. Several worker processes
may run against one PostgreSQL database: jobs claim rows with leases, never by being alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from coopfed.node import Node

log = logging.getLogger(__name__)

Job = Callable[[Node], Awaitable[int]]

# How long a round in progress may go on after a stop request before it is cancelled.
STOP_GRACE_SECONDS = 5.0
# How often the loop polls a queue that found nothing while others keep it busy. Each poll costs
# a few round trips to the database driver: a busy inbox (rounds of up to 200 items, fewer while
# they arrive) paid for ten empty polls per round, ~45% of the worker's time (py-spy).
IDLE_POLL_SECONDS = 0.25


@dataclass(frozen=True)
class NamedJob:
    name: str
    run: Job


def default_jobs() -> list[NamedJob]:
    """The jobs every node runs, in the order one round runs them."""
    from coopfed.federation.delivery import deliver_batch
    from coopfed.inbound.worker import process_inbox_batch
    from coopfed.services.admission_votes import process_admissions
    from coopfed.services.alliance_votes import settle_alliance_votes
    from coopfed.services.joint_certificates import send_due_certificates
    from coopfed.services.joint_proposals import decide_due_joint_proposals
    from coopfed.services.mail import send_due_mail
    from coopfed.services.notifications import send_due_notifications
    from coopfed.services.proposal_publishing import publish_due_updates
    from coopfed.services.proposals import close_due_proposals
    from coopfed.services.recipients import resolve_pending_recipients

    return [
        NamedJob("inbox", process_inbox_batch),
        NamedJob("delivery", deliver_batch),
        NamedJob("recipients", resolve_pending_recipients),
        NamedJob("scheduler", close_due_proposals),
        NamedJob("question_updates", publish_due_updates),
        NamedJob("admissions", process_admissions),
        NamedJob("alliance_votes", settle_alliance_votes),
        NamedJob("joint_certificates", send_due_certificates),
        NamedJob("joint_decisions", decide_due_joint_proposals),
        NamedJob("notifications", send_due_notifications),
        NamedJob("mail", send_due_mail),
    ]


class Worker:
    def __init__(
        self,
        node: Node,
        jobs: Sequence[NamedJob] | None = None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.node = node
        self.jobs = list(default_jobs() if jobs is None else jobs)
        self._monotonic = monotonic
        self._found_nothing_at: dict[str, float] = {}  # job name: when its last poll was empty

    async def run_once(self, *, skip_idle: bool = False) -> int:
        """Every job once; with `skip_idle` (the loop, right after a round that found work), not
        those whose last poll, within IDLE_POLL_SECONDS, found nothing."""
        handled = 0
        for job in self.jobs:
            empty_at = self._found_nothing_at.get(job.name)
            if skip_idle and empty_at is not None and self._recent(empty_at):
                continue
            count = 0
            try:
                count = await job.run(self.node)
            except Exception:
                # A failing job must not stop the others; its items keep their state and lease.
                log.exception("worker job %s failed", job.name)
            if count:
                self._found_nothing_at.pop(job.name, None)
            else:
                self._found_nothing_at[job.name] = self._monotonic()
            handled += count
        return handled

    def _recent(self, moment: float) -> bool:
        return self._monotonic() - moment < IDLE_POLL_SECONDS

    async def run(self, stop: asyncio.Event) -> None:
        interval = self.node.settings.worker.poll_interval
        log.info("worker started with jobs: %s", ", ".join(j.name for j in self.jobs) or "none")
        handled: int | None = 0
        while not stop.is_set():
            # Right after a round that found work, the queues found empty lately wait their turn.
            handled = await self._round_until_stopped(stop, skip_idle=bool(handled))
            if handled == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=interval)
        log.info("worker stopped")

    async def _round_until_stopped(self, stop: asyncio.Event, *, skip_idle: bool) -> int | None:
        """One round; if `stop` is set meanwhile, the round gets STOP_GRACE_SECONDS to end.

        A round can wait on a hanging peer for a whole request timeout (30 s), and SIGTERM
        should not. Cancelling is safe: each unit of work is one transaction (rolled back) and
        leased rows simply expire and are taken again by the next worker. None: stopped.
        """
        current = asyncio.create_task(self.run_once(skip_idle=skip_idle))
        stopped = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait({current, stopped}, return_when=asyncio.FIRST_COMPLETED)
            if current.done():
                return current.result()
            try:
                return await asyncio.wait_for(asyncio.shield(current), STOP_GRACE_SECONDS)
            except TimeoutError:
                log.warning(
                    "worker stopping: round cancelled after %.0f s; leased items will be retried",
                    STOP_GRACE_SECONDS,
                )
                return None
        finally:
            stopped.cancel()
            if not current.done():
                current.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await current
