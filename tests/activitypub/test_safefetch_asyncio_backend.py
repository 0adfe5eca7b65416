"""The asyncio-transport network backend under httpcore: keep-alive, dead idle connections,
timeouts, flow control, TLS name checks, and the vetting backend still deciding where to go."""

from __future__ import annotations

import asyncio
import pathlib
import socket
import ssl
from collections.abc import AsyncIterator

import httpcore
import pytest

from coopfed.activitypub.safefetch import FetchRefused
from coopfed.activitypub.safefetch.asyncio_backend import READ_HIGH_WATER, AsyncioBackend
from coopfed.activitypub.safefetch.backend import PrivateAllowList, VettingBackend

from .test_safefetch_helpers import RawServer, StubResolver, serve_bytes
from .test_safefetch_tls import self_signed

TIMEOUTS = {"connect": 5.0, "read": 5.0, "write": 5.0, "pool": 5.0}


def vetting(host: str, port: int) -> VettingBackend:
    resolver = StubResolver({host: [["127.0.0.1"]]})
    return VettingBackend(resolver, PrivateAllowList([f"{host}:{port}"]), inner=AsyncioBackend())


async def get(
    pool: httpcore.AsyncConnectionPool, url: str, timeouts: dict[str, float] = TIMEOUTS
) -> tuple[int, bytes]:
    response = await pool.request("GET", url, extensions={"timeout": timeouts})
    return response.status, response.content


@pytest.fixture
async def server() -> AsyncIterator[RawServer]:
    raw = RawServer()
    await raw.start()
    yield raw
    await raw.stop()


async def test_keeps_the_connection_alive_between_requests(server: RawServer) -> None:
    server.routes["/a"] = serve_bytes(b"hello")
    async with httpcore.AsyncConnectionPool(
        network_backend=vetting("peer.test", server.port)
    ) as pool:
        for _ in range(3):
            assert await get(pool, server.url("/a")) == (200, b"hello")
        assert len(pool.connections) == 1
    assert len(server.requests) == 3


async def test_an_idle_connection_the_peer_closed_is_replaced(server: RawServer) -> None:
    server.routes["/a"] = serve_bytes(b"one")
    server.routes["/b"] = serve_bytes(b"two")
    async with httpcore.AsyncConnectionPool(
        network_backend=vetting("peer.test", server.port)
    ) as pool:
        assert await get(pool, server.url("/a")) == (200, b"one")
        for writer in list(server._writers):  # the peer drops the idle keep-alive connection
            writer.close()
        await asyncio.sleep(0.05)
        assert await get(pool, server.url("/b")) == (200, b"two")
    assert [path for path, _ in server.requests] == ["/a", "/b"]


async def test_a_silent_peer_times_out_on_read(server: RawServer) -> None:
    async def stall(writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(30)

    server.routes["/slow"] = stall
    async with httpcore.AsyncConnectionPool(
        network_backend=vetting("peer.test", server.port)
    ) as pool:
        with pytest.raises(httpcore.ReadTimeout):
            await get(pool, server.url("/slow"), {**TIMEOUTS, "read": 0.2})


async def test_a_closed_port_is_a_connect_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(httpcore.ConnectError):
        await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5.0)


async def test_a_large_reply_arrives_whole_through_read_flow_control(server: RawServer) -> None:
    body = bytes(range(256)) * (4 * READ_HIGH_WATER // 256)
    server.routes["/big"] = serve_bytes(body)
    async with httpcore.AsyncConnectionPool(
        network_backend=vetting("peer.test", server.port)
    ) as pool:
        assert await get(pool, server.url("/big")) == (200, body)


async def test_a_large_write_arrives_whole_through_write_flow_control() -> None:
    payload = bytes(range(256)) * (8 * 1024 * 1024 // 256)  # more than the kernel buffers hold
    received = bytearray()

    async def sink(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(0.2)  # let the sender's buffers fill first
        received.extend(await reader.readexactly(len(payload)))
        writer.write(b"ok")
        writer.close()

    listener = await asyncio.start_server(sink, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5.0)
    await stream.write(payload, timeout=10.0)
    assert await stream.read(16, timeout=10.0) == b"ok"
    assert await stream.read(16, timeout=10.0) == b""  # then end of stream
    await stream.aclose()
    listener.close()
    await listener.wait_closed()
    assert received == payload


async def test_the_vetting_backend_still_refuses_private_addresses(server: RawServer) -> None:
    resolver = StubResolver({"peer.test": [["127.0.0.1"]]})
    backend = VettingBackend(resolver, PrivateAllowList([]), inner=AsyncioBackend())
    with pytest.raises(FetchRefused):
        await backend.connect_tcp("peer.test", server.port, timeout=5.0)
    assert server.requests == []


@pytest.fixture
async def tls_server(tmp_path: pathlib.Path) -> AsyncIterator[tuple[RawServer, ssl.SSLContext]]:
    cert, key = self_signed(tmp_path, "peer.test")
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    raw = RawServer()
    await raw.start(server_context)
    yield raw, ssl.create_default_context(cafile=str(cert))
    await raw.stop()


async def test_tls_verifies_the_name_from_the_url(
    tls_server: tuple[RawServer, ssl.SSLContext],
) -> None:
    server, client_context = tls_server
    server.routes["/a"] = serve_bytes(b"secret")
    backend = vetting("peer.test", server.port)
    async with httpcore.AsyncConnectionPool(
        ssl_context=client_context, network_backend=backend
    ) as pool:
        url = f"https://peer.test:{server.port}/a"
        assert await get(pool, url) == (200, b"secret")
    other = vetting("other.test", server.port)
    async with httpcore.AsyncConnectionPool(
        ssl_context=client_context, network_backend=other
    ) as pool:
        with pytest.raises(httpcore.ConnectError, match=r"(?i)certificate"):
            await get(pool, f"https://other.test:{server.port}/a")
    assert [path for path, _ in server.requests] == ["/a"]


def test_works_on_uvloop_too() -> None:
    # The in-process worker runs on uvicorn's loop, uvloop, whose transports are not
    # asyncio.Transport subclasses.
    uvloop = pytest.importorskip("uvloop")

    async def scenario() -> tuple[int, bytes, int]:
        server = RawServer()
        await server.start()
        server.routes["/a"] = serve_bytes(b"on uvloop")
        try:
            backend = vetting("peer.test", server.port)
            async with httpcore.AsyncConnectionPool(network_backend=backend) as pool:
                first = await get(pool, server.url("/a"))
                second = await get(pool, server.url("/a"))
                assert first == second
                return first[0], first[1], len(pool.connections)
        finally:
            await server.stop()

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        assert runner.run(scenario()) == (200, b"on uvloop", 1)
