from __future__ import annotations

import pytest

from coopfed.activitypub.httpsig.structured import (
    InnerList,
    Item,
    StructuredFieldError,
    Token,
    parse_dictionary,
    serialize_inner_list,
)


def test_signature_input_dictionary() -> None:
    parsed = parse_dictionary(
        'sig1=("@method" "@target-uri" "content-digest");created=1618884473'
        ';keyid="https://a.example/u#k";alg="ed25519", sig2=();nonce=tok/en'
    )
    sig1 = parsed["sig1"]
    assert isinstance(sig1, InnerList)
    assert [item.value for item in sig1.items] == ["@method", "@target-uri", "content-digest"]
    assert sig1.params == {
        "created": 1618884473,
        "keyid": "https://a.example/u#k",
        "alg": "ed25519",
    }
    sig2 = parsed["sig2"]
    assert isinstance(sig2, InnerList)
    assert sig2.items == ()
    assert isinstance(sig2.params["nonce"], Token)


def test_items_byte_sequences_booleans_and_escapes() -> None:
    parsed = parse_dictionary('a=:aGVsbG8=:, b, c=?0;x, d="q\\"uote\\\\", e=-12, f=:aGVsbG8:')
    assert parsed["a"] == Item(b"hello", {})
    assert parsed["b"] == Item(True, {})
    assert parsed["c"] == Item(False, {"x": True})
    assert parsed["d"] == Item('q"uote\\', {})
    assert parsed["e"] == Item(-12, {})
    assert parsed["f"] == Item(b"hello", {})  # missing padding tolerated


def test_serialisation_is_canonical() -> None:
    parsed = parse_dictionary('s=(  "a"   "b";x=1 );created=1;keyid="k\\"";tag=tok;flag;neg=?0')
    inner = parsed["s"]
    assert isinstance(inner, InnerList)
    assert serialize_inner_list(inner) == '("a" "b";x=1);created=1;keyid="k\\"";tag=tok;flag;neg=?0'
    raw = InnerList((Item("@method", {}),), {"bin": b"\x00\xff"})
    assert serialize_inner_list(raw) == '("@method");bin=:AP8=:'


@pytest.mark.parametrize(
    "text",
    [
        "a=1, a=2",  # duplicate key (strict on purpose)
        "a=(1);x=1;x=2",  # duplicate parameter
        "A=1",  # upper-case key
        "a=1,",  # trailing comma
        "a=1 b=2",
        'a="unterminated',
        'a="bad \\n escape"',
        'a="tab\there"',
        "a=:not base64!:",
        "a=:abc",
        "a=1.5",  # decimals are not in the subset
        "a=1234567890123456",  # integer too long
        "a=?2",
        "a=(1 2",
        "a=(1,2)",
        "a=@x",
        "a=é",
        "a=",
        ",",
    ],
)
def test_malformed(text: str) -> None:
    with pytest.raises(StructuredFieldError):
        parse_dictionary(text)


def test_surrounding_spaces_are_ignored() -> None:
    assert parse_dictionary("  a=1 ,\tb=2  ") == {"a": Item(1, {}), "b": Item(2, {})}
