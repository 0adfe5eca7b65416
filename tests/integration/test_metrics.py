"""`GET /metrics` of a served node over real HTTP: counts move with activity; others get 404."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import httpx
import pytest

from tests.integration.test_backup_restore import STUB_HOST, make_node, queue_delivery
from tests.support.processes import free_port, running

pytestmark = pytest.mark.slow


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample, 0 when absent."""
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split("}")[0]))
        if all(found.get(key) == value for key, value in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_count_activity_and_only_answer_allowed_clients(tmp_path: Path) -> None:
    port, stub_port = free_port(), free_port(STUB_HOST)
    base = f"http://127.0.0.1:{port}"
    make_node(tmp_path / "node", base, stub_port, None)
    config = tmp_path / "node" / "coopfed.toml"
    config.write_text(config.read_text() + '\n[metrics]\nallow = ["127.0.0.1/32"]\n')
    node = tmp_path / "node"
    with running("serve", cwd=node, log=tmp_path / "serve.log", health_url=f"{base}/healthz"):
        before = httpx.get(f"{base}/metrics")
        assert before.status_code == 200 and "text/plain" in before.headers["content-type"]
        assert sample(before.text, "coopfed_queue_depth", queue="deliveries") == 0

        as_json = {"Content-Type": "application/activity+json"}
        refused = httpx.post(f"{base}/inbox", content=b"{not json", headers=as_json)
        assert refused.status_code == 400
        asyncio.run(queue_delivery(config, f"http://{STUB_HOST}:{stub_port}/inbox"))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            after = httpx.get(f"{base}/metrics").text
            if sample(after, "coopfed_delivery_host_failures_total") >= 1:
                break
            time.sleep(0.3)
        assert sample(after, "coopfed_inbox_received_total", result="refused", error="json") == 1
        assert sample(after, "coopfed_deliveries_total", outcome="retry") >= 1
        host = f"{STUB_HOST}:{stub_port}"
        assert sample(after, "coopfed_delivery_host_failures_total", host=host) >= 1
        assert sample(after, "coopfed_queue_depth", queue="deliveries") == 1
        assert sample(after, "coopfed_queue_oldest_age_seconds", queue="deliveries") > 0

        other = httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.3"))
        with other:
            hidden = other.get(f"{base}/metrics")
        assert hidden.status_code == 404 and "coopfed_" not in hidden.text
