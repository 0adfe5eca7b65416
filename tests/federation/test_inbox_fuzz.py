"""Fuzz target: the inbox pipeline (`federation.inbox.receive`) on hostile bodies and headers.

Whatever the body (bytes, JSON-ish text, deep or huge JSON, mutated activities) and whatever the
signature headers (Signature, Digest, Date, Host, Signature-Input: garbage or mutations of a
valid signature), the pipeline answers with a typed refusal (a 4xx with `error` and `reason`)
or a 202, never raises and never answers 5xx. Every fuzzed body is properly signed (Ed25519
draft-cavage, key already known to the node), so a well-formed one goes the whole way to the
commit; header fuzzing keeps a valid body and damages the signature instead.

Runs briefly in `make test` (hypothesis' default example count); `make fuzz` loads the
hypothesis profile "fuzz" (tests/conftest.py) for many more examples. No network: the node's
fetcher resolves nothing and connects nowhere (unknown key ids fail as unavailable).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpcore
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from coopfed.activitypub.httpsig import PublicKeyRecord, cavage, digest_header, http_date
from coopfed.activitypub.httpsig.keys import generate_ed25519_key
from coopfed.activitypub.httpsig.message import request_view
from coopfed.activitypub.safefetch import SafeFetcher
from coopfed.federation import inbox as pipeline
from coopfed.federation.runtime import FederationRuntime, fetch_policy
from coopfed.node import Node

INBOX = "http://coop.test/inbox"
ACTOR = "http://remote.test/users/fuzzer"
KEY_ID = f"{ACTOR}#main-key"
KEY = generate_ed25519_key()
COVERED = ("(request-target)", "host", "date", "digest")
# Every refusal the pipeline may give: (status, error). Anything else is a finding.
TYPED = {
    (400, "json"),
    (400, "activity"),
    (401, "signature"),
    (403, "authority"),
    (400, "authority"),
    (409, "authority"),
    (409, "duplicate"),
    (413, "too_large"),
}
FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


class NoDns:
    async def resolve(self, host: str, port: int) -> list[str]:
        raise OSError(f"fuzz: no DNS for {host}")


class NoNetwork(httpcore.AsyncNetworkBackend):
    async def connect_tcp(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("fuzz: no network")


@pytest.fixture
async def fuzz_node(node: Node) -> AsyncIterator[Node]:
    """`node` with the fuzzer's key known and a fetcher that can reach nothing."""
    policy = fetch_policy(node.settings)
    node.federation = FederationRuntime(
        node, lambda: SafeFetcher(policy, resolver=NoDns(), network_backend=NoNetwork())
    )
    node.federation.keys.put(PublicKeyRecord(KEY_ID, ACTOR, KEY.public_key()))
    yield node


def signed(body: bytes, url: str = INBOX) -> dict[str, str]:
    headers = {
        "Host": request_view("POST", url, {}).authority,
        "Date": http_date(datetime.now(UTC)),
        "Digest": digest_header(body),
        "Content-Type": "application/activity+json",
    }
    headers["Signature"] = cavage.signature_header(
        KEY_ID, KEY, request_view("POST", url, headers), COVERED
    )
    return headers


def note() -> dict[str, Any]:
    note_id = f"{ACTOR}/notes/{uuid.uuid4().hex}"
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{note_id}/activity",
        "type": "Create",
        "actor": ACTOR,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": {"id": note_id, "type": "Note", "attributedTo": ACTOR, "content": "<p>x</p>"},
    }


async def answer_to(node: Node, body: bytes, headers: dict[str, str]) -> pipeline.InboxAnswer:
    request = pipeline.InboxRequest(url=INBOX, headers=headers, body=body, recipient=None)
    if len(body) > node.settings.federation.max_body_bytes:  # the web layer's cap comes first
        return pipeline.too_large(node.settings.federation.max_body_bytes)
    return await pipeline.receive(node, request)


def assert_typed(answer: pipeline.InboxAnswer) -> None:
    # Shown by --hypothesis-show-statistics: how deep the examples went.
    event(f"{answer.status} {(answer.body or {}).get('reason', '')}")
    if answer.status == 202:
        assert answer.body is None
        return
    assert answer.body is not None, answer
    assert (answer.status, answer.body["error"]) in TYPED, answer
    assert isinstance(answer.body["reason"], str) and answer.body["reason"]


