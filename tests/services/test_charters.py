"""Checking a proposed charter field by field, and saving new versions."""

from __future__ import annotations

import pytest

from coopfed.governance.charter import Charter
from coopfed.node import Node
from coopfed.services.charters import CharterRefused, charter_state, check_charter, save_charter


def test_each_setting_is_checked_on_its_own() -> None:
    with pytest.raises(CharterRefused) as refused:
        check_charter(Charter(), {"quorum": "2", "tie_break": "dice", "ballots_may_change": 1})
    errors = refused.value.errors
    assert set(errors) == {"quorum", "tie_break", "ballots_may_change"}
    assert errors["quorum"].startswith("'2' must lie between 0 and 1")
    assert "'dice' is not one of" in errors["tie_break"]


def test_settings_left_out_keep_their_value() -> None:
    current = Charter(author_may_vote=False)
    changed = check_charter(current, {"quorum": "1/2"})
    assert changed.author_may_vote is False and changed.quorum is not None


def test_unknown_keys_and_non_objects_are_refused() -> None:
    with pytest.raises(CharterRefused, match="colour: Not a charter setting"):
        check_charter(Charter(), {"colour": "red"})
    with pytest.raises(CharterRefused, match="JSON object"):
        check_charter(Charter(), ["quorum"])  # type: ignore[arg-type]


async def test_saving_versions_and_refusing_unknown_classes(node: Node) -> None:
    assert (await charter_state(node)).record.version == 1
    second = await save_charter(node, {"eligible_classes": ["worker", "member"]})
    assert second.version == 2
    assert second.charter.eligible_classes == frozenset({"worker", "member"})
    assert (await save_charter(node, {"eligible_classes": ["member", "worker"]})).version == 2
    with pytest.raises(CharterRefused) as refused:
        await save_charter(node, {"class_mode": {"mode": "concurrent", "classes": ["emperor"]}})
    assert refused.value.errors == {"class_mode": "Unknown classes: emperor."}
    assert (await charter_state(node)).record.version == 2
