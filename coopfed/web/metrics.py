"""`GET /metrics`: the node's counters in Prometheus format, only for `metrics.allow`.

Queue depths are read from the database at scrape time, so they are right whichever process
answers. Counters are this process's, or, in multiprocess mode (PROMETHEUS_MULTIPROC_DIR, set up
by `serve --workers N`: coopfed/cli/multiprocess_metrics.py), summed over every process of the
node that counts into that directory, web processes and workers alike. Anyone else gets a
plain 404, so the endpoint does not advertise itself.
"""

from __future__ import annotations

import ipaddress
import os
from datetime import UTC, datetime

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coopfed import metrics
from coopfed.store import node_status
from coopfed.web.clientaddr import client_of
from coopfed.web.errors import error_response
from coopfed.web.state import node_of


def allowed(client: str, allow: tuple[str, ...]) -> bool:
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(item, strict=False) for item in allow)


async def _read_queues(request: Request) -> None:
    node = node_of(request)
    async with node.engine.connect() as conn:
        depths = await node_status.queue_depths(conn)
    now = datetime.now(UTC)
    for name, depth in depths.items():
        metrics.QUEUE_DEPTH.labels(name).set(depth.depth)
        age = 0.0 if depth.oldest is None else max((now - depth.oldest).total_seconds(), 0.0)
        metrics.QUEUE_OLDEST_AGE.labels(name).set(age)


async def metrics_endpoint(request: Request) -> Response:
    if not allowed(client_of(request), node_of(request).settings.metrics.allow):
        return error_response(404, "not_found", "no such page")
    await _read_queues(request)
    return Response(generate_latest(_registry()), media_type=CONTENT_TYPE_LATEST)


def _registry() -> CollectorRegistry:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return REGISTRY
    registry = CollectorRegistry()  # per scrape, as prometheus-client's multiprocess docs say
    multiprocess.MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
    return registry


routes = [Route("/metrics", metrics_endpoint, methods=["GET"])]