# --- bodies --------------------------------------------------------------------------------

JSON_SYNTAX = '{}[]:,"\\u0000d800ffeE+-.0123456789 truefalsnl\t\n'
json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=30,
)


def mutate(text: bytes, position: int, insert: bytes, delete: int) -> bytes:
    position %= len(text) + 1
    return text[:position] + insert + text[position + delete :]


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["bytes", "syntax", "value", "activity", "mutated", "deep"]))
    if kind == "bytes":
        return draw(st.binary(max_size=300))
    if kind == "syntax":
        return draw(st.text(alphabet=JSON_SYNTAX, max_size=300)).encode()
    if kind == "value":
        return json.dumps(draw(json_values), allow_nan=True).encode()
    activity = note()
    if kind == "activity":  # a real activity with one field replaced by anything
        field = draw(st.sampled_from(["id", "type", "actor", "object", "to", "@context"]))
        activity[field] = draw(json_values)
        return json.dumps(activity).encode()
    if kind == "mutated":
        raw = json.dumps(activity).encode()
        position = draw(st.integers(min_value=0))
        insert = draw(
            st.binary(max_size=6) | st.text(alphabet=JSON_SYNTAX, max_size=6).map(str.encode)
        )
        return mutate(raw, position, insert, draw(st.integers(min_value=0, max_value=6)))
    depth = draw(st.integers(min_value=1, max_value=5000))
    opener, closer = draw(st.sampled_from([("[", "]"), ('{"a":', "}")]))
    return (opener * depth + "1" + closer * depth).encode()


@FUZZ
@given(body=bodies())
async def test_any_signed_body_gets_a_typed_answer(fuzz_node: Node, body: bytes) -> None:
    assert_typed(await answer_to(fuzz_node, body, signed(body)))


# --- signature headers ---------------------------------------------------------------------

# Header values as Starlette hands them over: latin-1, no CR/LF (the HTTP parser refuses those).
HEADER_CHARS = st.characters(min_codepoint=0x20, max_codepoint=0xFF) | st.just("\t")
SIG_SYNTAX = '=,;:()"\\ keyIdalgorithmheaderssignaturecreatedexpireshs2019ed25519sig10123456789'
header_text = (
    st.text(alphabet=SIG_SYNTAX, max_size=200)
    | st.text(alphabet=HEADER_CHARS, max_size=120)
    | st.sampled_from(
        [
            'sig1=("@method" "@target-uri" "content-digest");created=1;keyid="k"',
            "sig1=:AAAA:",
            f'keyId="{KEY_ID}",headers="date",signature="AAAA"',
            f'keyId="{KEY_ID}",algorithm="rsa-sha256",signature="!!"',
        ]
    )
)
HEADERS = ("Signature", "Digest", "Date", "Host", "Signature-Input", "Authorization")


@FUZZ
@given(
    name=st.sampled_from(HEADERS),
    replacement=header_text,
    mutation=st.tuples(
        st.integers(min_value=0),
        st.text(alphabet=SIG_SYNTAX, max_size=5),
        st.integers(min_value=0, max_value=5),
    ),
    replace=st.booleans(),
)
async def test_damaged_signature_headers_get_a_typed_answer(
    fuzz_node: Node,
    name: str,
    replacement: str,
    mutation: tuple[int, str, int],
    replace: bool,
) -> None:
    body = json.dumps(note()).encode()
    headers = signed(body)
    if replace or name not in headers:
        headers[name] = replacement
    else:
        position, insert, delete = mutation
        headers[name] = mutate(headers[name].encode(), position, insert.encode(), delete).decode()
    answer = await answer_to(fuzz_node, body, headers)
    assert_typed(answer)
    assert answer.status in (202, 401), answer  # the body is valid: only the signature may fail


async def test_the_fuzz_harness_accepts_a_valid_signed_activity(fuzz_node: Node) -> None:
    """The fuzzed paths reach the commit: an undamaged request is accepted and stored."""
    body = json.dumps(note()).encode()
    assert (await answer_to(fuzz_node, body, signed(body))).status == 202
    garbled = body.replace(b'"Create"', b'"Create"]')
    refused = await answer_to(fuzz_node, garbled, signed(garbled))
    assert refused.status == 400 and refused.body is not None and refused.body["error"] == "json"
