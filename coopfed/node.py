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
from coopfed.store.db import create_engine
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

    async def close(self) -> None:
        await self.engine.dispose()
