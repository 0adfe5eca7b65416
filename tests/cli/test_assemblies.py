"""`coopfed assembly ...`: agenda, attendance, quorum and minutes from the decisions."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from coopfed.node import Node
from coopfed.services import proposal_publishing
from coopfed.settings import load_settings
from coopfed.store import proposals as proposal_store
from tests.cli.governance_support import Cli, write_config


@pytest.fixture
def cli(database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(write_config(database_url, tmp_path), capsys)


def _members(cli: Cli, *names: str) -> None:
    for name in names:
        code, _, err = cli("member", "add", "--local", name)
        assert code == 0, err


def _decided(cli: Cli, title: str, method: str, options: str | None, votes: dict[str, str]) -> str:
    extra = [] if options is None else ["--options", options]
    created = cli.json(
        "proposal", "create", "--title", title, "--method", method, "--duration", "3d",
        "--open", *extra,
    )  # fmt: skip
    assert isinstance(created, dict)
    for name, choice in votes.items():
        code, _, err = cli("vote", created["id"], "--member", name, "--choice", choice)
        assert code == 0, err
    closed = cli.json("proposal", "close", created["id"])
    assert isinstance(closed, dict) and closed["status"] == "decided"
    return str(created["id"])


def _published_hashes(config: Path, ids: list[str]) -> dict[str, str]:
    """resultHash of each proposal's Question, as the node serves it to the fediverse."""

    async def read() -> dict[str, str]:
        node = Node.from_settings(load_settings(str(config)))
        try:
            hashes = {}
            async with node.engine.connect() as conn:
                for proposal_id in ids:
                    record = await proposal_store.get_by_slug(conn, proposal_id.rsplit("/")[-1])
                    assert record is not None
                    question = await proposal_publishing.served_question(conn, node.uris, record)
                    hashes[proposal_id] = question["resultHash"]
            return hashes
        finally:
            await node.close()

    return asyncio.run(read())


def _assembly(cli: Cli, *extra: str) -> dict[str, Any]:
    created = cli.json(
        "assembly", "create", "--title", "Annual general assembly",
        "--starts", "2030-06-20T18:00Z", "--place", "Town hall, room 2", *extra,
    )  # fmt: skip
    assert isinstance(created, dict)
    return created


def test_three_decisions_make_minutes_with_their_published_result_hashes(
    cli: Cli, tmp_path: Path
) -> None:
    _members(cli, "alice", "bob", "carol", "dan")
    ids = [
        _decided(cli, "Approve the accounts", "proposal", None,
                 {"alice": "yes", "bob": "yes", "carol": "no"}),
        _decided(cli, "Elect the treasurer", "irv", "Ana,Ben",
                 {"alice": "Ana,Ben", "bob": "Ben,Ana", "carol": "Ana"}),
        _decided(cli, "Adopt the new logo", "consent", None, {"alice": "consent"}),
    ]  # fmt: skip
    assembly = _assembly(cli, "--quorum", "50%")
    assert assembly["agenda"] == [] and assembly["quorum"] == "50%"
    for proposal_id in ids:
        added = cli.json("assembly", "add", assembly["slug"], proposal_id)
        assert isinstance(added, dict)
    for name in ("alice", "bob"):
        code, out, err = cli("assembly", "attend", assembly["id"], name)
        assert code == 0 and out.startswith("attended: "), err
    shown = cli.json("assembly", "show", assembly["slug"])
    assert isinstance(shown, dict)
    assert [item["id"] for item in shown["agenda"]] == ids
    assert [item["position"] for item in shown["agenda"]] == [1, 2, 3]
    assert [a["handle"] for a in shown["attendance"]] == ["alice", "bob"]
    assert (shown["eligible"], shown["present"], shown["needed"]) == (4, 2, 2)
    assert shown["quorum_met"] is True

    published = _published_hashes(cli.config, ids)
    assert [item["result_hash"] for item in shown["agenda"]] == [published[i] for i in ids]
    code, markdown, err = cli("assembly", "minutes", assembly["slug"])
    assert code == 0, err
    for proposal_id, title in zip(ids, ("Approve the accounts", "Elect the treasurer",
                                        "Adopt the new logo"), strict=True):  # fmt: skip
        assert title in markdown and proposal_id in markdown
        assert f"Result hash: {published[proposal_id]}" in markdown
    assert "Outcome: passed" in markdown and "Method: irv@1" in markdown
    assert "Counts: yes 2, no 1, block 0, abstain 0, invalid 0; 3 of 4 voted" in markdown
    assert "Attended (2): alice, bob." in markdown and "the quorum was met" in markdown

    pdf_path = tmp_path / "minutes.pdf"
    code, out, err = cli(
        "assembly", "minutes", assembly["slug"], "--format", "pdf", "--output", str(pdf_path)
    )
    assert code == 0 and "minutes written to" in out, err
    data = pdf_path.read_bytes()
    assert data.startswith(b"%PDF-")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    squeezed = text.replace("\n", "").replace(" ", "")
    for title in ("Approve the accounts", "Elect the treasurer", "Adopt the new logo"):
        assert title.replace(" ", "") in squeezed
    for proposal_id in ids:
        assert published[proposal_id] in squeezed


