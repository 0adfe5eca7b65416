"""Bounded JSON parsing: every docs/threats.md "Payloads" case, plus real fediverse payloads."""

from __future__ import annotations

import json
import pathlib
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coopfed.activitypub.jsonbounds import JsonRejected, parse_json, parse_json_object

FIXTURES = pathlib.Path("/work/shared/fixtures/fediverse")


def reason_of(body: bytes, **limits: int) -> str:
    with pytest.raises(JsonRejected) as rejected:
        parse_json(body, **limits)
    return rejected.value.reason


def test_rejection_is_a_value_error_with_reason_and_detail() -> None:
    with pytest.raises(ValueError) as raised:
        parse_json(b'{"a": 1, "a": 2}')
    assert isinstance(raised.value, JsonRejected)
    assert raised.value.reason == "duplicate_key"
    assert "'a'" in raised.value.detail


def test_plain_activity_parses() -> None:
    body = b'{"id": "https://a.example/1", "type": "Like", "n": -5, "x": 1.5, "ok": [true, null]}'
    assert parse_json_object(body) == json.loads(body)


@pytest.mark.skipif(not FIXTURES.is_dir(), reason="shared fixtures not present")
def test_real_fediverse_payloads_are_accepted() -> None:
    paths = sorted(FIXTURES.rglob("*.json"))
    assert paths
    for path in paths:
        body = path.read_bytes()
        assert parse_json(body) == json.loads(body), path


# --- size and encoding --------------------------------------------------------------------------


def test_body_over_byte_cap_is_rejected_before_parsing() -> None:
    body = b'"' + b"x" * 98 + b'"'
    assert parse_json(body, max_bytes=100) == "x" * 98
    assert reason_of(body + b" ", max_bytes=100) == "too_large"


@pytest.mark.parametrize(
    "body",
    [
        b'{"a": "\xff"}',
        b'{"a": "\xc0\xaf"}',  # overlong "/"
        b'{"a": "\xed\xa0\x80"}',  # UTF-8-encoded surrogate
        b'{"a": "\xe2\x82"}',  # truncated sequence
        '{"a": "x"}'.encode("utf-16"),
    ],
)
def test_invalid_utf8_is_rejected(body: bytes) -> None:
    assert reason_of(body) == "invalid_utf8"


@pytest.mark.parametrize(
    "body",
    [
        rb'{"a": "\ud800"}',
        rb'{"a": "\udc00"}',
        rb'{"a": "x\uDBFFy"}',
        rb'{"a": "\ud800\ud800"}',
        rb'{"a": "\udc00\ud800"}',
        rb'{"\ud800": 1}',
        rb'["ok", ["\ud83d"]]',
        rb'"\\\ud800"',  # escaped backslash, then a real lone escape
    ],
)
def test_lone_surrogate_escapes_are_rejected(body: bytes) -> None:
    assert reason_of(body) == "lone_surrogate"


def test_surrogate_pairs_and_literal_backslash_u_are_accepted() -> None:
    assert parse_json(rb'{"a": "\ud83d\ude00"}') == {"a": "\U0001f600"}
    assert parse_json(rb'{"a": "\\ud800"}') == {"a": "\\ud800"}


@pytest.mark.parametrize(
    "body",
    [
        b'{"a": "x\x00y"}',
        b'{"a": 1}\x00',
        rb'{"a": "x\u0000y"}',
        rb'{"a\u0000": 1}',
        rb'[[{"deep": ["\u0000"]}]]',
        rb'"\\\u0000"',
    ],
)
def test_nul_raw_or_escaped_is_rejected(body: bytes) -> None:
    assert reason_of(body) == "nul"


def test_escaped_backslash_followed_by_u0000_text_is_accepted() -> None:
    assert parse_json(rb'{"a": "\\u0000"}') == {"a": "\\u0000"}


# --- duplicate keys -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b'{"a": 1, "a": 1}',
        b'{"outer": {"b": 1, "c": 2, "b": 3}}',
        b'{"list": [{"id": 1}, {"id": 2, "id": 3}]}',
        rb'{"a": 1, "\u0061": 2}',  # same key once decoded
    ],
)
def test_duplicate_keys_are_rejected(body: bytes) -> None:
    assert reason_of(body) == "duplicate_key"


# --- depth --------------------------------------------------------------------------------------


