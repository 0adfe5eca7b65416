"""`GET /proposals/{slug}` of a joint proposal hosted here: members-of-the-project business.

Signed GETs from the node of a co-op in the frozen charter get the Create's object, then the
signed joint result; unsigned GETs, strangers and browsers get 404 as if it did not exist."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from coopfed.node import Node
from coopfed.services import joint_proposals, project_hosting
from coopfed.services.proposals import ProposalDraft
from coopfed.settings import Settings
from coopfed.store import joint as joint_store
from coopfed.store import projects as project_store
from coopfed.store.joint import JointProposal
from tests.conftest import make_settings
from tests.support.fediverse import FediverseServer
from tests.web.conftest import HTML

COOP_HOST, STRANGER_HOST = "127.0.0.4", "127.0.0.5"
AS_JSON = {"Accept": "application/activity+json"}


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """The node may fetch the signers' keys from the test servers."""
    hosts = [COOP_HOST, STRANGER_HOST]
    return make_settings(database_url, tmp_path, federation={"allow_private_addresses": hosts})


@pytest.fixture(scope="module")
def coop_node() -> Iterator[FediverseServer]:
    """A member co-op's node: the co-op actor and one of its members."""
    with FediverseServer(host=COOP_HOST, actors_names=("coopb", "ann")) as server:
        yield server


@pytest.fixture(scope="module")
def stranger() -> Iterator[FediverseServer]:
    with FediverseServer(host=STRANGER_HOST, actors_names=("eve",)) as server:
        yield server


async def _joint(node: Node, coop_uri: str) -> JointProposal:
    charter = project_hosting.parse_rule("coop_majority:1/2", None, "equal", timedelta(0))
    project = await project_hosting.create_project(node, "river", name="River", charter=charter)
    async with node.engine.begin() as conn:
        await project_store.save_member(conn, project_row_id=project.row_id, coop_uri=coop_uri,
                                        state="active", invite_id=None, now=node.now())  # fmt: skip
    draft = ProposalDraft(title="Bridge", method="proposal", duration=timedelta(hours=1))
    return await joint_proposals.propose(node, "river", draft)


async def _get_as(
    client: httpx.AsyncClient, server: FediverseServer, name: str, uri: str
) -> httpx.Response:
    headers = {**AS_JSON, **server.actor(name).signed_headers("GET", uri)}
    return await client.get(uri, headers=headers)


async def test_only_the_projects_coops_can_read_a_hosted_joint_proposal(
    node: Node, client: httpx.AsyncClient, coop_node: FediverseServer, stranger: FediverseServer
) -> None:
    coop_uri = coop_node.actor("coopb").uri
    joint = await _joint(node, coop_uri)
    assert (await client.get(joint.uri, headers=AS_JSON)).status_code == 404
    assert (await client.get(joint.uri, headers=HTML)).status_code == 404
    assert (await _get_as(client, stranger, "eve", joint.uri)).status_code == 404
    answer = await _get_as(client, coop_node, "coopb", joint.uri)
    assert answer.status_code == 200 and answer.headers["cache-control"] == "private, no-store"
    document = answer.json()
    assert document["id"] == joint.uri and document["type"] == "JointProposal"
    assert document["attributedTo"] == joint.project_uri and coop_uri in document["to"]
    assert "@context" in document and "jointResult" not in document
    # Another actor of the member co-op's node (a member, or its instance actor) may read too.
    assert (await _get_as(client, coop_node, "ann", joint.uri)).status_code == 200


async def test_once_decided_the_iri_serves_the_signed_joint_result(
    node: Node, client: httpx.AsyncClient, coop_node: FediverseServer, stranger: FediverseServer
) -> None:
    joint = await _joint(node, coop_node.actor("coopb").uri)
    async with node.engine.begin() as conn:
        await joint_proposals.decide(conn, node, joint, node.now())
        decided = await joint_store.get_by_uri(conn, joint.uri)
    assert decided is not None and decided.result is not None
    answer = await _get_as(client, coop_node, "coopb", joint.uri)
    assert answer.status_code == 200
    document = answer.json()
    assert document == decided.result  # exactly what the Update sent, proof included
    assert document["type"] == "JointProposal" and document["id"] == joint.uri
    assert document["jointResult"]["status"] == decided.status and "proof" in document
    assert (await _get_as(client, stranger, "eve", joint.uri)).status_code == 404


async def test_the_joint_bundle_is_served_to_the_projects_coops_only(
    node: Node, client: httpx.AsyncClient, coop_node: FediverseServer, stranger: FediverseServer
) -> None:
    joint = await _joint(node, coop_node.actor("coopb").uri)
    bundle_url = f"{joint.uri}/bundle"
    assert (await _get_as(client, coop_node, "coopb", bundle_url)).status_code == 404  # open
    async with node.engine.begin() as conn:
        await joint_proposals.decide(conn, node, joint, node.now())
        decided = await joint_store.get_by_uri(conn, joint.uri)
    assert decided is not None
    answer = await _get_as(client, coop_node, "coopb", bundle_url)
    assert answer.status_code == 200 and answer.headers["cache-control"] == "private, no-store"
    bundle = answer.json()
    assert bundle["joint_proposal"] == joint.uri and bundle["result"] == decided.result
    assert bundle["charter"]["coops"] == decided.charter["coops"]
    assert (await client.get(bundle_url, headers=AS_JSON)).status_code == 404  # unsigned
    assert (await _get_as(client, stranger, "eve", bundle_url)).status_code == 404
    for suffix in ("ballots", "electorate", "record"):  # a joint proposal has only its bundle
        other = await _get_as(client, coop_node, "coopb", f"{joint.uri}/{suffix}")
        assert other.status_code == 404
