"""A minimal httpx transport over an httpcore pool with our vetting network backend.

It mirrors httpx.AsyncHTTPTransport's request/response mapping, but maps httpcore errors
straight to FetchFailed, and never looks at proxy settings from the environment.
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import AsyncIterable, AsyncIterator, Iterator

import httpcore
import httpx

from coopfed.activitypub.safefetch.errors import FetchFailed, FetchRefused

__all__ = ["VettedTransport"]


class VettedTransport(httpx.AsyncBaseTransport):
    def __init__(
        self,
        network_backend: httpcore.AsyncNetworkBackend,
        ssl_context: ssl.SSLContext,
        max_connections: int = 100,
    ) -> None:
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=max_connections,
            keepalive_expiry=30.0,
            http1=True,
            http2=False,
            network_backend=network_backend,
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.AsyncByteStream)
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _mapped_errors(str(request.url)):
            core_response = await self._pool.handle_async_request(core_request)
        assert isinstance(core_response.stream, AsyncIterable)
        return httpx.Response(
            status_code=core_response.status,
            headers=core_response.headers,
            stream=_ResponseStream(core_response.stream, str(request.url)),
            extensions=core_response.extensions,
        )

    async def aclose(self) -> None:
        await self._pool.aclose()


class _ResponseStream(httpx.AsyncByteStream):
    def __init__(self, core_stream: AsyncIterable[bytes], url: str) -> None:
        self._core_stream = core_stream
        self._url = url

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _mapped_errors(self._url):
            async for part in self._core_stream:
                yield part

    async def aclose(self) -> None:
        close = getattr(self._core_stream, "aclose", None)
        if close is not None:
            with _mapped_errors(self._url):
                await close()


@contextlib.contextmanager
def _mapped_errors(url: str) -> Iterator[None]:
    try:
        yield
    except httpcore.TimeoutException as exc:
        raise FetchFailed("timeout", type(exc).__name__, url=url) from exc
    except httpcore.ConnectError as exc:
        raise FetchFailed("connect", str(exc), url=url) from exc
    except httpcore.NetworkError as exc:
        raise FetchFailed("network", str(exc), url=url) from exc
    except httpcore.ProtocolError as exc:
        raise FetchFailed("protocol", str(exc), url=url) from exc
    except httpcore.UnsupportedProtocol as exc:
        raise FetchRefused("scheme", str(exc), url=url) from exc