def test_quorum_not_met_and_undecided_items_are_said_so(cli: Cli) -> None:
    _members(cli, "alice", "bob", "carol")
    draft = cli.json("proposal", "create", "--title", "Still a draft", "--method", "proposal",
                     "--duration", "3d")  # fmt: skip
    assert isinstance(draft, dict)
    assembly = _assembly(cli, "--quorum", "2/3")
    cli.json("assembly", "add", assembly["slug"], draft["slug"])
    cli.json("assembly", "attend", assembly["slug"], "alice")
    code, out, _ = cli("assembly", "attend", assembly["slug"], "alice")
    assert code == 0 and out.startswith("already recorded")
    shown = cli.json("assembly", "show", assembly["slug"])
    assert isinstance(shown, dict)
    assert (shown["present"], shown["needed"], shown["quorum_met"]) == (1, 2, False)
    assert [a["handle"] for a in shown["attendance"]] == ["alice"]
    code, markdown, _ = cli("assembly", "minutes", assembly["slug"], "--format", "md")
    assert code == 0
    assert "Outcome: not decided (draft)" in markdown and "the quorum was NOT met" in markdown
    assert "Result hash" not in markdown


def test_a_video_assembly_without_quorum_lists_and_shows(cli: Cli) -> None:
    created = cli.json(
        "assembly", "create", "--title", "Online catch-up", "--starts", "2030-01-10T17:00+01:00",
        "--ends", "2030-01-10T19:00+01:00", "--link", "https://meet.example/coop",
        "--visibility", "members",
    )  # fmt: skip
    assert isinstance(created, dict)
    assert created["starts_at"] == "2030-01-10T16:00:00Z" and created["place"] is None
    assert created["link"] == "https://meet.example/coop" and created["quorum_met"] is True
    listed = cli.json("assembly", "list")
    assert isinstance(listed, list) and [a["slug"] for a in listed] == [created["slug"]]
    code, out, _ = cli("assembly", "show", created["slug"])
    assert code == 0 and "where: https://meet.example/coop" in out and "agenda: empty" in out


def test_bad_input_exits_2_with_one_line_and_creates_nothing(cli: Cli) -> None:
    base = ["assembly", "create", "--title", "AGM"]
    place = ["--place", "Hall"]
    assert "time zone" in cli.refused(*base, "--starts", "2030-06-20T18:00", *place)
    assert "ISO 8601" in cli.refused(*base, "--starts", "next friday", *place)
    assert "quorum" in cli.refused(*base, "--starts", "2030-06-20T18:00Z", *place,
                                   "--quorum", "half")  # fmt: skip
    assert "http(s)" in cli.refused(*base, "--starts", "2030-06-20T18:00Z",
                                    "--link", "javascript:alert(1)")  # fmt: skip
    assert "end after" in cli.refused(*base, "--starts", "2030-06-20T18:00Z", *place,
                                      "--ends", "2030-06-20T17:00Z")  # fmt: skip
    assert "a title" in cli.refused("assembly", "create", "--title", " ", "--starts",
                                    "2030-06-20T18:00Z", *place)  # fmt: skip
    assert cli.json("assembly", "list") == []
    assembly = _assembly(cli)
    assert "no assembly 'nope'" in cli.refused("assembly", "show", "nope")
    assert "no proposal 'nope'" in cli.refused("assembly", "add", assembly["slug"], "nope")
    assert "no member 'nobody'" in cli.refused("assembly", "attend", assembly["slug"], "nobody")
    _members(cli, "alice")
    draft = cli.json("proposal", "create", "--title", "T", "--method", "proposal",
                     "--duration", "3d")  # fmt: skip
    assert isinstance(draft, dict)
    cli.json("assembly", "add", assembly["slug"], draft["id"])
    assert "already on this agenda" in cli.refused("assembly", "add", assembly["slug"],
                                                   draft["slug"])  # fmt: skip
    code, _, _ = cli("member", "suspend", "alice", "--reason", "unpaid dues")
    assert code == 0
    assert "only active members" in cli.refused("assembly", "attend", assembly["slug"], "alice")
