"""The web's signing keys, derived from one secret the node stores in its database.

Every web process of a node must sign and check cookies alike, so the secret is generated once
and kept in `node_secrets`; each process loads it on its first request and keeps it in memory.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from starlette.requests import Request

from coopfed.store.node_secrets import get_or_create_secret
from coopfed.web.state import node_of

SECRET_NAME = "web_signing_key"


@dataclass(frozen=True)
class WebKeys:
    session: bytes  # signs session cookies
    csrf: bytes  # turns a browser's CSRF cookie into its form token

    @classmethod
    def derive(cls, master: bytes) -> WebKeys:
        # Separate keys per use: a value signed for one purpose never verifies for another.
        return cls(session=_subkey(master, b"session v1"), csrf=_subkey(master, b"csrf v1"))


def _subkey(master: bytes, purpose: bytes) -> bytes:
    return hmac.new(master, purpose, hashlib.sha256).digest()


def new_secret() -> str:
    return secrets.token_urlsafe(48)


async def web_keys(request: Request) -> WebKeys:
    cached = getattr(request.app.state, "web_keys", None)
    if isinstance(cached, WebKeys):
        return cached
    # Two first requests racing both load the same stored secret: no lock needed.
    node = node_of(request)
    master = await get_or_create_secret(node.engine, SECRET_NAME, new_secret, node.now())
    keys = WebKeys.derive(master.encode("utf-8"))
    request.app.state.web_keys = keys
    return keys
