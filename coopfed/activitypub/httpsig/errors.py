"""Typed failures of HTTP signature handling.

Every problem with an incoming signature is reported as a `SignatureError` carrying a
`SignatureFailure`; the web layer turns it into a 401 with `reason` in the body.
"""

from __future__ import annotations

from enum import StrEnum


class SignatureFailure(StrEnum):
    missing_signature = "missing_signature"
    malformed_signature = "malformed_signature"
    unsupported_algorithm = "unsupported_algorithm"
    unsupported_component = "unsupported_component"
    missing_required_component = "missing_required_component"
    missing_header = "missing_header"
    digest_missing = "digest_missing"
    digest_malformed = "digest_malformed"
    digest_mismatch = "digest_mismatch"
    digest_unsupported = "digest_unsupported"
    date_missing = "date_missing"
    date_invalid = "date_invalid"
    clock_skew_future = "clock_skew_future"
    expired = "expired"
    key_unavailable = "key_unavailable"
    bad_signature = "bad_signature"


# `detail` may quote attacker-controlled header text and ends up in a 401 body: keep it short.
_MAX_DETAIL = 200


class SignatureError(Exception):
    """A request's signature (or digest) cannot be accepted."""

    def __init__(self, reason: SignatureFailure, detail: str) -> None:
        if len(detail) > _MAX_DETAIL:
            detail = detail[: _MAX_DETAIL - 1] + "…"
        super().__init__(f"{reason.value}: {detail}")
        self.reason = reason
        self.detail = detail


class KeyUnavailable(Exception):
    """Raised by a `KeyResolver` when it cannot produce the key for a key id."""


class KeyFormatError(ValueError):
    """A key (PEM, Multikey) could not be decoded into a supported key type."""
