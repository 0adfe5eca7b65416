"""Canonical JSON: the bytes behind every hash."""

from __future__ import annotations

import enum
from datetime import UTC, datetime, timedelta, timezone
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coopfed.governance.canonical import (
    canonical_hash,
    canonical_json,
    fraction_str,
    rfc3339,
    sha256_hex,
)


class Colour(enum.StrEnum):
    RED = "red"


def test_sorted_keys_no_whitespace_utf8() -> None:
    assert (
        canonical_json({"b": 1, "a": [True, None, "é"]}) == '{"a":[true,null,"é"],"b":1}'.encode()
    )


def test_fractions_are_p_over_q_strings_even_for_integers() -> None:
    assert canonical_json([Fraction(2, 3), Fraction(3)]) == b'["2/3","3/1"]'
    assert fraction_str(Fraction(-1, 2)) == "-1/2"


def test_datetimes_are_rfc3339_utc_z() -> None:
    plus_two = timezone(timedelta(hours=2))
    assert rfc3339(datetime(2026, 1, 1, 14, 0, tzinfo=plus_two)) == "2026-01-01T12:00:00Z"
    assert rfc3339(datetime(2026, 1, 1, 0, 0, 0, 5, tzinfo=UTC)) == "2026-01-01T00:00:00.000005Z"


def test_naive_datetimes_and_floats_are_refused() -> None:
    with pytest.raises(ValueError):
        canonical_json(datetime(2026, 1, 1))
    with pytest.raises(TypeError):
        canonical_json({"x": 0.5})
    with pytest.raises(TypeError):
        canonical_json({1: "int key"})


def test_enums_by_value_and_sets_sorted() -> None:
    assert (
        canonical_json({"c": Colour.RED, "s": frozenset({"b", "a"})})
        == b'{"c":"red","s":["a","b"]}'
    )


def test_sha256_known_vector() -> None:
    assert sha256_hex(b"abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
    assert canonical_hash({}) == sha256_hex(b"{}")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    max_leaves=20,
)


@given(st.dictionaries(st.text(), json_values))
def test_key_insertion_order_does_not_change_bytes(data: dict[str, object]) -> None:
    reversed_order = dict(reversed(list(data.items())))
    assert canonical_json(data) == canonical_json(reversed_order)
