"""The inbound adapter's tests run against the federation fixtures (a node whose fetcher may
reach test servers on 127.0.0.2-9, remote actors on them)."""

from tests.federation.conftest import (  # noqa: F401
    coop_inbox,
    other_remote,
    remote,
    remote_fresh,
    settings,
)
