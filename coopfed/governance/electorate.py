"""The electorate of one proposal, frozen at its record date.

Who is in it: every member `active` at the record date whose class the charter makes eligible.
Joining later gives no vote on the proposal; leaving later does not remove anyone from it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from coopfed.governance.canonical import plain_canonical_json, rfc3339, sha256_hex
from coopfed.governance.charter import Charter
from coopfed.governance.members import Member, check_one_actor_per_member


@dataclass(frozen=True, slots=True)
class Electorate:
    """Member id → class, sorted by member id; built with `snapshot` or `from_pairs`."""

    record_date: datetime
    voters: tuple[tuple[str, str], ...]
    _classes: Mapping[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not all(type(m) is str and type(c) is str for m, c in self.voters):
            raise TypeError("electorate member ids and classes must be strings")
        if list(self.voters) != sorted(self.voters):
            object.__setattr__(self, "voters", tuple(sorted(self.voters)))
        classes = dict(self.voters)
        if len(classes) != len(self.voters):
            raise ValueError("a member appears twice in an electorate")
        object.__setattr__(self, "_classes", classes)

    @classmethod
    def snapshot(
        cls, members: Iterable[Member], charter: Charter, record_date: datetime
    ) -> Electorate:
        """Freeze the electorate from the member register as it stood at `record_date`."""
        register = list(members)
        check_one_actor_per_member(register)
        voters = tuple(
            (member.member_id, member.member_class)
            for member in register
            if member.is_active and charter.class_is_eligible(member.member_class)
        )
        return cls(record_date, voters)

    @classmethod
    def from_pairs(cls, record_date: datetime, pairs: Iterable[tuple[str, str]]) -> Electorate:
        return cls(record_date, tuple(pairs))

    @property
    def size(self) -> int:
        return len(self.voters)

    def __len__(self) -> int:
        return len(self.voters)

    def __contains__(self, member_id: object) -> bool:
        return member_id in self._classes

    def __iter__(self) -> Iterator[str]:
        return (member_id for member_id, _ in self.voters)

    def class_of(self, member_id: str) -> str:
        """The class the member had at the record date (KeyError if not in the electorate)."""
        return self._classes[member_id]

    def class_sizes(self) -> dict[str, int]:
        return dict(sorted(Counter(self._classes.values()).items()))

    def to_dict(self) -> dict[str, Any]:
        return {
            "record_date": rfc3339(self.record_date),
            "size": self.size,
            "members": [[member_id, member_class] for member_id, member_class in self.voters],
        }

    def electorate_hash(self) -> str:
        """sha256 of the canonical JSON list of [member id, class], sorted by member id."""
        return electorate_hash(self)


def electorate_hash(electorate: Electorate) -> str:
    # Member ids and classes are checked to be strings, so the plain encoder is exact.
    pairs = [[member_id, klass] for member_id, klass in electorate.voters]
    return sha256_hex(plain_canonical_json(pairs))
