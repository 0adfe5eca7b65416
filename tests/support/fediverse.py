"""A small fediverse server for tests: actors with real keys, inboxes that record what arrives.

Runs a Starlette app under uvicorn in a background thread on 127.0.0.x:PORT. Use it as a sender
(sign and POST activities as one of its actors) or as a receiver (it verifies every POST to its
inboxes with coopfed's own `verify_request`, fetching unknown keys over plain HTTP).

    with FediverseServer(host="127.0.0.2", actors=("alice", "bob")) as remote:
        alice = remote.actor("alice")               # .uri .key_id .inbox .private_key
        headers = alice.signed_headers("POST", url, body)   # for any client (ASGI too)
        response = alice.post(url, activity)        # sign + POST with httpx (sync)
        remote.received                             # [ReceivedPost], every inbox POST
        remote.wait_for(lambda posts: len(posts) >= 1)
        remote.inbox_status = 500                   # answer inbox POSTs with 500 from now on
        remote.serve_json("/custom", {...})         # extra documents (odd keys, redirects)

An actor added with `add_actor(name, ed25519=True)` also lists an Ed25519 FEP-521a Multikey
`/users/{name}#ed25519-key` under `assertionMethod` and signs RFC 9421 requests with it when
asked: `signed_headers(..., scheme="rfc9421", key="ed25519")`.

Layout (origin `http://HOST:PORT`): actors `/users/{name}`, key `/users/{name}#main-key`,
inboxes `/users/{name}/inbox`, shared inbox `/inbox` (unless `shared_inbox=False`), WebFinger.
`fetches` records every GET (path, whether it carried a Signature header).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import uvicorn
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from coopfed.activitypub.httpsig import (
    CavageSigner,
    KeyUnavailable,
    PublicKeyRecord,
    Rfc9421Signer,
    SignatureError,
    verify_request,
)
from coopfed.activitypub.httpsig.keys import (
    generate_ed25519_key,
    generate_rsa_key,
    load_public_key_pem,
    public_key_to_multibase,
    public_key_to_pem,
)
from tests.support.processes import free_port

AS_JSON = "application/activity+json"
AS_CONTEXT = ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"]


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class TestActor:
    """One actor of a FediverseServer, able to sign requests with its RSA key (or its Ed25519
    Multikey, when it has one: RFC 9421 only)."""

    __test__ = False  # not a pytest test class

    name: str
    uri: str
    key_id: str
    inbox: str
    shared_inbox: str | None
    private_key: rsa.RSAPrivateKey
    clock: Callable[[], datetime] = _utc_now
    ed25519_key: ed25519.Ed25519PrivateKey | None = None

    @property
    def multikey_id(self) -> str:
        return f"{self.uri}#ed25519-key"

    def multikey(self) -> dict[str, Any]:
        """The FEP-521a Multikey of `ed25519_key`, as listed under `assertionMethod`."""
        assert self.ed25519_key is not None
        return {
            "id": self.multikey_id,
            "type": "Multikey",
            "controller": self.uri,
            "publicKeyMultibase": public_key_to_multibase(self.ed25519_key.public_key()),
        }

    def document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "@context": AS_CONTEXT,
            "id": self.uri,
            "type": "Person",
            "preferredUsername": self.name,
            "name": self.name.capitalize(),
            "inbox": self.inbox,
            "outbox": f"{self.uri}/outbox",
            "followers": f"{self.uri}/followers",
            "following": f"{self.uri}/following",
            "publicKey": {
                "id": self.key_id,
                "owner": self.uri,
                "publicKeyPem": public_key_to_pem(self.private_key.public_key()),
            },
        }
        if self.shared_inbox:
            doc["endpoints"] = {"sharedInbox": self.shared_inbox}
        if self.ed25519_key is not None:
            doc["@context"] = [*AS_CONTEXT, "https://w3id.org/security/multikey/v1"]
            doc["assertionMethod"] = [self.multikey()]
        return doc

    def signer(self, scheme: str = "cavage", key: str = "main") -> httpx.Auth:
        """`key`: "main" (RSA, `key_id`) or "ed25519" (the Multikey; RFC 9421 only)."""
        if key == "ed25519":
            assert self.ed25519_key is not None and scheme == "rfc9421"
            return Rfc9421Signer(self.multikey_id, self.ed25519_key, clock=self.clock)
        if scheme == "rfc9421":
            return Rfc9421Signer(self.key_id, self.private_key, clock=self.clock)
        return CavageSigner(self.key_id, self.private_key, clock=self.clock)

    def signed_headers(
        self, method: str, url: str, body: bytes = b"", *, scheme: str = "cavage", key: str = "main"
    ) -> dict[str, str]:
        """Headers (Host, Date, Digest, Signature…) of a request signed by this actor."""
        request = httpx.Request(
            method,
            url,
            content=body or None,
            headers={"Content-Type": AS_JSON} if body else None,
        )
        signer = self.signer(scheme, key)
        assert isinstance(signer, CavageSigner | Rfc9421Signer)
        signer.sign(request)
        return dict(request.headers.items())

    def post(
        self,
        url: str,
        activity: dict[str, Any],
        *,
        scheme: str = "cavage",
        key: str = "main",
        timeout: float = 10,
    ) -> httpx.Response:
        """Sign and POST `activity` (JSON) to `url`."""
        body = json.dumps(activity).encode()
        headers = self.signed_headers("POST", url, body, scheme=scheme, key=key)
        return httpx.post(url, content=body, headers=headers, timeout=timeout)

    async def apost(
        self,
        client: httpx.AsyncClient,
        url: str,
        activity: dict[str, Any],
        *,
        scheme: str = "cavage",
        key: str = "main",
    ) -> httpx.Response:
        """Like `post`, through the given async client (an ASGI client works too)."""
        body = json.dumps(activity).encode()
        headers = self.signed_headers("POST", url, body, scheme=scheme, key=key)
        return await client.post(url, content=body, headers=headers)


@dataclass(frozen=True)
class ReceivedPost:
    path: str
    headers: dict[str, str]
    body: bytes
    verified: bool  # signature checked with coopfed's verify_request
    key_id: str | None
    signature_error: str | None
    status: int  # what this server answered

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Fetch:
    path: str
    signed: bool


class _HttpKeyResolver:
    """Resolves keys of our own actors locally, others by a plain GET (tests only)."""

    def __init__(self, server: FediverseServer) -> None:
        self._server = server

    async def resolve(self, key_id: str, *, refresh: bool) -> PublicKeyRecord:
        for actor in self._server.actors.values():
            if actor.key_id == key_id:
                return PublicKeyRecord(key_id, actor.uri, actor.private_key.public_key())
            if actor.ed25519_key is not None and actor.multikey_id == key_id:
                return PublicKeyRecord(key_id, actor.uri, actor.ed25519_key.public_key())
        try:
            async with httpx.AsyncClient(timeout=10) as client:
                response = await client.get(key_id, headers={"Accept": AS_JSON})
            document = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise KeyUnavailable(str(exc)) from exc
        key = document.get("publicKey", document) if isinstance(document, dict) else {}
        if not isinstance(key, dict) or key.get("id") != key_id:
            raise KeyUnavailable(f"no key {key_id} in the fetched document")
        owner = str(key.get("owner", ""))
        return PublicKeyRecord(key_id, owner, load_public_key_pem(str(key["publicKeyPem"])))


@dataclass
class FediverseServer:
    """See the module docstring. Start with `with` (or start()/stop())."""

    host: str = "127.0.0.2"
    actors_names: Iterable[str] = ("alice", "bob")
    port: int = 0
    shared_inbox: bool = True
    inbox_status: int = 202
    keys: Iterable[rsa.RSAPrivateKey] = ()  # optional pre-made keys (saves RSA generation)
    actors: dict[str, TestActor] = field(default_factory=dict, init=False)
    received: list[ReceivedPost] = field(default_factory=list, init=False)
    fetches: list[Fetch] = field(default_factory=list, init=False)
    documents: dict[str, tuple[int, dict[str, str], bytes]] = field(
        default_factory=dict, init=False
    )

    def __post_init__(self) -> None:
        self.port = self.port or free_port(self.host)
        self._lock = threading.Lock()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        given_keys = list(self.keys)
        for index, name in enumerate(self.actors_names):
            key = given_keys[index] if index < len(given_keys) else generate_rsa_key()
            self.add_actor(name, key)

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def netloc(self) -> str:
        return f"{self.host}:{self.port}"

    def add_actor(
        self, name: str, key: rsa.RSAPrivateKey | None = None, *, ed25519: bool = False
    ) -> TestActor:
        """`ed25519=True`: the actor also lists an Ed25519 Multikey (see the module docstring)."""
        uri = f"{self.origin}/users/{name}"
        actor = TestActor(
            name=name,
            uri=uri,
            key_id=f"{uri}#main-key",
            inbox=f"{uri}/inbox",
            shared_inbox=f"{self.origin}/inbox" if self.shared_inbox else None,
            private_key=key or generate_rsa_key(),
            ed25519_key=generate_ed25519_key() if ed25519 else None,
        )
        self.actors[name] = actor
        return actor

    def actor(self, name: str) -> TestActor:
        return self.actors[name]

    def serve_json(
        self,
        path: str,
        document: Any,
        *,
        status: int = 200,
        content_type: str = AS_JSON,
        headers: dict[str, str] | None = None,
    ) -> str:
        """Serve `document` at `path` (overrides actor routes); returns the absolute URL."""
        body = b"" if document is None else json.dumps(document).encode()
        self.documents[path] = (status, {"content-type": content_type, **(headers or {})}, body)
        return f"{self.origin}{path}"

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        self.documents[path] = (status, {"location": location}, b"")
        return f"{self.origin}{path}"

    # --- running -----------------------------------------------------------------------------

    def start(self) -> FediverseServer:
        config = uvicorn.Config(
            self._app(),
            host=self.host,
            port=self.port,
            log_level="warning",
            lifespan="off",
            ws="none",
            loop="asyncio",
            http="h11",
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError(f"test fediverse server on {self.origin} did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
        self._server = None
        self._thread = None

    def __enter__(self) -> FediverseServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def wait_for(
        self, condition: Callable[[list[ReceivedPost]], bool], timeout: float = 10
    ) -> list[ReceivedPost]:
        """Poll `received` until `condition` holds; raise AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                snapshot = list(self.received)
            if condition(snapshot):
                return snapshot
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; received {len(snapshot)} posts")
            time.sleep(0.02)

    def activities(self, type_: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            posts = list(self.received)
        bodies = [post.json for post in posts]
        return [body for body in bodies if type_ is None or body.get("type") == type_]

    # --- the app -----------------------------------------------------------------------------

    def _app(self) -> Starlette:
        routes = [
            Route("/{path:path}", self._get, methods=["GET"]),
            Route("/{path:path}", self._post, methods=["POST"]),
        ]
        return Starlette(routes=routes)

    async def _get(self, request: Request) -> Response:
        path = request.url.path
        with self._lock:
            self.fetches.append(Fetch(path, "signature" in request.headers))
        if path in self.documents:
            status, headers, body = self.documents[path]
            return Response(body, status_code=status, headers=headers)
        for actor in self.actors.values():
            if path == f"/users/{actor.name}":
                return JSONResponse(actor.document(), media_type=AS_JSON)
        if path == "/.well-known/webfinger":
            return self._webfinger(request)
        return JSONResponse({"error": "not_found"}, status_code=404)

    def _webfinger(self, request: Request) -> Response:
        resource = request.query_params.get("resource", "")
        name = resource.removeprefix("acct:").partition("@")[0]
        if name not in self.actors:
            return JSONResponse({"error": "not_found"}, status_code=404)
        link = {"rel": "self", "type": AS_JSON, "href": self.actors[name].uri}
        return JSONResponse({"subject": resource, "links": [link]})

    async def _post(self, request: Request) -> Response:
        path = request.url.path
        inboxes = {f"/users/{name}/inbox" for name in self.actors}
        if self.shared_inbox:
            inboxes.add("/inbox")
        if path not in inboxes:
            return JSONResponse({"error": "not_found"}, status_code=404)
        body = await request.body()
        verified, key_id, error = await self._verify(request, body)
        status = self.inbox_status
        with self._lock:
            self.received.append(
                ReceivedPost(path, dict(request.headers), body, verified, key_id, error, status)
            )
        return Response(status_code=status)

    async def _verify(self, request: Request, body: bytes) -> tuple[bool, str | None, str | None]:
        url = f"{self.origin}{request.url.path}"
        if request.url.query:
            url += f"?{request.url.query}"
        try:
            verified = await verify_request(
                request.method,
                url,
                dict(request.headers),
                body,
                _HttpKeyResolver(self),
                _utc_now(),
            )
        except SignatureError as exc:
            return False, None, str(exc)
        except Exception as exc:  # a receiver must record, never crash
            return False, None, f"{type(exc).__name__}: {exc}"
        return True, verified.key_id, None


@contextmanager
def fediverse_servers(
    count: int, *, first_host: int = 2, actors: Iterable[str] = ("alice",), **options: Any
) -> Iterator[list[FediverseServer]]:
    """`count` servers on 127.0.0.<first_host>… (one each), started and stopped together."""
    names = tuple(actors)
    servers = [
        FediverseServer(host=f"127.0.0.{first_host + index}", actors_names=names, **options)
        for index in range(count)
    ]
    try:
        for server in servers:
            server.start()
        yield servers
    finally:
        for server in servers:
            server.stop()
