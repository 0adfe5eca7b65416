"""Proxy rules: the charter's switch, cap and class; validity window; the grantor overrides."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coopfed.governance.proxies import (
    CastBallot,
    ProxyGrant,
    ProxyPolicy,
    ProxyRefused,
    check_grant,
    check_proxy_ballot,
    effective_ballots,
    holder_for,
)

AT = datetime(2026, 3, 1, tzinfo=UTC)
ON = ProxyPolicy(allowed=True, cap_per_holder=2)
CLASSES = {"A": "worker", "B": "worker", "C": "worker", "D": "worker", "I": "investor"}


def grant(grantor: str, holder: str, proposal: str | None = None) -> ProxyGrant:
    return ProxyGrant(grantor, holder, AT, proposal_id=proposal)


def test_proxies_are_off_unless_the_charter_allows_them() -> None:
    with pytest.raises(ProxyRefused, match="does not allow proxies"):
        check_grant(ProxyPolicy(), grant("A", "B"), [], CLASSES)


def test_a_third_grant_to_a_holder_at_the_cap_is_refused_with_the_reason() -> None:
    active = [grant("A", "B"), grant("C", "B")]
    with pytest.raises(ProxyRefused, match="B already holds 2 proxies"):
        check_grant(ON, grant("D", "B"), active, CLASSES)


def test_grants_for_different_single_proposals_do_not_share_the_cap() -> None:
    active = [grant("A", "B", "p1"), grant("C", "B", "p1")]
    check_grant(ON, grant("D", "B", "p2"), active, CLASSES)


def test_a_same_class_charter_refuses_a_holder_of_another_class() -> None:
    policy = ProxyPolicy(allowed=True, same_class=True)
    with pytest.raises(ProxyRefused, match="same class"):
        check_grant(policy, grant("A", "I"), [], CLASSES)
    check_grant(policy, grant("A", "B"), [], CLASSES)


def test_no_chains_and_no_double_grants() -> None:
    with pytest.raises(ProxyRefused, match="cannot hold one"):
        check_grant(ON, grant("C", "A"), [grant("A", "B")], CLASSES)
    with pytest.raises(ProxyRefused, match="B holds a proxy and cannot grant her own"):
        check_grant(ON, grant("B", "C"), [grant("A", "B")], CLASSES)
    with pytest.raises(ProxyRefused, match="already granted"):
        check_grant(ON, grant("A", "C"), [grant("A", "B")], CLASSES)
    with pytest.raises(ProxyRefused, match="her own proxy"):
        grant("A", "A")
    with pytest.raises(ProxyRefused, match="at least 1"):
        ProxyPolicy(allowed=True, cap_per_holder=0)


def test_a_grant_covers_its_proposal_or_its_window_only() -> None:
    single = grant("A", "B", "p1")
    dated = ProxyGrant("C", "B", AT, until=AT + timedelta(days=7))
    assert single.covers("p1", AT) and not single.covers("p2", AT)
    assert dated.covers("p9", AT + timedelta(days=6))
    assert not dated.covers("p9", AT + timedelta(days=7))
    assert not dated.covers("p9", AT - timedelta(seconds=1))
    assert holder_for([single, dated], "A", "p1", AT) == "B"
    assert holder_for([single, dated], "A", "p2", AT) is None
    with pytest.raises(ProxyRefused, match="after it is granted"):
        ProxyGrant("A", "B", AT, until=AT)


def test_the_grantors_own_ballot_replaces_the_holders_before_or_after() -> None:
    by_b = CastBallot("A", "B", "yes")
    own = CastBallot("A", "A", "no")
    assert effective_ballots([by_b, own])["A"] == own
    assert effective_ballots([own, by_b])["A"] == own
    assert effective_ballots([by_b])["A"] == by_b


ballots = st.lists(
    st.builds(
        CastBallot,
        voter=st.sampled_from("ABC"),
        cast_by=st.sampled_from("ABCD"),
        choice=st.sampled_from(["yes", "no"]),
    ),
    max_size=12,
)


@given(ballots)
def test_one_counted_ballot_per_voter_and_own_wins(cast: list[CastBallot]) -> None:
    counted = effective_ballots(cast)
    assert set(counted) == {b.voter for b in cast}  # a proxy adds no voter
    for voter, ballot in counted.items():
        own = [b for b in cast if b.voter == voter and not b.by_proxy]
        expected = own[-1] if own else [b for b in cast if b.voter == voter][-1]
        assert ballot == expected


@given(st.integers(min_value=1, max_value=5), st.integers(min_value=0, max_value=8))
def test_a_holder_never_exceeds_the_cap(cap: int, asks: int) -> None:
    policy = ProxyPolicy(allowed=True, cap_per_holder=cap)
    active: list[ProxyGrant] = []
    for n in range(asks):
        try:
            check_grant(policy, grant(f"m{n}", "H"), active, {})
        except ProxyRefused:
            continue
        active.append(grant(f"m{n}", "H"))
    assert len(active) == min(cap, asks)


def test_example_17_1_from_docs_governance() -> None:
    check_grant(ON, grant("A", "B"), [], CLASSES)
    check_grant(ON, grant("C", "B"), [grant("A", "B")], CLASSES)
    log = [CastBallot("B", "B", "yes"), CastBallot("A", "B", "no")]
    assert [b.choice for b in effective_ballots(log).values()] == ["yes", "no"]
    log.append(CastBallot("A", "A", "yes"))
    counted = effective_ballots(log)
    assert len(counted) == 2 and counted["A"].cast_by == "A"
    assert [b.choice for b in counted.values()].count("yes") == 2
    with pytest.raises(ProxyRefused, match="B already holds 2 proxies, the charter's cap"):
        check_grant(ON, grant("D", "B"), [grant("A", "B"), grant("C", "B")], CLASSES)


# --- grants for an assembly: the proposals on its agenda (rule 17, item 2) ---------------------

AGM = "https://coop.example/assemblies/agm"
AGENDA = frozenset({"P1", "P2"})


def for_assembly(
    grantor: str, holder: str, agenda: frozenset[str] = AGENDA, assembly: str = AGM
) -> ProxyGrant:
    return ProxyGrant(grantor, holder, AT, assembly_id=assembly, agenda=agenda)


def test_a_grant_for_an_assembly_covers_exactly_its_agenda() -> None:
    held = for_assembly("A", "B")
    assert held.covers("P1", AT) and held.covers("P2", AT + timedelta(days=30))
    assert not held.covers("P3", AT)
    assert holder_for([held], "A", "P2", AT) == "B"
    assert holder_for([held], "A", "P3", AT) is None
    with pytest.raises(ProxyRefused, match="one proposal or for one assembly, not both"):
        ProxyGrant("A", "B", AT, proposal_id="P1", assembly_id=AGM)
    with pytest.raises(ProxyRefused, match="only a proxy for an assembly has an agenda"):
        ProxyGrant("A", "B", AT, agenda=AGENDA)


def test_a_proposal_off_the_agenda_is_refused_with_the_reason() -> None:
    with pytest.raises(ProxyRefused) as refused:
        check_proxy_ballot(
            ON, [for_assembly("A", "B")], grantor="A", holder="B", proposal_id="P3", at=AT
        )
    assert str(refused.value) == (
        "B holds no proxy of A for this proposal: "
        "it is not on the agenda of the assembly her proxy is for"
    )
    check_proxy_ballot(
        ON, [for_assembly("A", "B")], grantor="A", holder="B", proposal_id="P1", at=AT
    )


def test_an_assembly_grant_competes_with_the_grants_covering_its_agenda() -> None:
    # With a single-proposal grant on the agenda: they overlap (cap, no double grant).
    with pytest.raises(ProxyRefused, match="A has already granted a proxy for this"):
        check_grant(ON, for_assembly("A", "C"), [grant("A", "B", "P1")], CLASSES)
    with pytest.raises(ProxyRefused, match="B already holds 2 proxies"):
        check_grant(ON, for_assembly("D", "B"), [grant("A", "B", "P1"), grant("C", "B")], CLASSES)
    # Off the agenda, or another assembly with another agenda: they do not.
    check_grant(ON, for_assembly("A", "C"), [grant("A", "B", "P3")], CLASSES)
    other = for_assembly("A", "C", frozenset({"P3"}), "https://coop.example/assemblies/x")
    check_grant(ON, for_assembly("A", "B"), [other], CLASSES)
    # Two for one assembly always overlap, even before anything is on its agenda.
    with pytest.raises(ProxyRefused, match="already granted"):
        check_grant(
            ON, for_assembly("A", "C", frozenset()), [for_assembly("A", "B", frozenset())], CLASSES
        )
    # No chains through an assembly grant either.
    with pytest.raises(ProxyRefused, match="B holds a proxy and cannot grant her own"):
        check_grant(ON, grant("B", "C", "P2"), [for_assembly("A", "B")], CLASSES)


scopes = st.one_of(
    st.builds(lambda p: ("proposal", p), st.sampled_from(["P1", "P2", "P3"])),
    st.builds(lambda a: ("assembly", a), st.sampled_from(["X", "Y"])),
    st.just(("general", "")),
)
AGENDAS = {"X": frozenset({"P1", "P2"}), "Y": frozenset({"P3"})}


def _scoped(grantor: str, holder: str, scope: tuple[str, str]) -> ProxyGrant:
    kind, ref = scope
    if kind == "proposal":
        return ProxyGrant(grantor, holder, AT, proposal_id=ref)
    if kind == "assembly":
        return ProxyGrant(grantor, holder, AT, assembly_id=ref, agenda=AGENDAS[ref])
    return ProxyGrant(grantor, holder, AT)


@given(
    st.integers(min_value=1, max_value=3),
    st.lists(st.tuples(st.sampled_from("ABCDE"), st.sampled_from("FGH"), scopes), max_size=12),
)
def test_on_every_proposal_one_holder_per_grantor_and_none_over_the_cap(
    cap: int, asks: list[tuple[str, str, tuple[str, str]]]
) -> None:
    policy = ProxyPolicy(allowed=True, cap_per_holder=cap)
    active: list[ProxyGrant] = []
    for grantor, holder, scope in asks:
        candidate = _scoped(grantor, holder, scope)
        try:
            check_grant(policy, candidate, active, {})
        except ProxyRefused:
            continue
        active.append(candidate)
    for proposal in ("P1", "P2", "P3", "P4"):
        covering = [g for g in active if g.covers(proposal, AT)]
        assert len({g.grantor for g in covering}) == len(covering)  # one grant per grantor
        for holder in "FGH":
            assert sum(1 for g in covering if g.holder == holder) <= cap


def test_example_17_2_from_docs_governance() -> None:
    agenda = frozenset({"P1", "P2"})
    a_for_agm = for_assembly("A", "B", agenda)
    check_grant(ON, a_for_agm, [], CLASSES)
    check_grant(ON, grant("C", "B", "P1"), [a_for_agm], CLASSES)
    active = [a_for_agm, grant("C", "B", "P1")]
    for proposal in ("P1", "P2"):
        check_proxy_ballot(ON, active, grantor="A", holder="B", proposal_id=proposal, at=AT)
    with pytest.raises(ProxyRefused, match="not on the agenda of the assembly her proxy is for"):
        check_proxy_ballot(ON, active, grantor="A", holder="B", proposal_id="P3", at=AT)
    with pytest.raises(ProxyRefused, match="B already holds 2 proxies, the charter's cap"):
        check_grant(ON, for_assembly("D", "B", agenda), active, CLASSES)
    check_grant(ON, grant("E", "B", "P3"), active, {})
    with pytest.raises(ProxyRefused, match="A has already granted a proxy for this"):
        check_grant(ON, grant("A", "C", "P1"), active, CLASSES)
