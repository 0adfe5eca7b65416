"""The bare ceiling for the inbox benchmark: what one process can do at best.

A minimal Starlette app that verifies one draft-cavage signature with a key it already knows
and does one dedupe INSERT into SQLite (WAL, synchronous=FULL) through the raw driver, then
answers 202. coopfed's inbox does the same essential work plus its real rules (bounded JSON,
origin checks, key lookup, dedupe by body hash), so the ratio shows what those cost.

Run by bench_inbox.py as: python bench/inbox_ceiling_app.py PORT DB_PATH PUBLIC_KEY_PEM_FILE
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coopfed.activitypub.httpsig import PublicKeyRecord, SignatureError, verify_request
from coopfed.activitypub.httpsig.keys import load_public_key_pem


class KnownKey:
    def __init__(self, record: PublicKeyRecord) -> None:
        self.record = record

    async def resolve(self, key_id: str, *, refresh: bool) -> PublicKeyRecord:
        return self.record


def build(port: int, db_path: str, pem: str, key_id: str, owner: str) -> Starlette:
    db = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE IF NOT EXISTS items (activity_id TEXT PRIMARY KEY, body TEXT)")
    keys = KnownKey(PublicKeyRecord(key_id, owner, load_public_key_pem(pem)))
    lock = asyncio.Lock()

    async def inbox(request: Request) -> Response:
        body = await request.body()
        try:
            await verify_request(
                "POST", str(request.url), request.headers, body, keys, datetime.now(UTC)
            )
        except SignatureError:
            return Response(status_code=401)
        activity_id = json.loads(body)["id"]
        async with lock:
            db.execute("INSERT OR IGNORE INTO items VALUES (?, ?)", (activity_id, body.decode()))
        return Response(status_code=202)

    return Starlette(routes=[Route("/inbox", inbox, methods=["POST"])])


def main() -> None:
    port, db_path, pem_file, key_id, owner = sys.argv[1:6]
    app = build(int(port), db_path, Path(pem_file).read_text(), key_id, owner)
    uvicorn.run(app, host="127.0.0.1", port=int(port), log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
