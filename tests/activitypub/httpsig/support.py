"""Shared helpers for the httpsig tests: a fake key resolver and request builders."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from coopfed.activitypub.httpsig import (
    CavageSigner,
    KeyUnavailable,
    PrivateKey,
    PublicKeyRecord,
    Rfc9421Signer,
    cavage,
    digest_header,
    http_date,
)
from coopfed.activitypub.httpsig.message import request_view

NOW = datetime(2025, 5, 1, 12, 0, 0, tzinfo=UTC)
KEY_ID = "https://remote.example/users/alice#main-key"
OWNER = "https://remote.example/users/alice"
INBOX = "https://coop.example/inbox"
BODY = b'{"type":"Create","actor":"https://remote.example/users/alice"}'


@dataclass
class FakeResolver:
    """Serves `key`; serves `stale` instead until asked to refresh. Records every call."""

    key: PrivateKey | None
    stale: PrivateKey | None = None
    owner: str = OWNER
    calls: list[tuple[str, bool]] = field(default_factory=list)

    async def resolve(self, key_id: str, *, refresh: bool) -> PublicKeyRecord:
        self.calls.append((key_id, refresh))
        chosen = self.key if refresh or self.stale is None else self.stale
        if chosen is None:
            raise KeyUnavailable("gone")
        return PublicKeyRecord(key_id, self.owner, chosen.public_key())


def signed_httpx_request(
    signer: CavageSigner | Rfc9421Signer,
    method: str = "POST",
    url: str = INBOX,
    body: bytes = BODY,
) -> httpx.Request:
    request = httpx.Request(method, url, content=body or None)
    signer.sign(request)
    return request


def cavage_headers(
    key: PrivateKey,
    covered: tuple[str, ...],
    *,
    method: str = "POST",
    url: str = INBOX,
    body: bytes = BODY,
    date: datetime = NOW,
    extra: dict[str, str] | None = None,
    key_id: str = KEY_ID,
    created: int | None = None,
    expires: int | None = None,
) -> dict[str, str]:
    """Headers of a request signed over exactly `covered` (lets tests build weak signatures)."""
    headers = {"Host": request_view(method, url, {}).authority, "Date": http_date(date)}
    if body:
        headers["Digest"] = digest_header(body)
    headers.update(extra or {})
    view = request_view(method, url, headers)
    headers["Signature"] = cavage.signature_header(key_id, key, view, covered, created, expires)
    return headers
