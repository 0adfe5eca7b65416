"""Ballot forms: which form each method gets, and reading fields back into choice payloads."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.datastructures import FormData, UploadFile

from coopfed.governance.methods import REGISTRY
from coopfed.web.ballot_forms import (
    ABSTAIN,
    BallotFormError,
    ballot_form,
    ordinal,
    read_ballot,
    selected,
)
from coopfed.web.translate import translator

SPECS: dict[str, dict[str, Any]] = {
    "approval@1": {"options": ["A", "B", "C"], "max_choices": 2},
    "score@1": {"options": ["A", "B"]},
    "dots@1": {"options": ["A", "B"], "dots": 5},
    "borda@1": {"options": ["A", "B", "C"]},
    "irv@1": {"options": ["A", "B", "C"]},
    "stv@1": {"options": ["A", "B", "C"], "seats": 2},
    "schulze@1": {"options": ["A", "B", "C"]},
    "meeting@1": {"options": ["mon", "tue"]},
    "budget@1": {"options": ["A", "B"], "costs": {"A": 60, "B": 50}, "budget": 100},
}


def test_every_registered_method_has_a_form() -> None:
    kinds = {name: ballot_form(name, SPECS.get(name, {})).kind for name in REGISTRY}
    assert kinds == {
        "proposal@1": "single", "consent@1": "single", "consensus@1": "single",
        "advice@1": "single", "approval@1": "multi", "score@1": "points", "dots@1": "points",
        "borda@1": "ranked", "irv@1": "ranked", "stv@1": "ranked", "schulze@1": "ranked",
        "meeting@1": "grid", "budget@1": "multi",
    }  # fmt: skip
    assert ballot_form("proposal@1", {}).options == ("yes", "no", "block")
    assert ballot_form("proposal@1", {"allow_block": False}).options == ("yes", "no")
    assert ballot_form("dots@1", SPECS["dots@1"]).max_points == 5
    assert "between 1 and 2" in ballot_form("approval@1", SPECS["approval@1"]).hint


def test_ranked_labels_are_ordinals() -> None:
    form = ballot_form("irv@1", {"options": [f"o{i}" for i in range(5)]})
    assert form.rank_labels == [
        "1st choice",
        "2nd choice",
        "3rd choice",
        "4th choice",
        "5th choice",
    ]
    assert ordinal(11) == "11th"


def test_reading_each_kind() -> None:
    single = ballot_form("proposal@1", {})
    assert read_ballot(single, FormData([("choice", "2")])).choice == "block"
    assert read_ballot(single, FormData([("action", "abstain")])).choice == ABSTAIN
    multi = ballot_form("approval@1", SPECS["approval@1"])
    picked = read_ballot(multi, FormData([("option", "2"), ("option", "0"), ("option", "2")]))
    assert picked.choice == ["A", "C"]
    points = ballot_form("score@1", SPECS["score@1"])
    assert read_ballot(points, FormData([("points-0", "4"), ("points-1", "")])).choice == {"A": 4}
    ranked = ballot_form("stv@1", SPECS["stv@1"])
    assert read_ballot(ranked, FormData([("rank-1", "1"), ("rank-2", "0")])).choice == ["B", "A"]


@pytest.mark.parametrize(
    ("method", "fields", "field"),
    [
        ("proposal@1", [("choice", "7")], "choice"),
        ("proposal@1", [], "choice"),
        ("approval@1", [("option", "x")], "choice"),
        ("score@1", [("points-0", "many")], "points-0"),
        ("score@1", [("points-1", "9")], "points-1"),
        ("dots@1", [("points-0", "-1")], "points-0"),
        ("irv@1", [("rank-1", "0"), ("rank-2", "0")], "rank-2"),
        ("irv@1", [("rank-2", "0")], "rank-1"),
        ("consent@1", [("choice", "1")], "reason"),
    ],
)
def test_unreadable_fields_name_the_field(
    method: str, fields: list[tuple[str, str | UploadFile]], field: str
) -> None:
    with pytest.raises(BallotFormError) as raised:
        read_ballot(ballot_form(method, SPECS.get(method, {})), FormData(fields))
    assert field in raised.value.errors


def test_prefill_from_a_cast_ballot() -> None:
    ranked = ballot_form("irv@1", SPECS["irv@1"])
    assert selected(ranked, ["C", "A"]) == {"ranking": ["C", "A"]}
    assert selected(ranked, None) == {"ranking": []}
    assert selected(ballot_form("dots@1", SPECS["dots@1"]), {"A": 2}) == {"points": {"A": 2}}


def test_meeting_grid_reads_answers_per_slot() -> None:
    grid = ballot_form("meeting@1", SPECS["meeting@1"])
    data = FormData([("slot-0", "yes"), ("slot-1", "if_need_be")])
    assert read_ballot(grid, data).choice == {"mon": "yes", "tue": "if_need_be"}
    assert read_ballot(grid, FormData([("slot-1", "no")])).choice == {"tue": "no"}
    with pytest.raises(BallotFormError) as empty:
        read_ballot(grid, FormData([]))
    assert "at least one time slot" in empty.value.errors["choice"]
    with pytest.raises(BallotFormError) as bad:
        read_ballot(grid, FormData([("slot-0", "perhaps")]))
    assert bad.value.errors == {"slot-0": "Answer yes, if need be, or no."}
    assert selected(grid, {"mon": "yes"}) == {"answers": {"mon": "yes"}}


def test_budget_form_shows_costs() -> None:
    form = ballot_form("budget@1", SPECS["budget@1"])
    assert form.option_labels == ("A (cost 60)", "B (cost 50)")
    assert "budget is 100" in form.hint
    assert read_ballot(form, FormData([("option", "1")])).choice == ["B"]


def test_a_french_form_speaks_french() -> None:
    french = translator("fr")
    ranked = ballot_form("irv@1", {"options": ["A", "B", "C", "D"]}, french)
    assert ranked.rank_labels == ["1er choix", "2e choix", "3e choix", "4e choix"]
    assert ranked.hint == "Classez au moins 1 option, la préférée en premier."
    grid = ballot_form("meeting@1", SPECS["meeting@1"], french)
    assert grid.answers == (("yes", "Oui"), ("if_need_be", "Si nécessaire"), ("no", "Non"))
    budget = ballot_form("budget@1", SPECS["budget@1"], french)
    assert budget.option_labels == ("A (coût 60)", "B (coût 50)")
    with pytest.raises(BallotFormError) as refused:
        read_ballot(ranked, FormData([("rank-1", "0"), ("rank-2", "0")]))
    assert refused.value.errors == {"rank-2": "A est déjà classé plus haut."}
