"""JSON Canonicalization Scheme (RFC 8785): the bytes eddsa-jcs-2022 proofs sign.

`governance.canonical` is not JCS: it sorts keys by code point (JCS sorts by UTF-16 code
units, which differs above U+FFFF) and refuses floats. Proofs cover whole ActivityStreams
documents from other servers, so this module implements the RFC for all of JSON: keys in UTF-16
order, strings escaped as ECMAScript's JSON.stringify does, numbers in ECMAScript's shortest
round-trip form. Integers beyond 2**53 cannot be represented exactly by a peer and are refused.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any

MAX_SAFE_INTEGER = 2**53 - 1


class JcsError(ValueError):
    """A value that has no canonical form (NaN, huge integers, lone surrogates, non-JSON)."""


def canonicalize(value: Any) -> bytes:
    """The RFC 8785 UTF-8 bytes of a JSON value."""
    parts: list[str] = []
    _write(value, parts)
    try:
        return "".join(parts).encode("utf-8")
    except UnicodeEncodeError:
        raise JcsError("lone surrogate in a string") from None


def _utf16_key(key: str) -> bytes:
    return key.encode("utf-16-be", "surrogatepass")


def _write(value: Any, parts: list[str]) -> None:
    if value is None or value is True or value is False:
        parts.append({None: "null", True: "true", False: "false"}[value])
    elif isinstance(value, str):
        parts.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise JcsError(f"integer {value} is beyond what JSON peers represent exactly")
        parts.append(str(value))
    elif isinstance(value, float):
        parts.append(number_text(value))
    elif isinstance(value, list | tuple):
        parts.append("[")
        for index, item in enumerate(value):
            if index:
                parts.append(",")
            _write(item, parts)
        parts.append("]")
    elif isinstance(value, dict):
        _write_object(value, parts)
    else:
        raise JcsError(f"{type(value).__name__} is not a JSON value")


def _write_object(value: dict[Any, Any], parts: list[str]) -> None:
    if not all(isinstance(key, str) for key in value):
        raise JcsError("object keys must be strings")
    parts.append("{")
    for index, key in enumerate(sorted(value, key=_utf16_key)):
        if index:
            parts.append(",")
        parts.append(json.dumps(key, ensure_ascii=False))
        parts.append(":")
        _write(value[key], parts)
    parts.append("}")


def number_text(number: float) -> str:
    """ECMAScript Number::toString of a finite double (RFC 8785 section 3.2.2.3)."""
    if math.isnan(number) or math.isinf(number):
        raise JcsError("NaN and Infinity have no JSON form")
    if number == 0:
        return "0"
    sign = "-" if number < 0 else ""
    # repr gives the shortest digits that round-trip, the same digits ECMAScript picks.
    _, digit_tuple, exponent = Decimal(repr(abs(number))).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0") or "0"
    assert isinstance(exponent, int)
    k = len(digits)
    n = exponent + len(digit_tuple)  # value = 0.digits × 10**n
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * -n + digits
    power = n - 1
    mantissa = digits[0] + ("." + digits[1:] if k > 1 else "")
    return f"{sign}{mantissa}e{'+' if power > 0 else '-'}{abs(power)}"
