"""The co-op's voting charter: read the current version, check a new one field by field, save it.

A charter is never edited in place: saving stores the next version, and proposals already open
keep the version they opened under (their row names it). Checking works on the charter's JSON
form, one key at a time against the current charter, so an error is told against the field it
belongs to, whatever fields the charter grows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from coopfed.governance.charter import Charter, CharterError, charter_from_dict, charter_to_dict
from coopfed.node import Node
from coopfed.services.errors import ServiceError
from coopfed.services.members import coop_actor, member_classes
from coopfed.services.proposals import current_charter
from coopfed.store import proposals as proposal_store
from coopfed.store.proposals import CharterRecord

FORM_ERROR = "form"  # errors that belong to no single field


class CharterRefused(ServiceError):
    """A proposed charter with errors, by charter key (`form` for the charter as a whole)."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{key}: {text}" for key, text in self.errors.items()))


def _message(key: str, error: CharterError) -> str:
    text = str(error).removeprefix(f"{key}: ").removeprefix(f"{key}.")
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def check_charter(current: Charter, proposed: Mapping[str, Any]) -> Charter:
    """The charter `proposed` (its JSON form; missing keys keep the current value).

    Raises `CharterRefused` with one message per key that does not parse on its own, or under
    `form` when each key parses but they do not fit together.
    """
    if not isinstance(proposed, Mapping):
        raise CharterRefused({FORM_ERROR: "A charter is a JSON object of its settings."})
    base = charter_to_dict(current)
    errors: dict[str, str] = {}
    for key, value in proposed.items():
        if key not in base:
            errors[str(key)] = "Not a charter setting."
            continue
        try:
            charter_from_dict({**base, key: value})
        except CharterError as error:
            errors[key] = _message(key, error)
    if errors:
        raise CharterRefused(errors)
    try:
        return charter_from_dict({**base, **proposed})
    except CharterError as error:
        raise CharterRefused({FORM_ERROR: _message("charter", error)}) from None


def _unknown_classes(charter: Charter, defined: set[str]) -> dict[str, str]:
    """Class names the co-op does not define (a typo would silently exclude voters)."""
    errors: dict[str, str] = {}
    eligible = set(charter.eligible_classes or ())
    if eligible - defined:
        errors["eligible_classes"] = f"Unknown classes: {', '.join(sorted(eligible - defined))}."
    rules = charter.class_rules
    named = {name for name, _ in rules.shares} | {name for name, _ in rules.caps}
    if (named | set(rules.classes)) - defined:
        unknown = ", ".join(sorted((named | set(rules.classes)) - defined))
        errors["class_mode"] = f"Unknown classes: {unknown}."
    return errors


@dataclass(frozen=True)
class CharterState:
    record: CharterRecord
    class_names: tuple[str, ...]


async def charter_state(node: Node) -> CharterState:
    """The current charter (version 1 on first use) and the co-op's classes."""
    now = node.now()
    async with node.engine.begin() as conn:
        coop = await coop_actor(conn)
        record = await current_charter(conn, coop.id, now)
        classes = await member_classes(conn, coop.id, now)
    return CharterState(record, classes.names)


async def save_charter(node: Node, proposed: Mapping[str, Any]) -> CharterRecord:
    """Check `proposed` against the current charter and store it as the next version.

    Raises `CharterRefused`, storing nothing. An unchanged charter stores no new version (the
    current record comes back). Open proposals keep the version they opened under.
    """
    now = node.now()
    async with node.engine.begin() as conn:
        coop = await coop_actor(conn)
        current = await current_charter(conn, coop.id, now)
        charter = check_charter(current.charter, proposed)
        defined = set((await member_classes(conn, coop.id, now)).names)
        errors = _unknown_classes(charter, defined)
        if errors:
            raise CharterRefused(errors)
        if charter == current.charter:
            return current
        return await proposal_store.insert_charter(conn, coop.id, charter, now)
