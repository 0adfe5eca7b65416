"""`coopfed init`, `db`, `admin create`: refusals exit 2 with one line and change nothing;
`coopfed healthcheck` probes the port the settings give `serve`."""

from __future__ import annotations

import hashlib
import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from coopfed.cli import main
from coopfed.cli.node_commands import healthz_url
from tests.support.processes import free_port

INIT = ["init", "--url", "http://127.0.0.1:8765", "--name", "Test Co-op", "--handle", "testcoop"]


def digest_tree(directory: Path) -> dict[str, str]:
    return {
        str(path.relative_to(directory)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return tmp_path / "coopfed.toml"


def test_init_creates_config_database_and_keys(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*INIT, "--config", str(config)]) == 0
    assert "@testcoop@127.0.0.1:8765" in capsys.readouterr().out
    assert (config.parent / "data" / "coopfed.db").exists()
    assert main(["db", "current", "--json", "--config", str(config)]) == 0
    state = json.loads(capsys.readouterr().out)
    assert state["up_to_date"] is True and state["current"] == state["head"]


def test_init_twice_refuses_and_changes_nothing(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*INIT, "--config", str(config)]) == 0
    before = digest_tree(config.parent)
    capsys.readouterr()
    assert main([*INIT, "--name", "Other", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("coopfed: error:") and "--force" in err
    assert len(err.strip().splitlines()) == 1
    assert digest_tree(config.parent) == before


def test_init_force_replaces_the_node(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*INIT, "--config", str(config)]) == 0
    assert main([*INIT[:-1], "othercoop", "--force", "--config", str(config)]) == 0
    assert 'handle = "othercoop"' in config.read_text()


def test_init_with_bad_values_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "coopfed.toml"
    code = main(
        ["init", "--url", "ftp://x", "--name", "X", "--handle", "x", "--config", str(config)]
    )
    assert code == 2
    assert "server.url" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_init_takes_a_time_zone_and_refuses_a_made_up_one(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*INIT, "--time-zone", "Mars/Olympus", "--config", str(config)]) == 2
    assert "coop.time_zone" in capsys.readouterr().err
    assert list(config.parent.iterdir()) == []
    assert main([*INIT, "--time-zone", "Europe/Paris", "--config", str(config)]) == 0
    assert 'time_zone = "Europe/Paris"' in config.read_text()


def test_broken_config_names_the_setting(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*INIT, "--config", str(config)]) == 0
    config.write_text(config.read_text().replace("port = 8765", 'port = "many"'))
    capsys.readouterr()
    assert main(["db", "current", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "server.port" in err and "Traceback" not in err


def test_admin_create_reads_password_from_stdin(
    config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main([*INIT, "--config", str(config)]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery\n"))
    assert main(["admin", "create", "alice", "--config", str(config)]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery\n"))
    capsys.readouterr()
    assert main(["admin", "create", "alice", "--config", str(config)]) == 2
    assert "already taken" in capsys.readouterr().err


def test_admin_create_refuses_a_short_password(
    config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main([*INIT, "--config", str(config)]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    capsys.readouterr()
    assert main(["admin", "create", "alice", "--config", str(config)]) == 2
    assert "at least" in capsys.readouterr().err


def test_unknown_command_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["frobnicate"])
    assert caught.value.code == 2


class _Healthz(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        code = self.status if self.path == "/healthz" else 404
        self.send_response(code)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def healthz() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Healthz)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_healthcheck_follows_the_port_of_the_config_file(
    config: Path,
    healthz: ThreadingHTTPServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Regression: the image's probe read COOPFED_SERVER__PORT only, so a port set in a mounted
    # config file was probed on 8000 and the container reported unhealthy.
    monkeypatch.delenv("COOPFED_SERVER__PORT", raising=False)
    assert main([*INIT, "--config", str(config)]) == 0
    port = healthz.server_address[1]
    config.write_text(config.read_text().replace("port = 8765", f"port = {port}", 1))
    assert main(["healthcheck", "--config", str(config)]) == 0
    _Healthz.status = 503
    try:
        assert main(["healthcheck", "--config", str(config)]) == 1
    finally:
        _Healthz.status = 200
    assert f"unhealthy: http://127.0.0.1:{port}/healthz" in capsys.readouterr().err


def test_healthcheck_follows_the_environment_over_the_file(
    config: Path,
    healthz: ThreadingHTTPServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert main([*INIT, "--config", str(config)]) == 0
    monkeypatch.setenv("COOPFED_SERVER__PORT", str(healthz.server_address[1]))
    assert main(["healthcheck", "--config", str(config)]) == 0
    closed = free_port()
    monkeypatch.setenv("COOPFED_SERVER__PORT", str(closed))
    assert main(["healthcheck", "--config", str(config), "--timeout", "2"]) == 1
    err = capsys.readouterr().err
    assert f"unhealthy: http://127.0.0.1:{closed}/healthz" in err
    assert len(err.strip().splitlines()) == 1


def test_healthcheck_probes_loopback_when_serve_listens_everywhere() -> None:
    assert healthz_url("0.0.0.0", 8000) == "http://127.0.0.1:8000/healthz"
    assert healthz_url("::", 8000) == "http://[::1]:8000/healthz"
    assert healthz_url("127.0.0.5", 9000) == "http://127.0.0.5:9000/healthz"
