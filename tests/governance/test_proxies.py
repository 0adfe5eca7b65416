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
