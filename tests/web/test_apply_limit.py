"""The /apply rate limit per client address: counted in the database, a window, 429 on the form."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from coopfed.node import Node
from coopfed.services.membership import list_applications
from coopfed.settings import Settings
from coopfed.web.apply_limit import is_blocked, note_attempt
from tests.conftest import make_settings
from tests.support.governance import use_clock
from tests.web.conftest import HTML, PASSWORD, form_token

PROXY = "127.0.0.1"  # httpx's in-process client comes from here


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(
        database_url, tmp_path,
        web={"apply_max_per_window": 2, "apply_window_minutes": 60},
        server={"trusted_proxies": [PROXY]},
    )  # fmt: skip


async def test_attempts_are_counted_per_address_within_the_window(node: Node) -> None:
    clock = use_clock(node)
    await note_attempt(node, "203.0.113.1")
    assert not await is_blocked(node, "203.0.113.1")
    clock.advance(minutes=30)
    await note_attempt(node, "203.0.113.1")
    assert await is_blocked(node, "203.0.113.1")
    assert not await is_blocked(node, "198.51.100.2")
    clock.advance(minutes=30, seconds=1)  # the first attempt has left the 60-minute window
    assert not await is_blocked(node, "203.0.113.1")


async def _apply(client: httpx.AsyncClient, address: str, username: str) -> httpx.Response:
    page = await client.get("/apply", headers=HTML)
    form = {
        "csrf_token": form_token(page), "username": username, "password": PASSWORD,
        "member_class": "member", "message": "<b>hello</b>",
    }  # fmt: skip
    return await client.post("/apply", data=form, headers={**HTML, "X-Forwarded-For": address})


async def test_the_form_answers_429_past_the_limit_and_saves_nothing(
    node: Node, client: httpx.AsyncClient
) -> None:
    use_clock(node)
    assert (await _apply(client, "203.0.113.1", "ann")).status_code == 200
    assert (await _apply(client, "203.0.113.1", "Not A Name!")).status_code == 400  # counts too
    refused = await _apply(client, "203.0.113.1", "cat")
    assert refused.status_code == 429 and refused.headers["retry-after"] == "3600"
    assert '<p class="notice" role="alert">Too many applications were sent from your address.' in (
        refused.text
    )
    assert "try again in 60 minutes" in refused.text and "Traceback" not in refused.text
    assert 'value="cat"' in refused.text and "&lt;b&gt;hello&lt;/b&gt;" in refused.text
    assert PASSWORD not in refused.text
    assert [a.handle for a in await list_applications(node)] == ["ann"]
    # Another address is not blocked by this one's attempts.
    assert (await _apply(client, "198.51.100.2", "dan")).status_code == 200
    assert len(await list_applications(node)) == 2


async def test_the_limit_lifts_when_the_window_has_passed(
    node: Node, client: httpx.AsyncClient
) -> None:
    clock = use_clock(node)
    for name in ("ann", "bob"):
        assert (await _apply(client, "203.0.113.1", name)).status_code == 200
    assert (await _apply(client, "203.0.113.1", "cat")).status_code == 429
    clock.advance(minutes=60, seconds=1)
    assert (await _apply(client, "203.0.113.1", "cat")).status_code == 200
