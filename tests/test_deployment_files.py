"""The Dockerfile and compose.yaml, checked for their structure: CI has no Docker to run them.

PyYAML comes with uvicorn[standard] (a declared dependency); `docker compose config` is not
available here, so these checks stand in for it (docs/deployment.md says they were not run).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]


def compose() -> dict[str, Any]:
    document = yaml.safe_load((ROOT / "compose.yaml").read_text())
    assert isinstance(document, dict)
    return document


def runtime_stage() -> str:
    dockerfile = (ROOT / "Dockerfile").read_text()
    return dockerfile.split(" AS runtime", 1)[1]


def test_compose_runs_postgres_web_and_a_worker() -> None:
    services = compose()["services"]
    assert set(services) == {"db", "web", "worker"}
    assert services["web"]["command"] == ["serve"]
    assert services["worker"]["command"] == ["worker"]
    for name in ("web", "worker"):
        env = services[name]["environment"]
        assert env["COOPFED_DATABASE__URL"].startswith("postgresql://")
        assert "@db/" in env["COOPFED_DATABASE__URL"]  # the db service, by name
        assert env["COOPFED_WORKER__IN_PROCESS"] == "false"
        assert services[name]["volumes"] == ["coopfed-data:/data"]
    assert services["web"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["worker"]["depends_on"]["web"]["condition"] == "service_healthy"
    assert "pg_isready" in services["db"]["healthcheck"]["test"]
    assert set(compose()["volumes"]) == {"pg-data", "coopfed-data"}
    # Published on loopback only: a reverse proxy with TLS goes in front.
    assert services["web"]["ports"] == ["127.0.0.1:8000:8000"]


def test_the_image_has_pg_dump_matching_the_compose_server() -> None:
    stage = runtime_stage()
    assert re.search(r"apt-get install [^\n]*postgresql-client", stage)
    base = re.search(
        r"^FROM python:3\.11-slim-(\w+) AS runtime", (ROOT / "Dockerfile").read_text(), re.M
    )
    assert base is not None and base.group(1) == "bookworm"  # bookworm's client is 15
    assert compose()["services"]["db"]["image"] == "postgres:15"


def test_the_healthcheck_follows_the_configured_port() -> None:
    stage = runtime_stage()
    (healthcheck,) = [line for line in stage.splitlines() if line.startswith("HEALTHCHECK")]
    # `coopfed healthcheck` reads the settings as `serve` does: the environment and the config
    # file (tests/cli/test_node_commands.py probes both).
    assert healthcheck.endswith('CMD ["coopfed", "healthcheck"]')
    assert "COOPFED_SERVER__PORT=8000" in stage  # the image's default port
