"""`coopfed member add|list|show` through `main()`, on both databases."""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path

import pytest

from coopfed.cli import support
from coopfed.node import Node
from coopfed.services.errors import ServiceError
from coopfed.services.members import ActorResolver
from coopfed.settings import load_settings
from coopfed.store import remote_actors as remote_store
from tests.cli.governance_support import Cli, write_config
from tests.web.conftest import remote_actor

REMOTE = "https://social.example/users/bob"


@pytest.fixture
def cli(database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(write_config(database_url, tmp_path), capsys)


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake(node: Node) -> ActorResolver:
        async def resolve(reference: str) -> str:
            if reference in ("acct:bob@social.example", REMOTE):
                return REMOTE
            raise ServiceError(f"cannot resolve {reference}: http_status 404")

        return resolve

    monkeypatch.setattr(support, "make_resolver", fake)


def test_add_local_and_remote_members_then_list_and_show(cli: Cli) -> None:
    alice = cli.json("member", "add", "--local", "alice", "--class", "worker", "--shares", "2")
    assert isinstance(alice, dict)
    assert alice["actor"] == "http://coop.test/actors/alice"
    assert alice["class"] == "worker" and alice["shares"] == 2 and alice["status"] == "active"
    code, out, _ = cli("member", "add", "acct:bob@social.example")
    assert code == 0 and REMOTE in out
    listed = cli.json("member", "list")
    assert isinstance(listed, list)
    assert [m["actor"] for m in listed] == [alice["actor"], REMOTE]
    assert set(listed[0]) >= {"id", "actor", "class", "shares", "status", "joined_at"}
    shown = cli.json("member", "show", "alice")
    assert isinstance(shown, dict) and shown["id"] == alice["id"]
    assert [event["kind"] for event in shown["history"]] == ["admitted"]
    code, out, _ = cli("member", "show", REMOTE)
    assert code == 0 and "acct:bob@social.example" in out


def test_refusals_exit_2_with_one_line(cli: Cli) -> None:
    assert "one of them" in cli.refused("member", "add")
    assert "one of them" in cli.refused("member", "add", REMOTE, "--local", "x")
    assert "unknown member class" in cli.refused("member", "add", "--local", "a", "--class", "x")
    assert "cannot resolve" in cli.refused("member", "add", "acct:nobody@social.example")
    assert "no member" in cli.refused("member", "show", "nobody")
    cli("member", "add", "--local", "alice")
    assert "already member" in cli.refused("member", "add", "--local", "alice")
    code, out, _ = cli("member", "list")
    assert code == 0 and len(out.strip().splitlines()) == 1


def test_member_list_csv_parses_back_with_names_quoted(cli: Cli) -> None:
    name = 'Zoë "Z" Ng, Jr.'

    async def fetched() -> None:
        node = Node.from_settings(load_settings(str(cli.config)))
        try:
            async with node.engine.begin() as conn:
                actor = remote_actor(REMOTE, name, "Person")
                await remote_store.upsert(conn, actor, now=node.now())
        finally:
            await node.close()

    asyncio.run(fetched())
    cli.json("member", "add", REMOTE)
    cli.json("member", "add", "--local", "alice", "--class", "worker")
    code, out, _ = cli("member", "list", "--csv")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out, newline="")))
    assert rows[0] == ["id", "name", "handle", "actor", "local", "class", "shares", "status",
                       "joined_at", "left_at"]  # fmt: skip
    by_actor = {row[3]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert by_actor[REMOTE]["name"] == name and by_actor[REMOTE]["local"] == "false"
    alice = by_actor["http://coop.test/actors/alice"]
    assert alice["name"] == "alice" and alice["class"] == "worker" and alice["left_at"] == ""
    assert f'"{name.replace(chr(34), chr(34) * 2)}"' in out  # quoted, inner quotes doubled
    with pytest.raises(SystemExit) as refused:  # argparse: one format or the other
        cli("member", "list", "--csv", "--json")
    assert refused.value.code == 2


def _queued(cli: Cli) -> list[tuple[str, str, str]]:
    from tests.support.password_links import queued

    async def read() -> list[tuple[str, str, str]]:
        node = Node.from_settings(load_settings(str(cli.config)))
        try:
            return await queued(node)
        finally:
            await node.close()

    return asyncio.run(read())


def test_add_local_with_email_invites_and_invite_sends_again(cli: Cli) -> None:
    erin = cli.json("member", "add", "--local", "erin", "--email", "Erin@Example.org")
    assert isinstance(erin, dict)
    assert erin["email"] == "erin@example.org" and erin["invited"] is True
    [(to, kind, text)] = _queued(cli)
    assert (to, kind) == ("erin@example.org", "invitation")
    assert "http://coop.test/password/" in text
    code, out, _ = cli("member", "invite", "erin")
    assert code == 0 and "queued for erin@example.org" in out and "earlier links" in out
    again = cli.json("member", "invite", erin["id"], "--email", "erin@new.example")
    assert isinstance(again, dict)
    assert again["email"] == "erin@new.example" and again["invited"] is True
    assert again["username"] == "erin" and again["expires_at"]
    shown = cli.json("member", "show", "erin")
    assert isinstance(shown, dict) and shown["email"] == "erin@new.example"
    assert [to for to, _, _ in _queued(cli)] == [
        "erin@example.org", "erin@example.org", "erin@new.example"
    ]  # fmt: skip
    bob = cli.json("member", "add", "acct:bob@social.example", "--email", "bob@example.org")
    assert isinstance(bob, dict) and bob["email"] == "bob@example.org" and bob["invited"] is False
    code, out, _ = cli("member", "add", "--local", "finn")
    assert code == 0 and "invitation" not in out


def test_bad_addresses_and_invitations_exit_2_and_add_nobody(cli: Cli) -> None:
    assert "not an e-mail address" in cli.refused(
        "member", "add", "--local", "erin", "--email", "erin at example"
    )
    assert "no member" in cli.refused("member", "show", "erin")
    cli("member", "add", "--local", "finn", "--email", "finn@example.org")
    assert "already the address" in cli.refused(
        "member", "add", "--local", "erin", "--email", "FINN@example.org"
    )
    cli("member", "add", "--local", "gus")
    assert "no e-mail address" in cli.refused("member", "invite", "gus")
    assert "not an e-mail address" in cli.refused("member", "invite", "gus", "--email", "@x")
    assert "no member" in cli.refused("member", "invite", "nobody")
    assert len(_queued(cli)) == 1


def test_admin_create_gives_a_member_without_an_account_one_and_grant_revoke(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    cli("member", "add", "--local", "erin")
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery\n"))
    code, out, err = cli("admin", "create", "erin")
    assert code == 0, err
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery\n"))
    assert "already taken" in cli.refused("admin", "create", "erin")
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery\n"))
    assert "already taken" in cli.refused("admin", "create", "testcoop")

    assert "only admin" in cli.refused("admin", "revoke", "erin")
    cli("member", "add", "--local", "finn")
    assert "no account yet" in cli.refused("admin", "grant", "finn")
    assert "no local account" in cli.refused("admin", "grant", "nobody")
    monkeypatch.setattr("sys.stdin", io.StringIO("another good password\n"))
    assert cli("admin", "create", "ada")[0] == 0
    assert cli.json("admin", "revoke", "erin") == {"username": "erin", "is_admin": False}
    code, out, _ = cli("admin", "grant", "erin")
    assert code == 0 and out.strip() == "erin is an admin"


def test_member_language_sets_shows_and_forgets_the_choice(cli: Cli) -> None:
    """`coopfed member language ID en|fr|default` (issue 16); anything else exits 2."""
    erin = cli.json("member", "add", "--local", "erin")
    assert isinstance(erin, dict) and erin["language"] is None
    chosen = cli.json("member", "language", "erin", "FR")
    assert isinstance(chosen, dict) and chosen["language"] == "fr" and chosen["id"] == erin["id"]
    shown = cli.json("member", "show", erin["id"])
    assert isinstance(shown, dict) and shown["language"] == "fr"
    code, out, _ = cli("member", "language", erin["id"], "default")
    assert code == 0 and "the co-op's default" in out
    assert "choose a language among en, fr, default" in cli.refused(
        "member", "language", "erin", "de"
    )
    assert "no member" in cli.refused("member", "language", "nobody", "fr")
    shown = cli.json("member", "show", "erin")
    assert isinstance(shown, dict) and shown["language"] is None
