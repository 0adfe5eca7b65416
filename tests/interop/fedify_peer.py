"""Drive the Fedify peer in tests/interop/peer/ from pytest.

The peer is a real, independent ActivityPub implementation (Fedify 2.3.6 on Node 22) that
our interop tests federate with.  ``ensure_peer_installed`` installs it with ``npm ci``
on first use; ``FedifyPeer`` starts one on a free loopback port and wraps its JSON
control API (documented in peer/lib/control.mjs).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

PEER_DIR = Path(__file__).resolve().parent / "peer"
FEDIFY_VERSION = "2.3.6"
NPM_CI_TIMEOUT = 300.0
NODE_MAJOR_REQUIRED = 22

JsonDict = dict[str, Any]
Record = dict[str, Any]


@dataclass(frozen=True)
class PeerInstall:
    """Where the peer's Node 22 binary is, or why there is none."""

    node: Path | None
    reason: str


class PeerError(RuntimeError):
    """The peer did not start, or a control call failed (message carries its log)."""


def _bundled_node() -> Path | None:
    for candidate in (
        PEER_DIR / "node_modules" / "node" / "bin" / "node",
        PEER_DIR / "node_modules" / ".bin" / "node",
    ):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def _installed_fedify_version() -> str | None:
    manifest = PEER_DIR / "node_modules" / "@fedify" / "fedify" / "package.json"
    try:
        version = json.loads(manifest.read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None
    return str(version)


def _is_installed() -> bool:
    return _bundled_node() is not None and _installed_fedify_version() == FEDIFY_VERSION


@contextlib.contextmanager
def _install_lock() -> Iterator[None]:
    # Several pytest processes may share this checkout; one npm ci at a time.
    digest = hashlib.sha256(str(PEER_DIR).encode()).hexdigest()[:12]
    lock_path = Path(tempfile.gettempdir()) / f"coopfed-fedify-peer-{digest}.lock"
    with lock_path.open("w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def _run_npm_ci(npm: str) -> str | None:
    """Run ``npm ci`` in the peer folder; return a reason on failure."""
    command = [npm, "ci", "--no-audit", "--no-fund"]
    env = {**os.environ, "npm_config_update_notifier": "false"}
    try:
        done = subprocess.run(
            command,
            cwd=PEER_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=NPM_CI_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"`npm ci` in {PEER_DIR} took longer than {NPM_CI_TIMEOUT:.0f} s"
    if done.returncode != 0:
        tail = (done.stdout + done.stderr)[-2000:]
        return f"`npm ci` in {PEER_DIR} failed with exit code {done.returncode}:\n{tail}"
    return None


def _node_major(node: Path) -> int | None:
    try:
        done = subprocess.run(
            [str(node), "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    version = done.stdout.strip().lstrip("v")
    head = version.split(".", 1)[0]
    return int(head) if head.isdigit() else None


def install_peer() -> PeerInstall:
    """Install the peer's npm dependencies if needed and locate its Node 22 binary."""
    system_node = shutil.which("node")
    npm = shutil.which("npm")
    if system_node is None or npm is None:
        missing = " and ".join(n for n, p in (("node", system_node), ("npm", npm)) if p is None)
        return PeerInstall(None, f"Node.js/npm not found: no {missing} on PATH")
    with _install_lock():
        if not _is_installed():
            problem = _run_npm_ci(npm)
            if problem is not None:
                return PeerInstall(None, problem)
    node = _bundled_node()
    if node is None:
        return PeerInstall(None, f"npm ci ran but no Node binary under {PEER_DIR}/node_modules")
    major = _node_major(node)
    if major is None or major < NODE_MAJOR_REQUIRED:
        return PeerInstall(None, f"{node} is not Node >= {NODE_MAJOR_REQUIRED} (major {major})")
    return PeerInstall(node, "ok")


def ensure_peer_installed() -> Path | None:
    """The peer's Node 22 binary, or None (see ``install_peer`` for the reason)."""
    return install_peer().node


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


class FedifyPeer:
    """One running Fedify peer with actors alice, bob and carol."""

    def __init__(
        self,
        node: Path,
        *,
        host: str = "127.0.0.1",
        log_level: str = "warning",
        startup_timeout: float = 20.0,
    ) -> None:
        if not host.startswith("127."):
            raise ValueError(f"peers listen on loopback only, not {host}")
        self.node = node
        self.host = host
        self.port = 0
        self.log_level = log_level
        self.startup_timeout = startup_timeout
        self.startup_seconds = 0.0
        log_fd, log_name = tempfile.mkstemp(prefix="fedify-peer-", suffix=".log")
        os.close(log_fd)
        self.log_path = Path(log_name)
        self._process: subprocess.Popen[bytes] | None = None
        self._client: httpx.Client | None = None

    # -- lifecycle -------------------------------------------------------------------

    def __enter__(self) -> FedifyPeer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        started = time.monotonic()
        for _attempt in range(3):  # a port picked as free can be taken before we bind it
            self.port = free_port(self.host)
            self._spawn()
            if self._wait_healthy():
                self.startup_seconds = time.monotonic() - started
                return
            if self._process is not None and self._process.poll() is None:
                break  # running but not answering: retrying will not help
        self.stop()
        raise PeerError(f"Fedify peer did not become healthy.\n{self.log_tail()}")

    def _spawn(self) -> None:
        env = {**os.environ, "PEER_LOG_LEVEL": self.log_level}
        command = [str(self.node), "peer.mjs", "--port", str(self.port), "--host", self.host]
        with self.log_path.open("ab") as log:
            log.write(f"--- starting {' '.join(command)}\n".encode())
            log.flush()
            self._process = subprocess.Popen(
                command, cwd=PEER_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        self._client = httpx.Client(base_url=self.base_url, timeout=30.0, trust_env=False)

    def _wait_healthy(self) -> bool:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                return False
            with contextlib.suppress(httpx.HTTPError):
                if self._http().get("/_control/health").status_code == 200:
                    return True
            time.sleep(0.05)
        return False

    def stop(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def log_tail(self, chars: int = 4000) -> str:
        return f"--- Fedify peer log ({self.log_path}) ---\n{self.log_text()[-chars:]}"

    # -- addresses -------------------------------------------------------------------

    def actor_url(self, name: str) -> str:
        return f"{self.base_url}/users/{name}"

    def inbox_url(self, name: str) -> str:
        return f"{self.actor_url(name)}/inbox"

    @property
    def shared_inbox_url(self) -> str:
        return f"{self.base_url}/inbox"

    def acct(self, name: str) -> str:
        return f"{name}@{self.host}:{self.port}"

    # -- control API -----------------------------------------------------------------

    def _http(self) -> httpx.Client:
        if self._client is None:
            raise PeerError("the Fedify peer is not running")
        return self._client

    def _call(self, method: str, path: str, **kwargs: Any) -> JsonDict:
        response = self._http().request(method, f"/_control/{path}", **kwargs)
        try:
            body: JsonDict = response.json()
        except ValueError:
            body = {"error": response.text}
        if response.status_code != 200:
            raise PeerError(
                f"{method} /_control/{path} -> {response.status_code}: "
                f"{body.get('error')}\n{self.log_tail()}"
            )
        return body

    def follow(self, actor: str, target: str) -> JsonDict:
        return self._call("POST", "follow", json={"actor": actor, "target": target})

    def undo_follow(self, actor: str, target: str) -> JsonDict:
        return self._call("POST", "undo-follow", json={"actor": actor, "target": target})

    def join(self, actor: str, target: str, content: str | None = None) -> JsonDict:
        body = {"actor": actor, "target": target, "content": content}
        return self._call("POST", "join", json=body)

    def leave(self, actor: str, target: str) -> JsonDict:
        return self._call("POST", "leave", json={"actor": actor, "target": target})

    def vote(self, actor: str, question: str, choices: list[str]) -> JsonDict:
        body = {"actor": actor, "question": question, "choices": choices}
        return self._call("POST", "vote", json=body)

    def question(
        self,
        actor: str,
        options: list[str],
        *,
        end_time: str | None = None,
        multiple: bool = False,
        content: str | None = None,
    ) -> JsonDict:
        body: JsonDict = {"actor": actor, "options": options, "multiple": multiple}
        if end_time is not None:
            body["endTime"] = end_time
        if content is not None:
            body["content"] = content
        return self._call("POST", "question", json=body)

    def send(
        self,
        actor: str,
        inbox: str,
        activity: JsonDict | str,
        *,
        spec: str = "draft-cavage-http-signatures-12",
        sign: bool = True,
        key_id: str | None = None,
    ) -> JsonDict:
        """POST ``activity`` verbatim to ``inbox``, HTTP-signed by ``actor`` unless told not
        (always with its RSA key; ``key_id`` names it otherwise than ``#main-key``)."""
        body = {"actor": actor, "inbox": inbox, "activity": activity, "spec": spec, "sign": sign}
        if key_id is not None:
            body["keyId"] = key_id
        return self._call("POST", "send", json=body)

    def resolve(self, acct: str) -> str:
        return str(self._call("POST", "resolve", json={"acct": acct})["actor"])

    def lookup(self, url: str, actor: str | None = None) -> JsonDict:
        return self._call("POST", "lookup", json={"url": url, "actor": actor})

    def inbox(self, actor: str | None = None, activity_type: str | None = None) -> list[Record]:
        pairs = (("actor", actor), ("type", activity_type))
        query = {key: value for key, value in pairs if value is not None}
        records: list[Record] = self._call("GET", "inbox", params=query)["activities"]
        return records

    def deliveries(self) -> list[Record]:
        records: list[Record] = self._call("GET", "deliveries")["deliveries"]
        return records

    def fetches(self) -> list[Record]:
        records: list[Record] = self._call("GET", "fetches")["fetches"]
        return records

    def errors(self) -> list[Record]:
        records: list[Record] = self._call("GET", "errors")["errors"]
        return records

    def state(self, actor: str | None = None) -> JsonDict:
        return self._call("GET", "state", params={} if actor is None else {"actor": actor})

    def reset(self, *, everything: bool = False) -> None:
        self._call("POST", "reset", json={"all": everything})

    def configure(
        self,
        *,
        auto_accept: bool | None = None,
        reject_signature_schemes: list[str] | None = None,
    ) -> JsonDict:
        """Change behaviour: auto-accept Follows; answer 401 to inbox POSTs signed with
        the given schemes ("rfc9421", "draft-cavage-http-signatures-12", "none")."""
        body: JsonDict = {}
        if auto_accept is not None:
            body["autoAccept"] = auto_accept
        if reject_signature_schemes is not None:
            body["rejectSignatureSchemes"] = reject_signature_schemes
        return self._call("POST", "config", json=body)

    def wait_for(
        self,
        actor: str | None,
        predicate: Callable[[Record], bool],
        timeout: float = 10.0,
    ) -> Record:
        """Poll the actor's inbox until a recorded activity satisfies ``predicate``."""
        deadline = time.monotonic() + timeout
        while True:
            records = self.inbox(actor)
            for record in records:
                if predicate(record):
                    return record
            if time.monotonic() >= deadline:
                break
            time.sleep(0.1)
        seen = [(r.get("type"), r.get("id")) for r in records]
        raise AssertionError(
            f"no matching activity in {actor or 'any'} inbox of {self.base_url} after "
            f"{timeout} s; received {seen}\n{self.log_tail()}"
        )


def of_type(type_name: str) -> Callable[[Record], bool]:
    """Predicate for ``wait_for``: the activity's type is ``type_name``."""
    return lambda record: record.get("type") == type_name
