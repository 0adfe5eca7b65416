"""Typed failures of an outbound fetch: refused by policy, or failed on the way."""

from __future__ import annotations

__all__ = ["FetchError", "FetchFailed", "FetchRefused"]


class FetchError(Exception):
    """Base of every fetch error. `reason` is a short machine code, `detail` for humans."""

    def __init__(self, reason: str, detail: str = "", *, url: str | None = None) -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
        self.url = url


class FetchRefused(FetchError):
    """We would not (or did not) accept this: scheme, address, redirect, own_origin,
    invalid_url, content_type, content_encoding, too_large, bad_json, id_mismatch,
    too_many_redirects."""


class FetchFailed(FetchError):
    """The peer or the network let us down: dns, connect, timeout, network, protocol,
    http_status (with `status`), bad_redirect."""

    def __init__(
        self,
        reason: str,
        detail: str = "",
        *,
        url: str | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(reason, detail, url=url)
        self.status = status
