"""Signing outgoing requests, as `httpx.Auth` flows (work with sync and async clients)."""

from __future__ import annotations

from collections.abc import Callable, Generator
from datetime import UTC, datetime
from email.utils import format_datetime

import httpx
from cryptography.hazmat.primitives.asymmetric import rsa

from . import cavage, crypto, rfc9421
from .digest import content_digest_header, digest_header
from .keys import PrivateKey
from .message import RequestView, authority_of, lower_headers

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def http_date(moment: datetime) -> str:
    """RFC 7231 IMF-fixdate, e.g. `Tue, 20 Apr 2021 02:07:55 GMT`."""
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def _has_body(request: httpx.Request) -> bool:
    return bool(request.content) or request.method.upper() == "POST"


def _view(request: httpx.Request) -> RequestView:
    url = request.url
    query = url.query.decode("ascii")
    return RequestView(
        method=request.method,
        url=str(url),
        scheme=url.scheme,
        authority=authority_of(url.scheme, url.netloc.decode("ascii")),
        path=url.raw_path.decode("ascii").partition("?")[0] or "/",
        query=query or None,
        headers=lower_headers(request.headers),
    )


def _set_host(request: httpx.Request) -> None:
    # httpx already sets Host (with a non-default port); make sure of it before signing.
    if "host" not in request.headers:
        request.headers["Host"] = authority_of(request.url.scheme, request.url.netloc.decode())


class CavageSigner(httpx.Auth):
    """draft-cavage-12 `rsa-sha256` over `(request-target) host date [digest]`."""

    requires_request_body = True

    def __init__(self, key_id: str, private_key: rsa.RSAPrivateKey, clock: Clock = _utc_now):
        self.key_id = key_id
        self.private_key = private_key
        self.clock = clock

    def sign(self, request: httpx.Request) -> None:
        _set_host(request)
        request.headers["Date"] = http_date(self.clock())
        covered: tuple[str, ...] = ("(request-target)", "host", "date")
        if _has_body(request):
            request.headers["Digest"] = digest_header(request.content)
            covered += ("digest",)
        request.headers["Signature"] = cavage.signature_header(
            self.key_id, self.private_key, _view(request), covered
        )

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self.sign(request)
        yield request


class Rfc9421Signer(httpx.Auth):
    """RFC 9421 over `("@method" "@target-uri" ["content-digest"])` with created/keyid/alg."""

    requires_request_body = True

    def __init__(
        self,
        key_id: str,
        private_key: PrivateKey,
        algorithm: str | None = None,
        label: str = "sig1",
        clock: Clock = _utc_now,
    ):
        self.key_id = key_id
        self.private_key = private_key
        self.algorithm = algorithm or crypto.default_algorithm(private_key)
        if self.algorithm not in crypto.SUPPORTED_ALGORITHMS:
            raise ValueError(f"unsupported algorithm {self.algorithm}")
        self.label = label
        self.clock = clock

    def sign(self, request: httpx.Request) -> None:
        _set_host(request)
        components: tuple[str, ...] = ("@method", "@target-uri")
        if _has_body(request):
            request.headers["Content-Digest"] = content_digest_header(request.content)
            components += ("content-digest",)
        params: dict[str, int | str | bytes | bool] = {
            "created": int(self.clock().timestamp()),
            "keyid": self.key_id,
            "alg": self.algorithm,
        }
        signature_input, signature = rfc9421.create_signature(
            _view(request), components, params, self.private_key, self.algorithm, self.label
        )
        request.headers["Signature-Input"] = signature_input
        request.headers["Signature"] = signature

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self.sign(request)
        yield request
