"""SafeFetcher against real servers on 127.0.0.1, with a stub resolver and a recording backend.

Refused addresses are never connected to: the recording backend fails the test if asked to
connect anywhere but 127.0.0.1 (or a fake public address it maps onto 127.0.0.1).
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Generator
from typing import Any

import httpx
import pytest

from coopfed.activitypub.safefetch import (
    FetchFailed,
    FetchPolicy,
    FetchRefused,
    SafeFetcher,
    SystemResolver,
    is_activitystreams_type,
)
from coopfed.activitypub.safefetch.backend import PrivateAllowList

from .test_safefetch_helpers import (
    AS_TYPE,
    FAKE_PUBLIC_IP,
    RawServer,
    RecordingBackend,
    StubResolver,
    redirect,
    serve_bytes,
    serve_doc,
)


class SigningAuth(httpx.Auth):
    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Signature"] = f"test {request.url.path}"
        yield request


@pytest.fixture
async def server() -> AsyncIterator[RawServer]:
    raw = RawServer()
    await raw.start()
    yield raw
    await raw.stop()


@pytest.fixture
def backend() -> RecordingBackend:
    return RecordingBackend()


@pytest.fixture
def resolver() -> StubResolver:
    return StubResolver(
        {
            "peer.test": [["127.0.0.1"]],
            "public.test": [[FAKE_PUBLIC_IP]],
            "evil.example": [["10.0.0.1"]],
            "metadata.example": [["169.254.169.254"]],
        }
    )


def make_fetcher(
    server: RawServer,
    resolver: StubResolver,
    backend: RecordingBackend,
    **policy: Any,
) -> SafeFetcher:
    settings: dict[str, Any] = {
        "allow_private": frozenset({f"peer.test:{server.port}"}),
        "allow_http": True,
    }
    settings.update(policy)
    return SafeFetcher(FetchPolicy(**settings), resolver, network_backend=backend)


# --- the allowed path ---------------------------------------------------------------------------


async def test_fetches_object_from_allowed_local_peer(
    server: RawServer, resolver: StubResolver, backend: RecordingBackend
) -> None:
    doc = {"id": server.url("/note"), "type": "Note", "content": "hi"}
    server.routes["/note"] = serve_doc(doc)
    async with make_fetcher(server, resolver, backend) as fetcher:
        assert await fetcher.fetch_object(server.url("/note")) == doc
    assert backend.connects == [("127.0.0.1", server.port)]
    _, headers = server.requests[0]
    assert headers["host"] == f"peer.test:{server.port}"
    assert headers["accept"].startswith("application/activity+json")
    assert 'profile="https://www.w3.org/ns/activitystreams"' in headers["accept"]
    assert headers["accept-encoding"] == "identity"


async def test_ld_json_with_activitystreams_profile_is_accepted(
    server: RawServer, resolver: StubResolver, backend: RecordingBackend
) -> None:
    doc = {"id": server.url("/n"), "type": "Note"}
    ld_type = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
    server.routes["/n"] = serve_doc(doc, ld_type)
    async with make_fetcher(server, resolver, backend) as fetcher:
        assert await fetcher.fetch_object(server.url("/n")) == doc


async def test_connection_is_reused_across_fetches(
    server: RawServer, resolver: StubResolver, backend: RecordingBackend
) -> None:
    for path in ("/a", "/b"):
        server.routes[path] = serve_doc({"id": server.url(path)})
    async with make_fetcher(server, resolver, backend) as fetcher:
        await fetcher.fetch_object(server.url("/a"))
        await fetcher.fetch_object(server.url("/b"))
    assert len(backend.connects) == 1


async def test_fragment_is_not_sent_and_id_is_the_document(
    server: RawServer, resolver: StubResolver, backend: RecordingBackend
) -> None:
    server.routes["/actor"] = serve_doc({"id": server.url("/actor"), "type": "Person"})
    async with make_fetcher(server, resolver, backend) as fetcher:
        actor = await fetcher.fetch_object(server.url("/actor#main-key"))
    assert actor["type"] == "Person"
    assert server.requests[0][0] == "/actor"


async def test_auth_signs_every_request_including_redirect_hops(
    server: RawServer, resolver: StubResolver, backend: RecordingBackend
) -> None:
    server.routes["/old"] = redirect("/new")
    server.routes["/new"] = serve_doc({"id": server.url("/new")})
    policy = FetchPolicy(allow_private=frozenset({"peer.test"}), allow_http=True)
    async with SafeFetcher(policy, resolver, SigningAuth(), network_backend=backend) as fetcher:
        await fetcher.fetch_object(server.url("/old"))
    assert [h.get("signature") for _, h in server.requests] == ["test /old", "test /new"]


async def test_host_only_allow_entry_allows_any_port(
    server: RawServer, resolver: StubResolver, backend: RecordingBackend
) -> None:
    server.routes["/n"] = serve_doc({"id": server.url("/n")})
    allow = frozenset({"PEER.test."})  # normalized like any host
    async with make_fetcher(server, resolver, backend, allow_private=allow) as fetcher:
        assert (await fetcher.fetch_object(server.url("/n")))["id"] == server.url("/n")


# --- refused addresses, never connected to ------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.1",
        "169.254.169.254",
        "::ffff:127.0.0.1",
        "0.0.0.0",
        "127.0.0.1",
        "::1",
        "::",
        "fd00::1",
        "fe80::1",
        "100.64.0.1",
        "192.168.1.1",
        "172.16.0.1",
        "64:ff9b::a9fe:a9fe",
        "::127.0.0.1",
    ],
)
async def test_non_public_address_is_refused_before_connecting(
    server: RawServer, backend: RecordingBackend, address: str
) -> None:
    resolver = StubResolver({"evil.example": [[address]]})
    async with make_fetcher(server, resolver, backend) as fetcher:
        with pytest.raises(FetchRefused) as refused:
            await fetcher.fetch_object(f"https://evil.example:{server.port}/x")
    assert refused.value.reason == "address"
    assert backend.connects == []
    assert server.requests == []


async def test_mixed_public_and_private_answer_is_refused(
    server: RawServer, backend: RecordingBackend
) -> None:
    resolver = StubResolver({"mixed.example": [[FAKE_PUBLIC_IP, "10.0.0.1"]]})
    async with make_fetcher(server, resolver, backend) as fetcher:
        with pytest.raises(FetchRefused, match="address"):
            await fetcher.fetch_object(f"http://mixed.example:{server.port}/x")
    assert backend.connects == []


async def test_ip_literal_url_is_vetted_without_resolving(
    server: RawServer, resolver: StubResolver, backend: RecordingBackend
) -> None:
    async with make_fetcher(server, resolver, backend) as fetcher:
        for url in (server.url("/x", "127.0.0.1"), f"http://[::ffff:7f00:1]:{server.port}/x"):
            with pytest.raises(FetchRefused, match="address"):
                await fetcher.fetch_object(url)
    assert resolver.calls == []
    assert backend.connects == []


@pytest.mark.parametrize("host", ["2130706433", "0177.0.0.1", "0x7f000001", "127.1"])
async def test_odd_numeric_spellings_of_loopback_are_refused_after_resolving(
    server: RawServer, backend: RecordingBackend, host: str
) -> None:
    # The system resolver parses these locally (no DNS query); the vetting sees 127.0.0.1.
    policy = FetchPolicy(allow_http=True)
    async with SafeFetcher(policy, SystemResolver(), network_backend=backend) as fetcher:
        with pytest.raises(FetchRefused, match="address"):
            await fetcher.fetch_object(f"http://{host}:{server.port}/x")
    assert backend.connects == []


async def test_default_fetcher_refuses_loopback_literal(server: RawServer) -> None:
    async with SafeFetcher(FetchPolicy(allow_http=True)) as fetcher:
        with pytest.raises(FetchRefused, match="address"):
            await fetcher.fetch_object(server.url("/x", "127.0.0.1"))
    assert server.requests == []


async def test_allow_entry_for_another_port_does_not_allow_this_one(
    server: RawServer, resolver: StubResolver, backend: RecordingBackend
) -> None:
    other_port = frozenset({f"peer.test:{server.port + 1}"})
    async with make_fetcher(server, resolver, backend, allow_private=other_port) as fetcher:
        with pytest.raises(FetchRefused, match="address"):
            await fetcher.fetch_object(server.url("/x"))
    assert backend.connects == []


async def test_rebinding_to_private_address_is_caught_on_the_next_connect(
    server: RawServer, backend: RecordingBackend
) -> None:
    # First answer public, later answers loopback: each new connection is vetted again.
    resolver = StubResolver({"rebind.test": [[FAKE_PUBLIC_IP], ["127.0.0.1"]]})
    url = server.url("/n", "rebind.test")
    server.routes["/n"] = serve_doc({"id": url}, extra={"Connection": "close"})
    async with make_fetcher(server, resolver, backend) as fetcher:
        assert (await fetcher.fetch_object(url))["id"] == url
        with pytest.raises(FetchRefused, match="address"):
            await fetcher.fetch_object(url)
    assert backend.connects == [(FAKE_PUBLIC_IP, server.port)]
    assert resolver.calls == ["rebind.test", "rebind.test"]


async def test_unresolvable_name_fails_with_dns(
    server: RawServer, resolver: StubResolver, backend: RecordingBackend
) -> None:
    async with make_fetcher(server, resolver, backend) as fetcher:
        with pytest.raises(FetchFailed) as failed:
            await fetcher.fetch_object("https://nowhere.test/x")
    assert failed.value.reason == "dns"


async def test_closed_port_fails_with_connect(
    server: RawServer, resolver: StubResolver, backend: RecordingBackend
) -> None:
    spare = socket.socket()
    spare.bind(("127.0.0.1", 0))
    closed_port = spare.getsockname()[1]
    spare.close()
    allow = frozenset({"peer.test"})
    async with make_fetcher(server, resolver, backend, allow_private=allow) as fetcher:
        with pytest.raises(FetchFailed) as failed:
            await fetcher.fetch_object(f"http://peer.test:{closed_port}/x")
    assert failed.value.reason == "connect"


# --- schemes, own origin, URL shape: refused without any request --------------------------------


@pytest.mark.parametrize(
    "url",
    ["ftp://peer.test/x", "file:///etc/passwd", "gopher://peer.test/", "data:,{}", "//peer.test/x"],
)
async def test_non_http_schemes_are_refused(
    server: RawServer, resolver: StubResolver, backend: RecordingBackend, url: str
) -> None:
    async with make_fetcher(server, resolver, backend) as fetcher:
        with pytest.raises(FetchRefused) as refused:
            await fetcher.fetch_object(url)
    assert refused.value.reason in ("scheme", "invalid_url")
    assert resolver.calls == []
    assert backend.connects == []


async def test_http_is_refused_unless_allowed(
    server: RawServer, resolver: StubResolver, backend: RecordingBackend
) -> None:
    async with make_fetcher(server, resolver, backend, allow_http=False) as fetcher:
        with pytest.raises(FetchRefused) as refused:
            await fetcher.fetch_object(server.url("/x"))
    assert refused.value.reason == "scheme"
    assert backend.connects == []


async def test_own_origin_is_refused_without_a_request(
    server: RawServer, resolver: StubResolver, backend: RecordingBackend
) -> None:
    ours = frozenset({f"http://peer.test:{server.port}"})
    async with make_fetcher(server, resolver, backend, our_origins=ours) as fetcher:
        with pytest.raises(FetchRefused) as refused:
            await fetcher.fetch_object(f"HTTP://PEER.Test.:{server.port}/users/x")
    assert refused.value.reason == "own_origin"
    assert resolver.calls == []
    assert backend.connects == []
    assert server.requests == []


async def test_credentials_in_url_are_refused(
    server: RawServer, resolver: StubResolver, backend: RecordingBackend
) -> None:
    async with make_fetcher(server, resolver, backend) as fetcher:
        with pytest.raises(FetchRefused, match="invalid_url"):
            await fetcher.fetch_object(f"http://user:pw@peer.test:{server.port}/x")
    assert backend.connects == []


# --- redirects ----------------------------------------------------------------------------------


def redirect_chain(server: RawServer, hops: int) -> str:
    for index in range(hops):
        server.routes[f"/r{index}"] = redirect(server.url(f"/r{index + 1}"), 301 + index % 2)
    final = f"/r{hops}"
    server.routes[final] = serve_doc({"id": server.url(final)})
    return server.url("/r0")


async def test_three_redirects_are_followed(
    server: RawServer, resolver: StubResolver, backend: RecordingBackend
) -> None:
    start = redirect_chain(server, 3)
    async with make_fetcher(server, resolver, backend) as fetcher:
        assert (await fetcher.fetch_object(start))["id"] == server.url("/r3")


async def test_fourth_redirect_is_refused_and_not_followed(
    server: RawServer, resolver: StubResolver, backend: RecordingBackend
) -> None:
    start = redirect_chain(server, 4)
    async with make_fetcher(server, resolver, backend) as fetcher:
        with pytest.raises(FetchRefused) as refused:
            await fetcher.fetch_object(start)
    assert refused.value.reason == "too_many_redirects"
    assert [path for path, _ in server.requests] == ["/r0", "/r1", "/r2", "/r3"]


@pytest.mark.parametrize("target_host", ["evil.example", "metadata.example", "127.0.0.1"])
async def test_redirect_into_refused_address_is_refused(
    server: RawServer, resolver: StubResolver, backend: RecordingBackend, target_host: str
) -> None:
    server.routes["/start"] = redirect(server.url("/steal", target_host))
    async with make_fetcher(server, resolver, backend) as fetcher:
        with pytest.raises(FetchRefused) as refused:
            await fetcher.fetch_object(server.url("/start"))
    assert refused.value.reason == "address"
    assert backend.connects == [("127.0.0.1", server.port)]
    assert [path for path, _ in server.requests] == ["/start"]


@pytest.mark.parametrize(
    ("location", "reason"),
    [("ftp://peer.test/x", "scheme"), ("file:///etc/passwd", "scheme"), ("/ours", "own_origin")],
)
async def test_redirect_to_bad_scheme_or_own_origin_is_refused(
    server: RawServer, backend: RecordingBackend, location: str, reason: str
) -> None:
    resolver = StubResolver({"peer.test": [["127.0.0.1"]], "ours.test": [["127.0.0.1"]]})
    ours = frozenset({f"http://ours.test:{server.port}"})
    allow = frozenset({"peer.test", "ours.test"})
    server.routes["/start"] = redirect(location)
    start = server.url("/start", "ours.test" if location == "/ours" else "peer.test")
    if location == "/ours":  # a third party bouncing us back to ourselves
        server.routes["/start"] = redirect(server.url("/ours", "ours.test"))
        start = server.url("/start")
    async with make_fetcher(server, resolver, backend, our_origins=ours, allow_private=allow) as f:
        with pytest.raises(FetchRefused) as refused:
            await f.fetch_object(start)
    assert refused.value.reason == reason
    assert [path for path, _ in server.requests] == ["/start"]


async def test_redirect_without_location_fails(
    server: RawServer, resolver: StubResolver, backend: RecordingBackend
) -> None:
    server.routes["/r"] = serve_bytes(b"", "text/plain", 302)
    async with make_fetcher(server, resolver, backend) as fetcher:
        with pytest.raises(FetchFailed, match="bad_redirect"):
            await fetcher.fetch_object(server.url("/r"))


# --- id, content type, status -------------------------------------------------------------------


async def test_id_must_equal_final_url_after_redirect(
    server: RawServer, resolver: StubResolver, backend: RecordingBackend
) -> None:
    server.routes["/a"] = redirect("/b")
    server.routes["/b"] = serve_doc({"id": server.url("/a"), "type": "Note"})
    async with make_fetcher(server, resolver, backend) as fetcher:
        with pytest.raises(FetchRefused) as refused:
            await fetcher.fetch_object(server.url("/a"))
    assert refused.value.reason == "id_mismatch"


@pytest.mark.parametrize(
    "claimed_id",
    [
        None,
        42,
        "http://other.test/n",
        "https://peer.test/n",
        "http://peer.test:{port}/n?x=1",
        "http://peer.test:{port}/n#frag",
        "http://peer.test:{port}/N",
    ],
)
async def test_id_mismatch_is_refused(
    server: RawServer, resolver: StubResolver, backend: RecordingBackend, claimed_id: Any
) -> None:
    doc: dict[str, Any] = {"type": "Note"}
    if claimed_id is not None:
        doc["id"] = claimed_id.format(port=server.port) if isinstance(claimed_id, str) else 42
    server.routes["/n"] = serve_doc(doc)
    async with make_fetcher(server, resolver, backend) as fetcher:
        with pytest.raises(FetchRefused, match="id_mismatch"):
            await fetcher.fetch_object(server.url("/n"))


async def test_id_comparison_normalizes_host_case_and_default_port(
    server: RawServer, resolver: StubResolver
) -> None:
    # The fetcher asks for port 80 (the http default); the backend maps it to our server.
    backend = RecordingBackend(port_map={80: server.port})
    server.routes["/n"] = serve_doc({"id": "HTTP://Peer.Test/n"})
    policy = FetchPolicy(allow_private=frozenset({"peer.test:80"}), allow_http=True)
    async with SafeFetcher(policy, resolver, network_backend=backend) as fetcher:
        assert (await fetcher.fetch_object("http://peer.test:80/n"))["id"] == "HTTP://Peer.Test/n"
    assert backend.connects == [("127.0.0.1", 80)]


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "text/html; charset=utf-8",
        "application/ld+json",
        'application/ld+json; profile="https://example.com/other"',
        "",
    ],
)
async def test_non_activitystreams_content_type_is_refused(
    server: RawServer, resolver: StubResolver, backend: RecordingBackend, content_type: str
) -> None:
    server.routes["/n"] = serve_doc({"id": server.url("/n")}, content_type)
    async with make_fetcher(server, resolver, backend) as fetcher:
        with pytest.raises(FetchRefused) as refused:
            await fetcher.fetch_object(server.url("/n"))
    assert refused.value.reason == "content_type"


@pytest.mark.parametrize("status", [404, 410, 500])
async def test_error_status_fails_with_status(
    server: RawServer, resolver: StubResolver, backend: RecordingBackend, status: int
) -> None:
    server.routes["/n"] = serve_bytes(b"{}", AS_TYPE, status)
    async with make_fetcher(server, resolver, backend) as fetcher:
        with pytest.raises(FetchFailed) as failed:
            await fetcher.fetch_object(server.url("/n"))
    assert (failed.value.reason, failed.value.status) == ("http_status", status)


async def test_bad_json_body_is_refused(
    server: RawServer, resolver: StubResolver, backend: RecordingBackend
) -> None:
    server.routes["/n"] = serve_bytes(b'{"id": 1, "id": 2}')
    async with make_fetcher(server, resolver, backend) as fetcher:
        with pytest.raises(FetchRefused, match="bad_json: duplicate_key"):
            await fetcher.fetch_object(server.url("/n"))


async def test_compressed_body_is_refused(
    server: RawServer, resolver: StubResolver, backend: RecordingBackend
) -> None:
    server.routes["/n"] = serve_bytes(b"\x1f\x8b...", AS_TYPE, 200, {"Content-Encoding": "gzip"})
    async with make_fetcher(server, resolver, backend) as fetcher:
        with pytest.raises(FetchRefused, match="content_encoding"):
            await fetcher.fetch_object(server.url("/n"))


def test_activitystreams_content_type_predicate() -> None:
    assert is_activitystreams_type("application/activity+json")
    assert is_activitystreams_type("Application/Activity+JSON; charset=utf-8")
    assert is_activitystreams_type(
        'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
    )
    assert is_activitystreams_type(
        'application/ld+json;profile="https://example.com/x https://www.w3.org/ns/activitystreams"'
    )
    assert not is_activitystreams_type("application/json")
    assert not is_activitystreams_type("application/ld+json; profile=https://example.com")


def test_private_allow_list_normalizes_entries() -> None:
    allow = PrivateAllowList(["Peer.Test.:8080", "[::1]:9000", "bücher.test", "10.0.0.5"])
    assert allow.allows("peer.test", 8080)
    assert not allow.allows("peer.test", 8081)
    assert allow.allows("::1", 9000)
    assert allow.allows("xn--bcher-kva.test", 1234)
    assert allow.allows("10.0.0.5", 80)
    assert not allow.allows("10.0.0.6", 80)
