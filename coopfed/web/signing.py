"""HMAC-SHA256 signatures for short cookie values (base64url, no padding)."""

from __future__ import annotations

import base64
import hashlib
import hmac


def mac(key: bytes, message: str) -> str:
    digest = hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def macs_match(key: bytes, message: str, claimed: str) -> bool:
    return hmac.compare_digest(mac(key, message), claimed)
