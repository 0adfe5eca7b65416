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
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value)
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, Fraction):
        return fraction_str(value)
    if isinstance(value, datetime):
        return rfc3339(value)
    if isinstance(value, float):
        raise TypeError("floats are not allowed in canonical JSON; use Fraction")
    if isinstance(value, Mapping):
        return _mapping_to_jsonable(value)
    if isinstance(value, list | tuple):
        return [to_jsonable(item) for item in value]
    if isinstance(value, set | frozenset):
        return sorted((to_jsonable(item) for item in value), key=canonical_text)
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_jsonable(to_dict())
    raise TypeError(f"cannot encode {type(value).__name__} as canonical JSON")


def _mapping_to_jsonable(value: Mapping[Any, Any]) -> dict[str, JSONValue]:
    out: dict[str, JSONValue] = {}
    for key, item in value.items():
        if isinstance(key, enum.Enum):
            key = key.value
        if not isinstance(key, str):
            raise TypeError(f"canonical JSON keys must be strings, got {key!r}")
        out[key] = to_jsonable(item)
    return out


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


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_hash(value: Any) -> str:
    """sha256 hex of the canonical JSON of `value`."""
    return sha256_hex(canonical_json(value))
