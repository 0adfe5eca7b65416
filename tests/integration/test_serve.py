"""`coopfed init` + `coopfed serve` as real processes, reached over real HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.databases import PG_SKIP_REASON, PG_URL, PostgresDatabases
from tests.support.processes import coopfed, free_port, running

pytestmark = pytest.mark.slow


@pytest.fixture
def served_node(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    init = coopfed("init", "--url", base, "--name", "Demo Co-op", "--handle", "demo", cwd=tmp_path)
    assert init.returncode == 0, init.stderr
    with running("serve", cwd=tmp_path, log=tmp_path / "serve.log", health_url=f"{base}/healthz"):
        yield base


def test_a_served_node_is_discoverable(served_node: str) -> None:
    domain = served_node.removeprefix("http://")
    jrd = httpx.get(
        f"{served_node}/.well-known/webfinger", params={"resource": f"acct:demo@{domain}"}
    ).json()
    actor_url = next(link["href"] for link in jrd["links"] if link["rel"] == "self")
    actor = httpx.get(actor_url, headers={"Accept": "application/activity+json"}).json()
    assert actor["type"] == "Group"
    assert actor["publicKey"]["publicKeyPem"].startswith("-----BEGIN PUBLIC KEY-----")
    index = httpx.get(f"{served_node}/.well-known/nodeinfo").json()
    nodeinfo = httpx.get(index["links"][0]["href"]).json()
    assert nodeinfo["version"] == "2.1" and nodeinfo["software"]["name"] == "coopfed"


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason=PG_SKIP_REASON)
def test_serve_on_postgres_from_environment_alone(
    tmp_path: Path, postgres_databases: PostgresDatabases
) -> None:
    database_url = asyncio.run(postgres_databases.fresh(migrated=False))
    port = free_port()
    env = {
        "COOPFED_CONFIG": str(tmp_path / "none.toml"),
        "COOPFED_COOP__NAME": "Env Co-op",
        "COOPFED_COOP__HANDLE": "envcoop",
        "COOPFED_SERVER__URL": f"http://127.0.0.1:{port}",
        "COOPFED_SERVER__PORT": str(port),
        "COOPFED_DATABASE__URL": database_url,
    }
    health = f"http://127.0.0.1:{port}/healthz"
    with running("serve", cwd=tmp_path, env=env, log=tmp_path / "serve.log", health_url=health):
        actor = httpx.get(
            f"http://127.0.0.1:{port}/actors/envcoop",
            headers={"Accept": "application/activity+json"},
        ).json()
    assert actor["name"] == "Env Co-op"


def test_serve_url_follows_the_port_so_webfinger_works(tmp_path: Path) -> None:
    """`make run PORT=8001` on a demo made for :8000: the handle and IRIs follow the new port."""
    made_for = f"http://127.0.0.1:{free_port()}"
    init = coopfed("init", "--url", made_for, "--name", "Demo", "--handle", "demo", cwd=tmp_path)
    assert init.returncode == 0, init.stderr
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    args = ("serve", "--port", str(port), "--url", base)
    with running(*args, cwd=tmp_path, log=tmp_path / "serve.log", health_url=f"{base}/healthz"):
        answer = httpx.get(
            f"{base}/.well-known/webfinger", params={"resource": f"acct:demo@127.0.0.1:{port}"}
        )
    assert answer.status_code == 200
    hrefs = [link["href"] for link in answer.json()["links"] if link["rel"] == "self"]
    assert hrefs == [f"{base}/actors/demo"]


def test_makefile_run_passes_the_port_to_the_url() -> None:
    makefile = (Path(__file__).parents[2] / "Makefile").read_text()
    run_recipe = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "--url http://127.0.0.1:$(PORT)" in run_recipe.split("serve", 1)[1]
    dockerfile = (Path(__file__).parents[2] / "Dockerfile").read_text()
    healthcheck = next(line for line in dockerfile.splitlines() if line.startswith("HEALTHCHECK"))
    # `coopfed healthcheck` reads the port as `serve` does (config file or environment).
    assert '"coopfed", "healthcheck"' in healthcheck


def test_the_quick_start_says_where_the_cli_is_and_how_to_reach_admin() -> None:
    """Trial: following README alone, `coopfed ...` was not found (it is in .venv/bin) and
    /admin/mail, where the demo's mail is, needed an admin nobody had said how to make."""
    root = Path(__file__).parents[2]
    run_recipe = (root / "Makefile").read_text().split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "$(BIN)/coopfed admin create" in run_recipe
    quick_start = (root / "README.md").read_text().split("## Quick start", 1)[1].split("\n## ")[0]
    assert ". .venv/bin/activate" in quick_start and "coopfed admin create" in quick_start


def test_json_logs_put_a_timestamp_on_every_line_access_lines_too(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    init = coopfed("init", "--url", base, "--name", "Demo", "--handle", "demo", cwd=tmp_path)
    assert init.returncode == 0, init.stderr
    config = tmp_path / "coopfed.toml"
    config.write_text(config.read_text() + '\n[logging]\nformat = "json"\n')
    log = tmp_path / "serve.log"
    with running("serve", cwd=tmp_path, log=log, health_url=f"{base}/healthz"):
        assert httpx.get(f"{base}/nodeinfo-missing-page").status_code == 404
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    assert lines and all({"ts", "level", "logger", "message"} <= set(line) for line in lines)
    access = [line for line in lines if line["logger"] == "uvicorn.access"]
    assert any("/nodeinfo-missing-page" in line["message"] for line in access)
