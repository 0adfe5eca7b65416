"""`GET /admin/deliveries`: the recipients not yet reachable (addressed actors whose document
could not be fetched) are shown in their own section, with a count, waiting or parked."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import update

from coopfed.node import Node
from coopfed.services.members import coop_actor
from coopfed.services.outbox import Audience, new_activity_id, publish
from coopfed.store.tables import pending_recipients
from tests.web.conftest import HTML, sign_in

pytestmark = pytest.mark.usefixtures("accounts")

WAITING = "https://slow.example/users/ann"
PARKED = "https://gone.example/users/bob"


async def _address_unknown_actors(node: Node) -> str:
    async with node.engine.begin() as conn:
        coop = await coop_actor(conn)
        activity = {"id": new_activity_id(node.uris), "type": "Update"}
        await publish(
            conn,
            sender=coop,
            activity=activity,
            audience=Audience(actors=(WAITING, PARKED)),
            now=node.now(),
        )
        await conn.execute(
            update(pending_recipients)
            .where(pending_recipients.c.actor_uri == PARKED)
            .values(state="parked", attempts=16, last_error="HTTP 410 <b>gone</b>")
        )
    return str(activity["id"])


async def test_recipients_not_yet_reachable_have_their_own_section(
    node: Node, client: httpx.AsyncClient
) -> None:
    await sign_in(client, "ada")
    empty = await client.get("/admin/deliveries", headers=HTML)
    assert "Recipients not yet reachable (0)" in empty.text
    activity_id = await _address_unknown_actors(node)
    page = await client.get("/admin/deliveries", headers=HTML)
    assert page.status_code == 200
    section = page.text.split('id="deliveries-recipients"', 1)[1]
    assert "Recipients not yet reachable (2)" in page.text
    assert WAITING in section and PARKED in section and activity_id in section
    assert "<td>waiting</td>" in section and "<td>parked</td>" in section
    assert "HTTP 410 &lt;b&gt;gone&lt;/b&gt;" in section  # escaped
    for state in ("Pending (0)", "Failing (0)", "Parked (0)"):  # deliveries as before
        assert state in page.text
