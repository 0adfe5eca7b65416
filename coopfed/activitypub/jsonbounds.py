"""Bounded JSON parsing for untrusted federation payloads.

Every inbox POST and every fetched document goes through here, so the common case must stay on
C-speed paths: the expensive checks (bracket-depth scan, tree walk) only run when a cheap
whole-text test (`bytes.count`, `in`) says they might find something.

Refused (docs/threats.md PAY-1 to PAY-6): bodies over the byte cap, invalid UTF-8, lone surrogates
(raw or escaped), NUL (raw or escaped, in strings and keys), duplicate keys, nesting deeper than
`max_depth` (checked before `json` recurses, so 100,000 levels is a plain rejection, never a
RecursionError), arrays longer than `max_array`, integers with more than `max_int_digits` digits,
and non-finite numbers (NaN, Infinity, or a float literal that overflows to infinity).
"""

from __future__ import annotations

import itertools
import json
import math
import re
from typing import Any

__all__ = [
    "DEFAULT_MAX_ARRAY",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MAX_INT_DIGITS",
    "JsonRejected",
    "parse_json",
    "parse_json_object",
]

DEFAULT_MAX_BYTES = 1024 * 1024
DEFAULT_MAX_DEPTH = 64
DEFAULT_MAX_ARRAY = 1000
# 18 digits always fit in a signed 64-bit integer (SQL BIGINT), which is where counts end up.
DEFAULT_MAX_INT_DIGITS = 18

# An escape (odd number of backslashes) producing NUL or a UTF-16 surrogate code unit.
_SUSPECT_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")
_NOT_BRACES = bytes(c for c in range(256) if c not in b"{}")
_OPEN_TO_PLUS = str.maketrans({"[": "{", "]": "}"})


class JsonRejected(ValueError):
    """The body is not acceptable JSON. `reason` is a short machine code, `detail` for humans."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def parse_json(
    body: bytes,
    *,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_array: int = DEFAULT_MAX_ARRAY,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_int_digits: int = DEFAULT_MAX_INT_DIGITS,
) -> Any:
    """Parse `body` as strict UTF-8 JSON within the given bounds, or raise `JsonRejected`."""
    if len(body) > max_bytes:
        raise JsonRejected("too_large", f"{len(body)} bytes > {max_bytes}")
    text = _decode_utf8(body)
    if "\x00" in text:
        raise JsonRejected("nul", "raw NUL byte")
    _check_depth(text, max_depth)
    value = _loads(text, max_int_digits)
    needs_string_walk = "\\u" in text and _SUSPECT_ESCAPE.search(text) is not None
    # An array of n items has n-1 commas, so fewer commas than the cap proves every array fits.
    needs_array_walk = text.count(",") >= max_array
    if needs_string_walk or needs_array_walk:
        _walk(value, max_array, check_strings=needs_string_walk)
    return value


def parse_json_object(
    body: bytes,
    *,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_array: int = DEFAULT_MAX_ARRAY,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_int_digits: int = DEFAULT_MAX_INT_DIGITS,
) -> dict[str, Any]:
    """Like `parse_json`, but the top level must be an object (ActivityPub documents are)."""
    value = parse_json(
        body,
        max_depth=max_depth,
        max_array=max_array,
        max_bytes=max_bytes,
        max_int_digits=max_int_digits,
    )
    if not isinstance(value, dict):
        raise JsonRejected("not_object", f"top level is {type(value).__name__}")
    return value


def _decode_utf8(body: bytes) -> str:
    # Python's strict UTF-8 codec also refuses encoded surrogates (ED A0 80 and friends).
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise JsonRejected("invalid_utf8", f"at byte {exc.start}") from None


def _check_depth(text: str, max_depth: int) -> None:
    # Fast path: the number of openers anywhere (even inside strings) bounds the depth.
    if text.count("[") + text.count("{") <= max_depth:
        return
    # Strings are removed first: a `]` inside a string must not hide a real `[`. Dropping escaped
    # backslashes, then escaped quotes, leaves quotes only at string boundaries (left-to-right
    # pairing is how JSON reads them). If a string is unterminated, everything after its quote is
    # dropped, which json never parses either.
    unescaped = text.replace("\\\\", "").replace('\\"', "")
    structure = "".join(unescaped.split('"')[::2]).translate(_OPEN_TO_PLUS)
    braces = structure.encode("utf-8").translate(None, _NOT_BRACES)
    # "{" is 123 and "}" is 125, so 124 - c is +1 on open and -1 on close.
    deepest = max(itertools.accumulate(map((124).__sub__, braces)), default=0)
    if deepest > max_depth:
        raise JsonRejected("too_deep", f"nesting {deepest} > {max_depth}")


def _loads(text: str, max_int_digits: int) -> Any:
    def bounded_int(literal: str) -> int:
        if len(literal) - literal.startswith("-") > max_int_digits:
            raise JsonRejected("number_too_large", f"integer with {len(literal)} characters")
        return int(literal)

    try:
        return json.loads(
            text,
            object_pairs_hook=_unique_object,
            parse_int=bounded_int,
            parse_float=_finite_float,
            parse_constant=_refuse_constant,
        )
    except JsonRejected:
        raise
    except RecursionError:  # pragma: no cover - _check_depth makes this unreachable
        raise JsonRejected("too_deep", "recursion limit") from None
    except ValueError as exc:
        raise JsonRejected("invalid_json", str(exc)) from None


def _unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise JsonRejected("duplicate_key", _first_duplicate(pairs))
    return obj


def _first_duplicate(pairs: list[tuple[str, Any]]) -> str:
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            return repr(key)[:80]
        seen.add(key)
    return ""  # pragma: no cover - only called when a duplicate exists


def _finite_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise JsonRejected("non_finite_number", literal[:40])
    return value


def _refuse_constant(name: str) -> float:
    raise JsonRejected("non_finite_number", name)


def _walk(value: Any, max_array: int, *, check_strings: bool) -> None:
    # Iterative on purpose; depth is already bounded but a stack keeps it obviously safe.
    pending: list[Any] = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            if check_strings:
                for key in item:
                    _check_string(key)
            pending.extend(item.values())
        elif isinstance(item, list):
            if len(item) > max_array:
                raise JsonRejected("array_too_long", f"{len(item)} items > {max_array}")
            pending.extend(item)
        elif check_strings and isinstance(item, str):
            _check_string(item)


def _check_string(text: str) -> None:
    if "\x00" in text:
        raise JsonRejected("nul", "escaped NUL in a string")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # json joins valid escaped pairs into one code point, so any surrogate left is lone.
        raise JsonRejected("lone_surrogate", "escaped surrogate without its pair") from None
