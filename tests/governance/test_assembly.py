"""An assembly's quorum of attending-or-represented members (docs/governance.md rule 18)."""

from __future__ import annotations

from fractions import Fraction

from coopfed.governance.assembly import assembly_quorum, needed_for


def test_present_and_represented_members_make_the_quorum() -> None:
    eligible = ["ana", "ben", "cy", "dee", "eve", "fay"]
    proxies = [("cy", "ana"), ("dee", "zed"), ("ben", "ana")]  # zed did not come
    quorum = assembly_quorum(eligible, ["ana", "ben"], proxies, Fraction(1, 2))
    # ben came himself: his proxy to ana adds nothing; dee's holder stayed away.
    assert quorum.attended == ("ana", "ben") and quorum.represented == ("cy",)
    assert (quorum.present, quorum.eligible, quorum.needed, quorum.met) == (3, 6, 3, True)
    assert quorum.quorum_text() == "1/2"


def test_members_who_are_not_eligible_count_neither_way() -> None:
    quorum = assembly_quorum(
        ["ana", "ben", "cy"], ["ana", "guest"], [("old", "ana")], Fraction(2, 3)
    )
    assert quorum.attended == ("ana",) and quorum.represented == ()
    assert (quorum.present, quorum.needed, quorum.met) == (1, 2, False)


def test_needed_rounds_up_and_no_quorum_needs_nobody() -> None:
    assert needed_for(Fraction(1, 3), 10) == 4
    assert needed_for(Fraction(1, 100), 10) == 1
    assert needed_for(None, 10) == needed_for(Fraction(0), 10) == needed_for(Fraction(1, 2), 0) == 0
    assert assembly_quorum([], [], [], None).met
