"""Parsing helpers for method specs (the per-proposal options of a method, as JSON)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from coopfed.governance.errors import GovernanceError

# Counts put abstentions and invalid ballots next to the options under these names.
RESERVED_LABELS = frozenset({"abstain", "invalid"})


class SpecError(GovernanceError):
    """A method spec that cannot be used (unknown key, bad option list, bad number)."""


def refuse_unknown_keys(data: Mapping[str, Any], known: set[str], method: str) -> None:
    if not isinstance(data, Mapping):
        raise SpecError(f"{method}: the spec must be an object")
    unknown = set(data) - known
    if unknown:
        raise SpecError(f"{method}: unknown spec keys {sorted(unknown)}")


def option_list(value: object, method: str, *, minimum: int = 1) -> tuple[str, ...]:
    """A list of distinct, non-empty option names."""
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        raise SpecError(f"{method}: options must be a list of names")
    if any(not item.strip() for item in value):
        raise SpecError(f"{method}: option names must not be empty")
    if len(set(value)) != len(value):
        raise SpecError(f"{method}: option names must be unique")
    reserved = RESERVED_LABELS.intersection(value)
    if reserved:
        raise SpecError(f"{method}: {sorted(reserved)} cannot be option names (used for counts)")
    if len(value) < minimum:
        raise SpecError(f"{method}: at least {minimum} options needed")
    return tuple(value)


def spec_bool(data: Mapping[str, Any], key: str, default: bool, method: str) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise SpecError(f"{method}: {key} must be true or false")
    return value


def spec_int(data: Mapping[str, Any], key: str, default: int | None, method: str) -> int | None:
    value = data.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise SpecError(f"{method}: {key} must be an integer")
    return value