def nested_arrays(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def nested_objects(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


def test_depth_limit_is_exact() -> None:
    assert parse_json(nested_arrays(64)) is not None
    assert reason_of(nested_arrays(65)) == "too_deep"
    assert parse_json(nested_objects(64)) is not None
    assert reason_of(nested_objects(65)) == "too_deep"
    assert reason_of(nested_arrays(6), max_depth=5) == "too_deep"


@pytest.mark.parametrize("depth", [10_000, 100_000])
def test_very_deep_nesting_is_rejected_without_recursion_error(depth: int) -> None:
    assert reason_of(nested_arrays(depth)) == "too_deep"
    assert reason_of(nested_objects(depth)) == "too_deep"
    assert reason_of(b"[" * depth) == "too_deep"  # unbalanced too


def test_brackets_inside_strings_do_not_count() -> None:
    many_openers = json.dumps({"s": "[{" * 500}).encode()
    assert parse_json(many_openers) == {"s": "[{" * 500}
    # Closers in a string must not hide real depth.
    hiding = b'{"s": "' + b"]}" * 500 + b'\\"]}", "d": ' + nested_arrays(70) + b"}"
    assert reason_of(hiding) == "too_deep"


def test_unterminated_string_before_deep_nesting_does_not_crash() -> None:
    body = b'{"a": "' + b"[" * 100_000
    assert reason_of(body) in ("too_deep", "invalid_json")
    body = b'["\\"' + b"[" * 100_000 + b'"' + b"]" * 100_000
    assert reason_of(body) in ("too_deep", "invalid_json")


# --- arrays -------------------------------------------------------------------------------------


def test_array_limit_is_exact_at_any_depth() -> None:
    assert len(parse_json(json.dumps(list(range(1000))).encode())) == 1000
    assert reason_of(json.dumps(list(range(1001))).encode()) == "array_too_long"
    nested = {"to": [{"cc": ["https://x.example/"] * 1001}]}
    assert reason_of(json.dumps(nested).encode()) == "array_too_long"


def test_hundred_thousand_recipients_are_rejected() -> None:
    activity = {"type": "Create", "to": [f"https://h{i}.example/u" for i in range(100_000)]}
    body = json.dumps(activity).encode()
    assert reason_of(body, max_bytes=10 * 1024 * 1024) == "array_too_long"


def test_commas_in_strings_do_not_trigger_a_false_rejection() -> None:
    doc = {"content": "," * 5000, "tag": [1, 2, 3]}
    assert parse_json(json.dumps(doc).encode()) == doc


# --- numbers ------------------------------------------------------------------------------------


def test_integers_up_to_18_digits_are_accepted() -> None:
    assert parse_json(b"[999999999999999999, -999999999999999999, 0, -0]") == [
        999_999_999_999_999_999,
        -999_999_999_999_999_999,
        0,
        0,
    ]


@pytest.mark.parametrize(
    "body",
    [b'{"n": 1000000000000000000}', b'{"n": -1000000000000000000}', b"[" + b"9" * 5000 + b"]"],
)
def test_enormous_integers_are_rejected(body: bytes) -> None:
    assert reason_of(body) == "number_too_large"


@pytest.mark.parametrize(
    "body", [b"[NaN]", b"[Infinity]", b"[-Infinity]", b"[1e400]", b"[-1e400]", b"[1E999]"]
)
def test_non_finite_numbers_are_rejected(body: bytes) -> None:
    assert reason_of(body) == "non_finite_number"


def test_finite_floats_are_accepted() -> None:
    assert parse_json(b"[1.5, -2e10, 1e308, 5e-324]") == [1.5, -2e10, 1e308, 5e-324]


# --- shape and syntax ---------------------------------------------------------------------------


@pytest.mark.parametrize("body", [b"[1]", b'"s"', b"1", b"null", b"true"])
def test_object_is_required_only_by_parse_json_object(body: bytes) -> None:
    assert parse_json(body) == json.loads(body)
    with pytest.raises(JsonRejected) as rejected:
        parse_json_object(body)
    assert rejected.value.reason == "not_object"


@pytest.mark.parametrize(
    "body",
    [b"", b"   ", b"{", b'{"a": 1} x', b"{'a': 1}", b'{"a": "x\ny"}', b"\xef\xbb\xbf{}", b"[1,]"],
)
def test_invalid_json_is_rejected(body: bytes) -> None:
    assert reason_of(body) == "invalid_json"


# --- properties ---------------------------------------------------------------------------------

json_text = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"))
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**18) + 1, max_value=10**18 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | json_text
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(
            json_text,
            children,
            max_size=5,
        )
    ),
    max_leaves=30,
)


@given(json_values, st.booleans())
def test_valid_bounded_json_round_trips(value: Any, ascii_only: bool) -> None:
    body = json.dumps(value, ensure_ascii=ascii_only).encode()
    assert parse_json(body) == value


@given(st.binary(max_size=200))
def test_arbitrary_bytes_parse_or_reject_cleanly(body: bytes) -> None:
    try:
        parse_json(body)
    except JsonRejected as rejected:
        assert rejected.reason


def depth_of(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(depth_of, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(depth_of, value), default=0)
    return 0


tricky_text = st.text(alphabet='[]{}"\\,:x\u00e9', max_size=8)
tricky_values = st.recursive(
    st.integers(0, 9) | tricky_text,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(tricky_text, children, max_size=3)
    ),
    max_leaves=40,
)


@given(tricky_values)
def test_depth_limit_is_exact_whatever_the_strings_contain(value: Any) -> None:
    body = json.dumps(value, ensure_ascii=False).encode()
    depth = depth_of(value)
    assert parse_json(body, max_depth=depth) == value
    if depth > 0:
        assert reason_of(body, max_depth=depth - 1) == "too_deep"
