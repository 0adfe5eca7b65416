"""Migration 0040 (issue 16): discussion comments move into proposal_comments without losing a
row or a field, proposal comments keep their edit history and reports (SQLite rebuilds the
table, which would cascade them away), and downgrade puts discussion comments back."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from coopfed.store import migrate
from coopfed.store.db import create_engine
from coopfed.store.types import UTCDateTime
from tests.support.databases import PostgresDatabases, sqlite_url

T = datetime(2026, 12, 1, 10, tzinfo=UTC)
_COMMENT = {
    "public_id": None, "uri": "https://social.example/notes/1", "dedupe_key": "d" * 64,
    "author_uri": "https://social.example/users/ann", "member_row_id": None,
    "source": "fediverse", "in_reply_to": "https://coop.example/discussions/abc",
    "content_html": "<p>Bonjour</p>", "content_text": "Bonjour", "state": "from_followers",
    "published_at": T, "created_at": T,
}  # fmt: skip
_SITE = {
    **_COMMENT, "public_id": "c1", "uri": "https://coop.example/discussion-comments/c1",
    "dedupe_key": "e" * 64, "author_uri": "https://coop.example/users/bea", "source": "site",
    "content_text": "Second", "state": "hidden",
}  # fmt: skip


@pytest.fixture
async def database_0038(backend: str, tmp_path: Path, postgres_databases: PostgresDatabases) -> str:
    if backend == "postgres":
        url = await postgres_databases.fresh(migrated=False)
    else:
        url = sqlite_url(tmp_path)
    await asyncio.to_thread(migrate.upgrade, url, "0039")
    return url


async def _run(url: str, *statements: tuple[str, dict[str, Any]]) -> None:
    engine = create_engine(url, pool_size=0)
    try:
        async with engine.begin() as conn:
            for sql, values in statements:
                stamps = [
                    sa.bindparam(k, type_=UTCDateTime())
                    for k, v in values.items()
                    if isinstance(v, datetime)
                ]
                await conn.execute(sa.text(sql).bindparams(*stamps), values)
    finally:
        await engine.dispose()


async def _rows(url: str, sql: str) -> list[dict[str, Any]]:
    engine = create_engine(url, pool_size=0)
    try:
        async with engine.connect() as conn:
            return [dict(row) for row in (await conn.execute(sa.text(sql))).mappings()]
    finally:
        await engine.dispose()


def _insert(table: str, values: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    names = ", ".join(values)
    return f"INSERT INTO {table} ({names}) VALUES ({', '.join(':' + n for n in values)})", values


async def _seed(url: str) -> None:
    """Rows at 0039 (the comment tables of 0033), written as that code wrote them: a
    discussion with two comments, a proposal with one comment that has an earlier text and a
    report."""
    coop = {
        "id": 1, "username": "coop", "kind": "coop", "display_name": "", "summary": "",
        "rsa_private_pem": "k", "rsa_public_pem": "k", "ed25519_private_pem": "k",
        "ed25519_public_multibase": "z", "created_at": T,
    }  # fmt: skip
    charter = {"id": 1, "coop_id": 1, "version": 1, "body": "{}", "hash": "h", "created_at": T}
    proposal = {
        "id": 1, "coop_id": 1, "slug": "p1", "uri": "https://coop.example/proposals/p1",
        "title": "P", "body": "", "method": "yes_no@1", "options": "[]", "spec": "{}",
        "params": "{}", "state": "open", "visibility": "public", "charter_id": 1,
        "charter": "{}", "created_at": T, "updated_at": T,
    }  # fmt: skip
    discussion = {
        "id": 1, "coop_id": 1, "public_id": "abc", "uri": "https://coop.example/discussions/abc",
        "title": "D", "body": "b", "visibility": "members", "author_uri": "x", "created_at": T,
    }  # fmt: skip
    proposal_comment = {
        **_COMMENT, "id": 7, "proposal_id": 1, "dedupe_key": "f" * 64,
        "in_reply_to": proposal["uri"], "state": "shown", "edited_at": T,
    }  # fmt: skip
    edit = {"id": 3, "comment_id": 7, "content_html": "<p>Old</p>", "content_text": "Old",
            "written_at": T, "replaced_at": T}  # fmt: skip
    report = {
        "id": 5, "comment_id": 7, "dedupe_key": "r" * 64, "reporter_uri": "https://a.example/x",
        "reporter_host": "a.example", "source": "fediverse", "flag_uri": None,
        "reason": "spam", "state": "open", "created_at": T,
    }  # fmt: skip
    await _run(
        url,
        _insert("local_actors", coop),
        _insert("charters", charter),
        _insert("proposals", proposal),
        _insert("discussions", discussion),
        _insert("discussion_comments", {**_COMMENT, "discussion_id": 1}),
        _insert("discussion_comments", {**_SITE, "discussion_id": 1}),
        _insert("proposal_comments", proposal_comment),
        _insert("comment_edits", edit),
        _insert("comment_reports", report),
    )


_FIELDS = ("public_id", "uri", "dedupe_key", "author_uri", "source", "content_text", "state")


async def test_discussion_comments_move_and_come_back(database_0038: str) -> None:
    url = database_0038
    await _seed(url)
    await asyncio.to_thread(migrate.upgrade, url, "0040")

    (proposals,) = await _rows(url, "SELECT * FROM proposal_comments WHERE proposal_id = 1")
    moved = await _rows(
        url, "SELECT * FROM proposal_comments WHERE discussion_id IS NOT NULL ORDER BY id"
    )
    assert [(r["proposal_id"], r["discussion_id"]) for r in moved] == [(None, 1), (None, 1)]
    assert [tuple(r[f] for f in _FIELDS) for r in moved] == [
        tuple(c[f] for f in _FIELDS) for c in (_COMMENT, _SITE)
    ]
    assert (
        proposals["id"] == 7 and proposals["discussion_id"] is None
    )  # the proposal comment keeps its id, so its history and report
    assert [r["content_text"] for r in await _rows(url, "SELECT * FROM comment_edits")] == ["Old"]
    assert [r["comment_id"] for r in await _rows(url, "SELECT * FROM comment_reports")] == [7]
    with pytest.raises(sa.exc.IntegrityError):  # a comment of no thread, or of two
        await _run(url, _insert("proposal_comments", {**_COMMENT, "dedupe_key": "g" * 64}))

    await asyncio.to_thread(migrate.downgrade, url, "0039")
    back = await _rows(url, "SELECT * FROM discussion_comments ORDER BY id")
    assert [tuple(r[f] for f in _FIELDS) for r in back] == [
        tuple(c[f] for f in _FIELDS) for c in (_COMMENT, _SITE)
    ]
    kept = await _rows(url, "SELECT id, proposal_id FROM proposal_comments")
    assert kept == [{"id": 7, "proposal_id": 1}]
    assert len(await _rows(url, "SELECT * FROM comment_reports")) == 1
    assert len(await _rows(url, "SELECT * FROM comment_edits")) == 1

    await asyncio.to_thread(migrate.upgrade, url, "head")
    assert await migrate.current_revision(url) == migrate.head_revision(url)


async def test_a_comment_in_both_tables_stops_the_upgrade(database_0038: str) -> None:
    url = database_0038
    await _seed(url)
    twin = {**_COMMENT, "id": 8, "proposal_id": 1}  # the discussion comment's dedupe key
    await _run(url, _insert("proposal_comments", twin))
    with pytest.raises(RuntimeError, match="share a dedupe key"):
        await asyncio.to_thread(migrate.upgrade, url, "0040")
    assert await migrate.current_revision(url) == "0039"
    assert len(await _rows(url, "SELECT * FROM discussion_comments")) == 2
