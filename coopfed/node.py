"""The running node's shared state: settings, database engine, IRIs and the clock.

Built once per process by `coopfed.app` or the CLI and handed to services; nothing reads
globals. The clock is injectable so tests can move time. The node holds its federation
runtime (key cache, fetch limits, fetcher, inbox writer), shared by everything in the process.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from coopfed.federation.runtime import FederationRuntime
from coopfed.settings import Settings
from coopfed.store.db import create_engine, sqlite_path
from coopfed.uris import Uris


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Node:
    settings: Settings
    engine: AsyncEngine
    uris: Uris
    clock: Callable[[], datetime] = field(default=utc_now)
    federation: FederationRuntime = field(init=False, repr=False, compare=False)
    _inbox_engine: AsyncEngine | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.federation = FederationRuntime(self)

    @classmethod
    def from_settings(cls, settings: Settings) -> Node:
        return cls(
            settings=settings,
            engine=create_engine(settings.database_url),
            uris=Uris(settings.base_url),
        )

    def now(self) -> datetime:
        return self.clock()

    def inbox_engine(self) -> AsyncEngine:
        """The inbox worker's engine: on a SQLite file, its commits wait for no fsync.

        Safe for work nobody outside the database sees before a later durable commit: the
        inbox worker's items (their effects and their done mark in one transaction). Every
        effect outside the database follows a durable commit (a 202, a delivery or mail
        lease), and that commit's fsync covers the whole WAL, so it makes every item committed
        before it durable too; a power cut loses only items processed since, which are pending
        again (effects rolled back with them) and processed once more.
        """
        if self._inbox_engine is None:
            url = self.settings.database_url
            if sqlite_path(url) is None:  # PostgreSQL, or a memory database (one per engine)
                self._inbox_engine = self.engine
            else:
                self._inbox_engine = create_engine(url, deferred_sync=True)
        return self._inbox_engine

    async def close(self) -> None:
        if self._inbox_engine is not None and self._inbox_engine is not self.engine:
            await self._inbox_engine.dispose()
        await self.engine.dispose()
