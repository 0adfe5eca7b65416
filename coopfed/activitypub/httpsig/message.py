"""A request as the signature schemes see it: method, URL parts and lower-cased headers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from .errors import SignatureError, SignatureFailure

_DEFAULT_PORTS = {"http": ":80", "https": ":443"}


@dataclass(frozen=True, slots=True)
class RequestView:
    method: str
    url: str
    scheme: str
    authority: str  # lower-case host[:port], default port left out
    path: str  # raw (still percent-encoded) path, "/" when empty
    query: str | None  # raw query without "?", None when the URL has none
    headers: dict[str, str]  # lower-case names; repeated fields joined with ", "

    @property
    def request_target(self) -> str:
        return self.path if self.query is None else f"{self.path}?{self.query}"


def lower_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Lower-case names; a field given twice (e.g. Starlette `Headers.items()`) is combined."""
    lowered: dict[str, str] = {}
    for name, value in headers.items():
        key = name.lower()
        value = value.strip()
        lowered[key] = f"{lowered[key]}, {value}" if key in lowered else value
    return lowered


def authority_of(scheme: str, netloc: str) -> str:
    host = netloc.rpartition("@")[2].lower()
    default_port = _DEFAULT_PORTS.get(scheme)
    if default_port and host.endswith(default_port):
        host = host[: -len(default_port)]
    return host


def request_view(method: str, url: str, headers: Mapping[str, str]) -> RequestView:
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise SignatureError(SignatureFailure.malformed_signature, f"bad URL: {exc}") from exc
    scheme = parts.scheme.lower()
    # urlsplit drops an empty "?"; keep the distinction for @query and (request-target).
    has_query = bool(parts.query) or url.split("#", 1)[0].endswith("?")
    return RequestView(
        method=method,
        url=url,
        scheme=scheme,
        authority=authority_of(scheme, parts.netloc),
        path=parts.path or "/",
        query=parts.query if has_query else None,
        headers=lower_headers(headers),
    )
