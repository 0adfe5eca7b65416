"""SafeFetcher size cap and deadlines against misbehaving servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from coopfed.activitypub.safefetch import (
    FetchFailed,
    FetchPolicy,
    FetchRefused,
    Resolver,
    SafeFetcher,
)

from .test_safefetch_helpers import (
    AS_TYPE,
    MIB,
    Handler,
    RawServer,
    RecordingBackend,
    StubResolver,
    redirect,
    response_head,
    serve_bytes,
)


@pytest.fixture
async def server() -> AsyncIterator[RawServer]:
    raw = RawServer()
    await raw.start()
    yield raw
    await raw.stop()


def make_fetcher(server: RawServer, resolver: Resolver | None = None, **policy: Any) -> SafeFetcher:
    settings: dict[str, Any] = {
        "allow_private": frozenset({f"peer.test:{server.port}"}),
        "allow_http": True,
    }
    settings.update(policy)
    stub = resolver or StubResolver({"peer.test": [["127.0.0.1"]]})
    return SafeFetcher(FetchPolicy(**settings), stub, network_backend=RecordingBackend())


def chunked(total: int, chunk_size: int = 64 * 1024) -> Handler:
    async def handler(writer: asyncio.StreamWriter) -> None:
        writer.write(response_head(200, {"Content-Type": AS_TYPE, "Transfer-Encoding": "chunked"}))
        sent = 0
        while sent < total:
            size = min(chunk_size, total - sent)
            writer.write(b"%x\r\n" % size + b"x" * size + b"\r\n")
            await writer.drain()
            sent += size
        writer.write(b"0\r\n\r\n")
        await writer.drain()

    return handler


def close_delimited(total: int) -> Handler:
    """No Content-Length at all: the body runs until the server closes the connection."""

    async def handler(writer: asyncio.StreamWriter) -> None:
        writer.write(response_head(200, {"Content-Type": AS_TYPE, "Connection": "close"}))
        writer.write(b"x" * total)
        await writer.drain()
        writer.close()

    return handler


def lying_length(declared: int, actual: int) -> Handler:
    async def handler(writer: asyncio.StreamWriter) -> None:
        headers = {"Content-Type": AS_TYPE, "Content-Length": str(declared)}
        writer.write(response_head(200, headers) + b"x" * actual)
        await writer.drain()

    return handler


def stalls_after_head(declared: int) -> Handler:
    async def handler(writer: asyncio.StreamWriter) -> None:
        headers = {"Content-Type": AS_TYPE, "Content-Length": str(declared)}
        writer.write(response_head(200, headers))
        await writer.drain()
        await asyncio.sleep(3600)

    return handler


def trickle(interval: float = 1.0) -> Handler:
    async def handler(writer: asyncio.StreamWriter) -> None:
        writer.write(response_head(200, {"Content-Type": AS_TYPE, "Content-Length": "1000"}))
        while not writer.is_closing():
            writer.write(b" ")
            await writer.drain()
            await asyncio.sleep(interval)

    return handler


def delayed(handler: Handler, seconds: float) -> Handler:
    async def slow(writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(seconds)
        await handler(writer)

    return slow


async def never_answers(writer: asyncio.StreamWriter) -> None:
    await asyncio.sleep(3600)


def exact_size_doc(url: str, size: int) -> bytes:
    skeleton = json.dumps({"id": url, "pad": ""}).encode()
    return json.dumps({"id": url, "pad": "x" * (size - len(skeleton))}).encode()


# --- size cap -----------------------------------------------------------------------------------


async def test_chunked_body_over_cap_is_refused(server: RawServer) -> None:
    server.routes["/big"] = chunked(2 * MIB)
    async with make_fetcher(server) as fetcher:
        with pytest.raises(FetchRefused) as refused:
            await fetcher.fetch_object(server.url("/big"))
    assert refused.value.reason == "too_large"


async def test_body_without_content_length_over_cap_is_refused(server: RawServer) -> None:
    server.routes["/big"] = close_delimited(2 * MIB)
    async with make_fetcher(server) as fetcher:
        with pytest.raises(FetchRefused) as refused:
            await fetcher.fetch_object(server.url("/big"))
    assert refused.value.reason == "too_large"


async def test_declared_oversize_is_refused_before_reading_the_body(server: RawServer) -> None:
    server.routes["/big"] = stalls_after_head(2 * MIB)  # the body never comes
    async with make_fetcher(server) as fetcher:
        started = time.monotonic()
        with pytest.raises(FetchRefused) as refused:
            await fetcher.fetch_object(server.url("/big"))
    assert refused.value.reason == "too_large"
    assert "Content-Length" in refused.value.detail
    assert time.monotonic() - started < 1.0


async def test_understated_content_length_reads_no_more_than_declared(server: RawServer) -> None:
    server.routes["/lie"] = lying_length(declared=100, actual=2 * MIB)
    async with make_fetcher(server) as fetcher:
        document = await fetcher.fetch(server.url("/lie"), accept="*/*")
        assert document.body == b"x" * 100
        with pytest.raises(FetchRefused, match="bad_json"):
            await fetcher.fetch_object(server.url("/lie"))


@pytest.mark.parametrize("make_handler", [chunked, close_delimited])
async def test_cap_boundary_is_exact(server: RawServer, make_handler: Any) -> None:
    server.routes["/fits"] = make_handler(1000)
    server.routes["/over"] = make_handler(1001)
    async with make_fetcher(server, max_bytes=1000) as fetcher:
        assert len((await fetcher.fetch(server.url("/fits"), accept="*/*")).body) == 1000
        with pytest.raises(FetchRefused, match="too_large"):
            await fetcher.fetch(server.url("/over"), accept="*/*")


async def test_document_of_exactly_one_mib_is_accepted(server: RawServer) -> None:
    body = exact_size_doc(server.url("/full"), MIB)
    assert len(body) == MIB
    server.routes["/full"] = serve_bytes(body)
    async with make_fetcher(server) as fetcher:
        assert (await fetcher.fetch_object(server.url("/full")))["id"] == server.url("/full")


# --- deadlines ----------------------------------------------------------------------------------


@pytest.mark.parametrize("interval", [1.0, 0.2])  # 0.2 s: no single read ever times out
async def test_trickling_body_is_aborted_at_total_deadline(
    server: RawServer, interval: float
) -> None:
    server.routes["/slow"] = trickle(interval)
    async with make_fetcher(server, total_timeout=1.0) as fetcher:
        started = time.monotonic()
        with pytest.raises(FetchFailed) as failed:
            await fetcher.fetch_object(server.url("/slow"))
    elapsed = time.monotonic() - started
    assert failed.value.reason == "timeout"
    assert 0.9 <= elapsed < 2.0


async def test_server_that_never_answers_is_aborted_at_total_deadline(server: RawServer) -> None:
    server.routes["/hang"] = never_answers
    async with make_fetcher(server, total_timeout=0.5) as fetcher:
        started = time.monotonic()
        with pytest.raises(FetchFailed, match="timeout"):
            await fetcher.fetch_object(server.url("/hang"))
    assert time.monotonic() - started < 1.5


async def test_deadline_covers_all_redirect_hops_together(server: RawServer) -> None:
    # Each hop alone is well within the deadline; together they are not.
    for index in range(3):
        server.routes[f"/r{index}"] = delayed(redirect(f"/r{index + 1}"), 0.4)
    server.routes["/r3"] = serve_bytes(json.dumps({"id": server.url("/r3")}).encode())
    async with make_fetcher(server, total_timeout=1.0) as fetcher:
        with pytest.raises(FetchFailed, match="timeout"):
            await fetcher.fetch_object(server.url("/r0"))
    assert len(server.requests) == 3


class HangingResolver:
    async def resolve(self, host: str, port: int) -> list[str]:
        await asyncio.sleep(3600)
        return []


async def test_connect_timeout_covers_slow_resolution(server: RawServer) -> None:
    async with make_fetcher(
        server, resolver=HangingResolver(), connect_timeout=0.3, total_timeout=5.0
    ) as fetcher:
        started = time.monotonic()
        with pytest.raises(FetchFailed) as failed:
            await fetcher.fetch_object(server.url("/x"))
    assert failed.value.reason == "timeout"
    assert time.monotonic() - started < 1.0
