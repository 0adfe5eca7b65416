"""Canonical JSON bytes and hashes: the one encoding behind every hash in governance.

Rules: keys sorted, no insignificant whitespace, UTF-8 without escaping non-ASCII, fractions
as "p/q" strings (always with the denominator, so "3/1"), datetimes as RFC 3339 UTC with a
trailing 'Z', enums by value, tuples as lists. Floats are refused: they are not exact and
their text form differs between languages, so two nodes could hash the same result apart.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from fractions import Fraction
from typing import Any

JSONValue = None | bool | int | str | list["JSONValue"] | dict[str, "JSONValue"]


def fraction_str(value: Fraction) -> str:
    """`Fraction(2, 3)` → "2/3"; integers keep the denominator ("3/1")."""
    return f"{value.numerator}/{value.denominator}"


def rfc3339(moment: datetime) -> str:
    """A timezone-aware datetime as RFC 3339 UTC with 'Z' (microseconds only when non-zero)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime cannot be encoded: {moment!r}")
    utc = moment.astimezone(UTC)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if utc.microsecond:
        text += f".{utc.microsecond:06d}"
    return text + "Z"


def to_jsonable(value: Any) -> JSONValue:
    """Convert governance values to plain JSON values, refusing anything ambiguous."""
    # Exact-type fast paths first: a tally hashes 100,000 ballots through here.
    kind = type(value)
    if kind is str or kind is int or value is None or kind is bool:
        return value  # type: ignore[no-any-return]
    if kind is dict:
        return {_key(key): to_jsonable(item) for key, item in value.items()}
    if kind is list or kind is tuple:
        return [to_jsonable(item) for item in value]
    return _slow_to_jsonable(value)


def _key(key: Any) -> str:
    if type(key) is str:
        return key
    if isinstance(key, enum.Enum):
        key = key.value
    if not isinstance(key, str):
        raise TypeError(f"canonical JSON keys must be strings, got {key!r}")
    return str(key)


def _slow_to_jsonable(value: Any) -> JSONValue:
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value)
    if isinstance(value, bool | str):
        return str(value) if isinstance(value, str) else bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, Fraction):
        return fraction_str(value)
    if isinstance(value, datetime):
        return rfc3339(value)
    if isinstance(value, float):
        raise TypeError("floats are not allowed in canonical JSON; use Fraction")
    if isinstance(value, Mapping):
        return {_key(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(item) for item in value]
    if isinstance(value, set | frozenset):
        return sorted((to_jsonable(item) for item in value), key=canonical_text)
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_jsonable(to_dict())
    raise TypeError(f"cannot encode {type(value).__name__} as canonical JSON")


def canonical_text(value: Any) -> str:
    return json.dumps(
        to_jsonable(value),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )


def canonical_json(value: Any) -> bytes:
    """The canonical UTF-8 bytes of `value`."""
    return canonical_text(value).encode("utf-8")


def plain_canonical_json(value: Any) -> bytes:
    """Canonical bytes of a value already made of plain JSON types (str, int, bool, None,
    list, dict with str keys), without the checking walk of `to_jsonable`: for large inputs
    such as 100,000 validated ballots. Same output as `canonical_json` for such values."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_hash(value: Any) -> str:
    """sha256 hex of the canonical JSON of `value`."""
    return sha256_hex(canonical_json(value))
