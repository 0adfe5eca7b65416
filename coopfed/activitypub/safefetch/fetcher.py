"""SafeFetcher: GET remote documents within FetchPolicy, and fetch ActivityStreams objects.

Why each rule exists is in docs/threats.md ("Outbound fetching", "Origin and authority") and
docs/protocol.md ("Origin rules"). Notable choices:
- Content type: only `application/activity+json`, or `application/ld+json` whose `profile`
  lists the ActivityStreams namespace. Plain `application/json` is refused: ActivityPub requires
  one of the two, every major server sends one, and it keeps arbitrary JSON APIs out.
- `Accept-Encoding: identity` is sent and any other Content-Encoding is refused, so the size cap
  applies to exactly the bytes we keep (no decompression bombs).
- The URL fragment is never sent; the document `id` must equal the final URL without it.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpcore
import httpx

from coopfed.activitypub.jsonbounds import JsonRejected, parse_json_object
from coopfed.activitypub.origin import InvalidURL, origin_of
from coopfed.activitypub.safefetch.backend import PrivateAllowList, VettingBackend
from coopfed.activitypub.safefetch.errors import FetchError, FetchFailed, FetchRefused
from coopfed.activitypub.safefetch.policy import FetchPolicy, Resolver, SystemResolver
from coopfed.activitypub.safefetch.transport import VettedTransport

__all__ = ["ACTIVITY_ACCEPT", "FetchedDocument", "SafeFetcher", "is_activitystreams_type"]

AS_NAMESPACE = "https://www.w3.org/ns/activitystreams"
ACTIVITY_ACCEPT = f'application/activity+json, application/ld+json; profile="{AS_NAMESPACE}"'
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True, slots=True)
class FetchedDocument:
    url: str  # final URL, after redirects, without fragment
    status: int
    content_type: str
    body: bytes


def is_activitystreams_type(content_type: str) -> bool:
    """`application/activity+json`, or `application/ld+json` with the AS profile."""
    media_type, _, params = content_type.partition(";")
    media_type = media_type.strip().lower()
    if media_type == "application/activity+json":
        return True
    if media_type != "application/ld+json":
        return False
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "profile" and AS_NAMESPACE in value.strip().strip('"').split():
            return True
    return False


class SafeFetcher:
    """One pooled HTTP client whose every connection is vetted; use as an async context manager.

    `auth` (e.g. the HTTP signature signer) is applied to every request, redirects included.
    `network_backend` replaces the socket layer under the vetting (tests record connects with it).
    """

    def __init__(
        self,
        policy: FetchPolicy | None = None,
        resolver: Resolver | None = None,
        auth: httpx.Auth | None = None,
        *,
        ssl_context: ssl.SSLContext | None = None,
        network_backend: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self._policy = policy if policy is not None else FetchPolicy()
        self._our_origins = frozenset(origin_of(o) for o in self._policy.our_origins)
        backend = VettingBackend(
            resolver if resolver is not None else SystemResolver(),
            PrivateAllowList(self._policy.allow_private),
            inner=network_backend,
        )
        transport = VettedTransport(backend, ssl_context or httpx.create_ssl_context())
        self._client = httpx.AsyncClient(
            transport=transport,
            auth=auth,
            trust_env=False,  # environment proxies would bypass the vetting backend
            follow_redirects=False,
            timeout=httpx.Timeout(self._policy.total_timeout, connect=self._policy.connect_timeout),
            headers={"User-Agent": self._policy.user_agent, "Accept-Encoding": "identity"},
        )

    async def __aenter__(self) -> SafeFetcher:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def fetch_object(self, url: str) -> dict[str, Any]:
        """Fetch an ActivityStreams document that really lives at `url` (its `id`)."""
        document = await self.fetch(
            url, accept=ACTIVITY_ACCEPT, content_type_ok=is_activitystreams_type
        )
        try:
            obj = parse_json_object(document.body, max_bytes=self._policy.max_bytes)
        except JsonRejected as exc:
            raise FetchRefused("bad_json", str(exc), url=document.url) from None
        # `@id`: an expanded JSON-LD document (some servers serve keys that way).
        object_id = obj.get("id", obj.get("@id"))
        if not isinstance(object_id, str) or not _same_resource(object_id, document.url):
            raise FetchRefused("id_mismatch", f"id {object_id!r} fetched from {document.url}")
        return obj

    async def fetch(
        self,
        url: str,
        *,
        accept: str,
        content_type_ok: Callable[[str], bool] | None = None,
    ) -> FetchedDocument:
        """GET `url` following at most `max_redirects` vetted redirects; 2xx body within the cap.

        The whole call, connects and slow bodies included, is bounded by `total_timeout`.
        """
        try:
            async with asyncio.timeout(self._policy.total_timeout):
                return await self._follow(url, accept, content_type_ok)
        except TimeoutError:
            limit = self._policy.total_timeout
            raise FetchFailed("timeout", f"no complete answer within {limit}s", url=url) from None
        except FetchError:
            raise
        except httpx.HTTPError as exc:
            raise FetchFailed("network", f"{type(exc).__name__}: {exc}", url=url) from exc

    async def _follow(
        self, url: str, accept: str, content_type_ok: Callable[[str], bool] | None
    ) -> FetchedDocument:
        current = self._checked_url(url)
        for hop in range(self._policy.max_redirects + 1):
            request = self._client.build_request("GET", current, headers={"Accept": accept})
            response = await self._client.send(request, stream=True)
            try:
                location = _redirect_location(response)
                if location is None:
                    return await self._read(str(current), response, content_type_ok)
            finally:
                await response.aclose()
            if hop == self._policy.max_redirects:
                raise FetchRefused(
                    "too_many_redirects", f"over {self._policy.max_redirects}", url=url
                )
            current = self._checked_url(_join(current, location))
        raise AssertionError("unreachable")  # pragma: no cover

    def _checked_url(self, url: str | httpx.URL) -> httpx.URL:
        try:
            parsed = url if isinstance(url, httpx.URL) else httpx.URL(url)
        except httpx.InvalidURL as exc:
            raise FetchRefused("invalid_url", str(exc), url=str(url)) from None
        if not (parsed.scheme == "https" or (parsed.scheme == "http" and self._policy.allow_http)):
            raise FetchRefused("scheme", f"{parsed.scheme!r} is not allowed", url=str(url))
        if parsed.userinfo:
            raise FetchRefused("invalid_url", "credentials in URL", url=str(url))
        try:
            origin = origin_of(parsed)
        except InvalidURL as exc:
            raise FetchRefused("invalid_url", str(exc), url=str(url)) from None
        if origin in self._our_origins:
            raise FetchRefused("own_origin", f"{origin} is ours", url=str(url))
        return parsed.copy_with(fragment=None)

    async def _read(
        self,
        url: str,
        response: httpx.Response,
        content_type_ok: Callable[[str], bool] | None,
    ) -> FetchedDocument:
        if not 200 <= response.status_code < 300:
            raise FetchFailed(
                "http_status", f"HTTP {response.status_code}", url=url, status=response.status_code
            )
        content_type = response.headers.get("content-type", "")
        if content_type_ok is not None and not content_type_ok(content_type):
            raise FetchRefused("content_type", f"{content_type[:100]!r}", url=url)
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        if encoding != "identity":
            raise FetchRefused("content_encoding", encoding[:40], url=url)
        body = await self._read_capped(url, response)
        return FetchedDocument(url, response.status_code, content_type, body)

    async def _read_capped(self, url: str, response: httpx.Response) -> bytes:
        cap = self._policy.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise FetchRefused("too_large", f"Content-Length {declared} > {cap}", url=url)
        # Counted as it arrives: a lying or absent Content-Length cannot get past the cap.
        parts: list[bytes] = []
        received = 0
        async for part in response.aiter_raw():
            received += len(part)
            if received > cap:
                raise FetchRefused("too_large", f"body over {cap} bytes", url=url)
            parts.append(part)
        return b"".join(parts)


def _redirect_location(response: httpx.Response) -> str | None:
    if response.status_code not in _REDIRECT_STATUSES:
        return None
    location = response.headers.get("location")
    if not location:
        raise FetchFailed("bad_redirect", "redirect without Location", url=str(response.url))
    return str(location)


def _join(base: httpx.URL, location: str) -> httpx.URL:
    try:
        return base.join(location)
    except httpx.InvalidURL as exc:
        raise FetchFailed("bad_redirect", str(exc), url=str(base)) from None


def _same_resource(object_id: str, final_url: str) -> bool:
    """Same origin (normalized) and byte-identical path and query; the id may not add a fragment."""
    try:
        id_url = httpx.URL(object_id)
        final = httpx.URL(final_url)
        return (
            origin_of(id_url) == origin_of(final)
            and id_url.raw_path == final.raw_path
            and not id_url.fragment
        )
    except (httpx.InvalidURL, InvalidURL):
        return False
