"""A fast, raw asyncio inbox receiver for delivery tests and the fan-out benchmark.

Listens on any number of 127.0.0.x:port addresses (distinct hosts for per-host limits),
records every POST (origin, path, headers, body) and answers what `respond` says (202 by
default). It verifies nothing: tests check signatures themselves with `verify_request`.

In-process:  recorder = InboxRecorder([("127.0.0.2", 0)]); await recorder.start() … stop()
As a process: python -m tests.support.inbox_recorder --listen 127.0.0.2:0 [--record FILE]
              [--fail-first N]; prints {"ports": […]} on stdout when ready; GET /_count answers
              the number of POSTs received; with --record each POST is one JSON line in FILE.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any


@dataclass(frozen=True)
class Received:
    origin: str  # host:port the POST arrived at
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def url(self) -> str:
        return f"http://{self.origin}{self.path}"


Reply = tuple[int, dict[str, str]]
Responder = Callable[[Received], Reply]

_REASONS = {200: "OK", 202: "Accepted", 404: "Not Found", 410: "Gone", 429: "Too Many Requests"}


def accept(_post: Received) -> Reply:
    return 202, {}


class InboxRecorder:
    def __init__(
        self,
        listen: list[tuple[str, int]],
        respond: Responder = accept,
        record_file: IO[str] | None = None,
    ) -> None:
        self.listen = listen
        self.respond = respond
        self.received: list[Received] = []
        self.connections = 0
        self.origins: list[str] = []
        self._servers: list[asyncio.Server] = []
        self._record_file = record_file
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        for host, port in self.listen:
            server = await asyncio.start_server(self._serve, host, port, backlog=1024)
            self._servers.append(server)
            self.origins.append(f"{host}:{server.sockets[0].getsockname()[1]}")

    async def stop(self) -> None:
        for server in self._servers:
            server.close()
        for writer in list(self._writers):
            writer.close()
        for server in self._servers:
            await server.wait_closed()

    async def wait_for(self, condition: Callable[[list[Received]], bool], timeout: float) -> None:
        async with asyncio.timeout(timeout):
            while not condition(self.received):
                await asyncio.sleep(0.02)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.add(writer)
        local = writer.get_extra_info("sockname")
        origin = f"{local[0]}:{local[1]}"
        try:
            while True:
                post = await _read_request(reader, origin)
                if post is None:
                    return
                writer.write(self._answer(post))
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            return
        finally:
            self._writers.discard(writer)
            writer.close()

    def _answer(self, post: Received) -> bytes:
        if post.headers.get(":method") == "GET":
            body = json.dumps({"count": len(self.received)}).encode()
            return _response(200, {"Content-Type": "application/json"}, body)
        clean = Received(post.origin, post.path, _without_method(post.headers), post.body)
        self.received.append(clean)
        if self._record_file is not None:
            line = {"origin": clean.origin, "path": clean.path, "body": clean.body.decode()}
            self._record_file.write(json.dumps(line) + "\n")
            self._record_file.flush()
        status, headers = self.respond(clean)
        return _response(status, headers, b"")


def _without_method(headers: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in headers.items() if name != ":method"}


def _response(status: int, headers: dict[str, str], body: bytes) -> bytes:
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def _read_request(reader: asyncio.StreamReader, origin: str) -> Received | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    headers = {":method": method}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return Received(origin, path, headers, body)


# --- as a process --------------------------------------------------------------------------------


def _fail_first(count: int) -> Responder:
    """500 for the first `count` POSTs to each inbox path, then 202."""
    seen: dict[str, int] = {}

    def respond(post: Received) -> Reply:
        key = post.origin + post.path
        seen[key] = seen.get(key, 0) + 1
        return (500, {}) if seen[key] <= count else (202, {})

    return respond


async def _main(args: argparse.Namespace) -> None:
    listen = []
    for item in args.listen:
        host, _, port = item.rpartition(":")
        listen.append((host, int(port)))
    with contextlib.ExitStack() as stack:
        record = stack.enter_context(open(args.record, "a")) if args.record else None
        recorder = InboxRecorder(listen, _fail_first(args.fail_first), record)
        await recorder.start()
        print(json.dumps({"origins": recorder.origins}), flush=True)
        await asyncio.Event().wait()  # until killed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--listen", nargs="+", required=True)
    parser.add_argument("--record")
    parser.add_argument("--fail-first", type=int, default=0)
    parser.add_argument("--uvloop", action="store_true")
    args = parser.parse_args()
    if args.uvloop:
        import uvloop

        uvloop.install()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_main(args))
    sys.exit(0)


if __name__ == "__main__":
    main()
