"""Shared helpers for the SafeFetcher tests (no tests here).

A tiny HTTP/1.1 server on 127.0.0.1 with byte-level control, a stub resolver, and a network
backend that records connects and refuses to connect anywhere but 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import httpcore

__all__ = [
    "AS_TYPE",
    "FAKE_PUBLIC_IP",
    "MIB",
    "Handler",
    "RawServer",
    "RecordingBackend",
    "StubResolver",
    "not_found",
    "redirect",
    "response_head",
    "serve_bytes",
    "serve_doc",
]

MIB = 1024 * 1024
AS_TYPE = "application/activity+json"
FAKE_PUBLIC_IP = "8.8.8.8"  # never contacted: the recording backend maps it onto 127.0.0.1

Handler = Callable[[asyncio.StreamWriter], Awaitable[None]]


class RawServer:
    """A tiny HTTP/1.1 server with byte-level control (lying lengths, trickling, chunking)."""

    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[Any]] = set()

    async def start(self, tls: ssl.SSLContext | None = None) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=tls)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in self._writers:
            writer.close()
        for task in self._tasks:  # handlers still trickling or stalling
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    def url(self, path: str, host: str = "peer.test") -> str:
        return f"http://{host}:{self.port}{path}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            while not writer.is_closing():
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                path = lines[0].split(" ")[1]
                headers = dict(
                    (name.strip().lower(), value.strip())
                    for name, _, value in (line.partition(":") for line in lines[1:] if line)
                )
                self.requests.append((path, headers))
                await self.routes.get(path, not_found)(writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def response_head(status: int, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status} X"] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def serve_bytes(
    body: bytes,
    content_type: str = AS_TYPE,
    status: int = 200,
    extra: dict[str, str] | None = None,
) -> Handler:
    async def handler(writer: asyncio.StreamWriter) -> None:
        extra_headers = extra or {}
        headers = {"Content-Type": content_type, "Content-Length": str(len(body)), **extra_headers}
        writer.write(response_head(status, headers) + body)
        await writer.drain()
        if extra_headers.get("Connection") == "close":
            writer.close()

    return handler


def serve_doc(
    doc: dict[str, Any], content_type: str = AS_TYPE, extra: dict[str, str] | None = None
) -> Handler:
    return serve_bytes(json.dumps(doc).encode(), content_type, extra=extra)


def redirect(location: str, status: int = 302) -> Handler:
    return serve_bytes(b"", "text/plain", status, {"Location": location})


async def not_found(writer: asyncio.StreamWriter) -> None:
    await serve_bytes(b"nope", "text/plain", 404)(writer)


class StubResolver:
    """Answers from a table; a list of answers per name is used in turn (for rebinding)."""

    def __init__(self, table: dict[str, list[list[str]]]) -> None:
        self._table = table
        self.calls: list[str] = []

    async def resolve(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        answers = self._table.get(host)
        if not answers:
            raise socket.gaierror(socket.EAI_NONAME, "unknown name")
        return answers.pop(0) if len(answers) > 1 else answers[0]


class RecordingBackend(httpcore.AsyncNetworkBackend):
    """Connects only to 127.0.0.1 (FAKE_PUBLIC_IP too, redirected there); fails on anything else."""

    def __init__(self, port_map: dict[int, int] | None = None) -> None:
        self.connects: list[tuple[str, int]] = []
        self._port_map = port_map or {}
        self._real = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.connects.append((host, port))
        if host not in ("127.0.0.1", FAKE_PUBLIC_IP):
            raise AssertionError(f"connection attempted to {host}:{port}")
        return await self._real.connect_tcp("127.0.0.1", self._port_map.get(port, port), timeout)

    async def sleep(self, seconds: float) -> None:
        await self._real.sleep(seconds)
