"""Meeting-time polls (docs/governance.md, rule 15)."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coopfed.governance.methods.errors import InvalidBallot
from coopfed.governance.methods.meeting import (
    ANSWERS,
    MeetingResult,
    tally_meeting,
    validate_meeting_ballot,
)

SLOTS = ("mon-18h", "tue-18h", "wed-12h")


def test_example_15_1_yes_then_if_need_be() -> None:
    cast = [
        {"mon-18h": "yes", "tue-18h": "if_need_be", "wed-12h": "no"},
        {"mon-18h": "yes", "tue-18h": "yes"},
        {"mon-18h": "no", "tue-18h": "yes", "wed-12h": "yes"},
        {"mon-18h": "if_need_be", "wed-12h": "yes"},
    ]
    result = tally_meeting(SLOTS, cast)
    data = result.to_dict()
    assert data["totals"] == {"mon-18h": 2, "tue-18h": 2, "wed-12h": 2}
    assert data["if_need_be"] == {"mon-18h": 1, "tue-18h": 1, "wed-12h": 0}
    # Unanswered slots count as no.
    assert data["no"] == {"mon-18h": 1, "tue-18h": 1, "wed-12h": 2}
    assert data["places"] == {"mon-18h": 1, "tue-18h": 1, "wed-12h": 3}
    assert result.status == "tie"
    assert result.tied == ("mon-18h", "tue-18h")
    assert result.tie_reason == (
        "mon-18h, tue-18h are tied for the winning place with 2 yes and 1 if-need-be answers "
        "each; tie_break is none"
    )


def test_example_15_2_if_need_be_separates_equal_yes() -> None:
    cast = [
        {"mon-18h": "yes", "tue-18h": "yes", "wed-12h": "no"},
        {"mon-18h": "no", "tue-18h": "if_need_be", "wed-12h": "yes"},
        {"mon-18h": "yes", "tue-18h": "yes"},
    ]
    result = tally_meeting(SLOTS, cast)
    assert (result.status, result.winners) == ("decided", ("tue-18h",))
    assert result.ranking == ("tue-18h", "mon-18h", "wed-12h")
    assert dict(result.places) == {"tue-18h": 1, "mon-18h": 2, "wed-12h": 3}


def test_tie_drawn_by_lot() -> None:
    result = tally_meeting(
        SLOTS, [{"mon-18h": "yes", "wed-12h": "yes"}], tie_break="lot", seed=b"s"
    )
    assert result.status == "decided"
    assert result.lot is not None and result.lot.among == ("mon-18h", "wed-12h")
    assert result.winners == (result.lot.order[0],)


def test_invalid_meeting_ballots() -> None:
    with pytest.raises(InvalidBallot, match="not one of the slots"):
        validate_meeting_ballot({"fri": "yes"}, SLOTS)
    with pytest.raises(InvalidBallot, match="yes, if_need_be or no"):
        validate_meeting_ballot({"mon-18h": "maybe"}, SLOTS)
    with pytest.raises(InvalidBallot, match="no slot"):
        validate_meeting_ballot({}, SLOTS)
    validate_meeting_ballot({"mon-18h": "if_need_be"}, SLOTS)


NAMES = ("s1", "s2", "s3", "s4", "s5")


@st.composite
def polls(draw: st.DrawFn) -> tuple[tuple[str, ...], list[dict[str, str]]]:
    names = NAMES[: draw(st.integers(2, 5))]
    ballot = st.dictionaries(st.sampled_from(names), st.sampled_from(ANSWERS), min_size=1)
    return names, draw(st.lists(ballot, max_size=15))


def comparable(result: MeetingResult) -> str:
    """What the result says, without the display order of equal slots."""
    data = result.to_dict()
    for key in ("options", "ranking"):
        del data[key]
    data["tied"] = sorted(result.tied)
    return json.dumps(data, sort_keys=True)


@settings(max_examples=80)
@given(polls(), st.randoms(use_true_random=False), st.sampled_from(["none", "lot"]))
def test_order_of_slots_and_ballots_never_changes_the_result(
    poll: tuple[tuple[str, ...], list[dict[str, str]]], rnd: random.Random, tie_break: str
) -> None:
    names, cast = poll
    options, shuffled = list(names), list(cast)
    rnd.shuffle(options)
    rnd.shuffle(shuffled)
    mode = "lot" if tie_break == "lot" else "none"
    first = tally_meeting(names, cast, tie_break=mode, seed=b"s")
    second = tally_meeting(tuple(options), shuffled, tie_break=mode, seed=b"s")
    assert comparable(first) == comparable(second)
    # Places follow (yes, if_need_be) exactly.
    for a in names:
        for b in names:
            key_a = (first.yes[a], first.if_need_be[a])
            key_b = (first.yes[b], first.if_need_be[b])
            if key_a > key_b:
                assert first.places[a] < first.places[b]
            if key_a == key_b:
                assert first.places[a] == first.places[b]
    for slot in names:
        assert first.yes[slot] + first.if_need_be[slot] + first.no[slot] == len(cast)
