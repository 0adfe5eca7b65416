"""Quorum arithmetic and class weights with caps."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from coopfed.governance.charter import ClassMode, ClassRules
from coopfed.governance.counting import capped_weights, quorum_met, weighted_support


def test_quorum_is_turnout_times_q_at_least_p_times_e() -> None:
    assert not quorum_met(2, 5, Fraction(3, 5))
    assert quorum_met(3, 5, Fraction(3, 5))
    assert quorum_met(5, 10, Fraction(1, 2))
    assert quorum_met(0, 10, None)
    assert quorum_met(0, 0, Fraction(1, 2))


def test_cap_shares_excess_pro_rata() -> None:
    shares = {"investor": Fraction(2, 10), "worker": Fraction(5, 10), "consumer": Fraction(3, 10)}
    weights = capped_weights(shares, {"investor": Fraction(1, 10)})
    assert weights == {
        "investor": Fraction(1, 10),
        "worker": Fraction(5, 10) + Fraction(1, 10) * Fraction(5, 8),
        "consumer": Fraction(3, 10) + Fraction(1, 10) * Fraction(3, 8),
    }
    assert sum(weights.values()) == 1


def test_cap_applies_after_absent_classes_drop_out() -> None:
    rules = ClassRules(
        ClassMode.CLASS_WEIGHTED,
        shares=(
            ("consumer", Fraction(45, 100)),
            ("investor", Fraction(1, 10)),
            ("worker", Fraction(45, 100)),
        ),
        caps=(("investor", Fraction(1, 10)),),
    )
    support, weights = weighted_support(
        {"consumer": None, "investor": Fraction(1), "worker": Fraction(0)}, rules
    )
    # Without consumers the investors would hold 10/55; the cap keeps them at 1/10.
    assert weights == {"investor": Fraction(1, 10), "worker": Fraction(9, 10)}
    assert support == Fraction(1, 10)


def test_cascading_caps() -> None:
    shares = {"a": Fraction(1, 2), "b": Fraction(3, 10), "c": Fraction(2, 10)}
    weights = capped_weights(shares, {"a": Fraction(2, 5), "b": Fraction(7, 20)})
    assert weights["a"] == Fraction(2, 5)
    assert weights["b"] == Fraction(7, 20)
    assert weights["c"] == Fraction(1, 4)


def test_all_capped_returns_caps() -> None:
    weights = capped_weights(
        {"a": Fraction(1, 2), "b": Fraction(1, 2)}, {"a": Fraction(1, 5), "b": Fraction(1, 5)}
    )
    assert weights == {"a": Fraction(1, 5), "b": Fraction(1, 5)}


shares_strategy = st.lists(st.integers(1, 50), min_size=1, max_size=6)


@given(shares_strategy, st.lists(st.integers(1, 100), min_size=6, max_size=6))
def test_caps_respected_and_weights_sum_to_one(raw: list[int], cap_percent: list[int]) -> None:
    total = sum(raw)
    shares = {f"c{i}": Fraction(s, total) for i, s in enumerate(raw)}
    caps = {f"c{i}": Fraction(cap_percent[i], 100) for i in range(len(raw)) if i % 2 == 0}
    weights = capped_weights(shares, caps)
    for name, cap in caps.items():
        assert weights[name] <= cap
    if sum(weights.values()) != 1:
        assert all(weights[name] == caps.get(name) for name in weights)
