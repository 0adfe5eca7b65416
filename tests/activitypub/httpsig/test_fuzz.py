"""Property: whatever arrives in signature headers, verify_request raises only SignatureError."""

from __future__ import annotations

import asyncio

from hypothesis import given, settings
from hypothesis import strategies as st

from coopfed.activitypub.httpsig import SignatureError, content_digest_header, verify_request
from coopfed.activitypub.httpsig.keys import generate_ed25519_key

from .support import BODY, INBOX, NOW, FakeResolver, cavage_headers

KEY = generate_ed25519_key()
POST_COVERED = ("(request-target)", "host", "date", "digest")
VALID_CAVAGE = cavage_headers(KEY, POST_COVERED)
SYNTAX = '=,;:()"\\ \t?-*/+@.%keyIdalgorithmheaderssignaturecreatedexpires0123456789sig1'
header_text = st.one_of(
    st.text(alphabet=SYNTAX, max_size=200),
    st.text(max_size=100),
    st.sampled_from(
        [
            VALID_CAVAGE["Signature"],
            'sig1=("@method" "@target-uri");created=1;keyid="k"',
            "sig1=:AAAA:",
            'sig1=("@method");keyid="k";alg="ed25519";created=99999999999999',
        ]
    ),
)


def mutate(text: str, position: int, insert: str, delete: int) -> str:
    position %= len(text) + 1
    return text[:position] + insert + text[position + delete :]


def run(headers: dict[str, str]) -> None:
    try:
        asyncio.run(verify_request("POST", INBOX, headers, BODY, FakeResolver(KEY), NOW))
    except SignatureError as exc:
        assert exc.reason.value and isinstance(exc.detail, str)


@settings(max_examples=300, deadline=None)
@given(signature=header_text)
def test_garbage_cavage_signature(signature: str) -> None:
    run(VALID_CAVAGE | {"Signature": signature})


@settings(max_examples=300, deadline=None)
@given(
    position=st.integers(min_value=0),
    insert=st.text(alphabet=SYNTAX, max_size=5),
    delete=st.integers(min_value=0, max_value=5),
)
def test_mutated_cavage_signature(position: int, insert: str, delete: int) -> None:
    run(VALID_CAVAGE | {"Signature": mutate(VALID_CAVAGE["Signature"], position, insert, delete)})


@settings(max_examples=300, deadline=None)
@given(signature_input=header_text, signature=header_text)
def test_garbage_rfc9421_headers(signature_input: str, signature: str) -> None:
    headers = {
        "Host": "coop.example",
        "Content-Digest": content_digest_header(BODY),
        "Signature-Input": signature_input,
        "Signature": signature,
    }
    run(headers)


@settings(max_examples=200, deadline=None)
@given(digest=header_text, date=header_text)
def test_garbage_digest_and_date(digest: str, date: str) -> None:
    run(VALID_CAVAGE | {"Digest": digest, "Date": date})
