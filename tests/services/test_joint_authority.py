"""The one authorisation function for shared projects (local CLI and federated inbox alike)."""

from __future__ import annotations

import pytest

from coopfed.services.joint_authority import Action, refusal

PROJECT = "https://a.example/actors/river"
A, B, C = (f"https://{h}.example/actors/coop" for h in "abc")


@pytest.mark.parametrize("action", [Action.OPEN, Action.DECIDE, Action.INVITE])
def test_only_the_project_opens_decides_and_invites(action: Action) -> None:
    assert refusal(action, actor=PROJECT, project_uri=PROJECT) is None
    assert refusal(action, actor=A, project_uri=PROJECT) is not None


def test_only_an_active_member_certifies_for_itself() -> None:
    members = {A, B}
    ok = refusal(Action.CERTIFY, actor=B, project_uri=PROJECT, coop_uri=B, active_members=members)
    assert ok is None
    forged = refusal(
        Action.CERTIFY, actor=C, project_uri=PROJECT, coop_uri=B, active_members=members
    )
    assert forged is not None and "itself" in forged
    outsider = refusal(
        Action.CERTIFY, actor=C, project_uri=PROJECT, coop_uri=C, active_members=members
    )
    assert outsider is not None and "not a member" in outsider


def test_only_the_invited_coop_answers() -> None:
    assert refusal(Action.ANSWER, actor=B, project_uri=PROJECT, coop_uri=B) is None
    assert refusal(Action.ANSWER, actor=A, project_uri=PROJECT, coop_uri=B) is not None


def test_only_an_active_member_leaves_and_only_for_itself() -> None:
    members = {A, B}
    assert (
        refusal(Action.LEAVE, actor=B, project_uri=PROJECT, coop_uri=B, active_members=members)
        is None
    )
    other = refusal(Action.LEAVE, actor=A, project_uri=PROJECT, coop_uri=B, active_members=members)
    assert other is not None and "itself" in other
    gone = refusal(Action.LEAVE, actor=C, project_uri=PROJECT, coop_uri=C, active_members=members)
    assert gone is not None and "not a member" in gone


def test_only_the_project_removes() -> None:
    assert refusal(Action.REMOVE, actor=PROJECT, project_uri=PROJECT) is None
    assert refusal(Action.REMOVE, actor=A, project_uri=PROJECT) is not None
