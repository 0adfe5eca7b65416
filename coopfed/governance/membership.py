"""The co-op's membership principle: who may become a member, how, and with what share.

For each class the co-op defines: whether it is open to applications, whether admission is an
admin's decision or a members' vote (an admission proposal counted by `proposal@1`), the shares
a member of that class must hold (count and nominal value) and whether the class votes.
Also who may see the member roll (public, members only, allies only).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from coopfed.governance.canonical import canonical_hash
from coopfed.governance.errors import GovernanceError

MAX_SHARES_REQUIRED = 1_000_000
_E = TypeVar("_E", bound=enum.StrEnum)


class MembershipError(GovernanceError):
    """A membership principle that breaks a rule, or an application it does not allow."""


class AdmissionMode(enum.StrEnum):
    ADMIN = "admin"  # an admin admits or rejects
    VOTE = "vote"  # an admission proposal is opened; passing admits, failing rejects


class RollVisibility(enum.StrEnum):
    PUBLIC = "public"
    MEMBERS = "members"
    ALLIES = "allies"


@dataclass(frozen=True, slots=True)
class ClassPolicy:
    """What membership in one class means."""

    name: str
    open_to_applications: bool = True
    admission: AdmissionMode = AdmissionMode.ADMIN
    shares_required: int = 1
    nominal_value: Decimal = Decimal("0")
    votes: bool = True
    transferable: bool = False

    def __post_init__(self) -> None:
        if not self.name or self.name != self.name.strip():
            raise MembershipError("a class needs a name without outer spaces")
        shares = self.shares_required
        if isinstance(shares, bool) or not isinstance(shares, int):
            raise MembershipError(f"class {self.name}: shares_required must be an integer")
        if not 0 <= shares <= MAX_SHARES_REQUIRED:
            raise MembershipError(
                f"class {self.name}: shares_required must lie between 0 and {MAX_SHARES_REQUIRED}"
            )
        if not self.nominal_value.is_finite() or self.nominal_value < 0:
            raise MembershipError(f"class {self.name}: nominal_value must be a number ≥ 0")

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "open_to_applications": self.open_to_applications,
            "admission": self.admission.value,
            "shares_required": self.shares_required,
            "nominal_value": str(self.nominal_value),
            "votes": self.votes,
            "transferable": self.transferable,
        }


@dataclass(frozen=True, slots=True)
class MembershipPrinciple:
    """The classes with their policies; `default_class` is what an application gets."""

    classes: tuple[ClassPolicy, ...]
    default_class: str
    roll_visibility: RollVisibility = RollVisibility.PUBLIC
    admission_vote_days: int = 7
    currency: str = "EUR"

    def __post_init__(self) -> None:
        names = [policy.name for policy in self.classes]
        if not names:
            raise MembershipError("a membership principle names at least one class")
        if len(set(names)) != len(names):
            raise MembershipError(f"class names must be unique: {names}")
        if self.default_class not in names:
            raise MembershipError(f"default_class {self.default_class!r} is not a class")
        if not 1 <= self.admission_vote_days <= 365:
            raise MembershipError("admission_vote_days must lie between 1 and 365")

    @property
    def class_names(self) -> tuple[str, ...]:
        return tuple(policy.name for policy in self.classes)

    def policy(self, name: str) -> ClassPolicy:
        for policy in self.classes:
            if policy.name == name:
                return policy
        known = ", ".join(self.class_names)
        raise MembershipError(f"unknown member class {name!r}; known: {known}")

    def voting_classes(self) -> frozenset[str] | None:
        """The charter's `eligible_classes` this principle implies (None: every class votes)."""
        voting = frozenset(p.name for p in self.classes if p.votes)
        return None if len(voting) == len(self.classes) else voting

    def application_class(self, requested: str | None) -> ClassPolicy:
        """The class an application is for; refuses classes closed to applications."""
        policy = self.policy(requested or self.default_class)
        if not policy.open_to_applications:
            raise MembershipError(f"class {policy.name!r} is not open to applications")
        return policy


def default_principle(class_names: Iterable[str], default_class: str) -> MembershipPrinciple:
    """Every class open, admitted by an admin, one share of no nominal value, every class votes."""
    return MembershipPrinciple(tuple(ClassPolicy(name) for name in class_names), default_class)


def principle_to_dict(principle: MembershipPrinciple) -> dict[str, Any]:
    return {
        "classes": [policy.to_dict() for policy in principle.classes],
        "default_class": principle.default_class,
        "roll_visibility": principle.roll_visibility.value,
        "admission_vote_days": principle.admission_vote_days,
        "currency": principle.currency,
    }


def principle_hash(principle: MembershipPrinciple) -> str:
    return canonical_hash(principle_to_dict(principle))


_PRINCIPLE_KEYS = {"classes", "default_class", "roll_visibility", "admission_vote_days", "currency"}
_CLASS_KEYS = {
    "name",
    "open_to_applications",
    "admission",
    "shares_required",
    "nominal_value",
    "votes",
    "transferable",
}


def principle_from_dict(data: Mapping[str, Any]) -> MembershipPrinciple:
    """Parse the JSON form; messages name the key an admin got wrong."""
    _refuse_unknown(data, _PRINCIPLE_KEYS, "membership principle")
    raw_classes = data.get("classes")
    if not isinstance(raw_classes, list) or not raw_classes:
        raise MembershipError("classes: expected a non-empty list of class policies")
    classes = tuple(_class_from_dict(item) for item in raw_classes)
    default = data.get("default_class", classes[0].name)
    days = data.get("admission_vote_days", 7)
    currency = data.get("currency", "EUR")
    if not isinstance(default, str):
        raise MembershipError("default_class: expected a class name")
    if isinstance(days, bool) or not isinstance(days, int):
        raise MembershipError("admission_vote_days: expected a whole number of days")
    if not isinstance(currency, str) or not 1 <= len(currency) <= 8:
        raise MembershipError("currency: expected a short code such as EUR")
    return MembershipPrinciple(
        classes,
        default,
        _enum(RollVisibility, data.get("roll_visibility", "public"), "roll_visibility"),
        days,
        currency,
    )


def _class_from_dict(data: object) -> ClassPolicy:
    if not isinstance(data, Mapping):
        raise MembershipError("classes: each class is an object with at least a name")
    _refuse_unknown(data, _CLASS_KEYS, "class policy")
    name = data.get("name")
    if not isinstance(name, str):
        raise MembershipError("class policy: name must be text")
    return ClassPolicy(
        name=name,
        open_to_applications=_flag(data, "open_to_applications", True, name),
        admission=_enum(AdmissionMode, data.get("admission", "admin"), f"{name}.admission"),
        shares_required=data.get("shares_required", 1),
        nominal_value=_decimal(data.get("nominal_value", "0"), name),
        votes=_flag(data, "votes", True, name),
        transferable=_flag(data, "transferable", False, name),
    )


def _flag(data: Mapping[str, Any], key: str, default: bool, name: str) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise MembershipError(f"{name}.{key}: expected true or false, got {value!r}")
    return value


def _decimal(value: object, name: str) -> Decimal:
    # Money is text ("25.00") so that no float ever rounds it.
    if not isinstance(value, str):
        raise MembershipError(f'{name}.nominal_value: write the amount as text, e.g. "25.00"')
    try:
        return Decimal(value)
    except InvalidOperation:
        raise MembershipError(f"{name}.nominal_value: {value!r} is not an amount") from None


def _enum(kind: type[_E], value: object, what: str) -> _E:
    for item in kind:
        if item.value == value:
            return item
    allowed = ", ".join(repr(item.value) for item in kind)
    raise MembershipError(f"{what}: {value!r} is not one of {allowed}")


def _refuse_unknown(data: Mapping[str, Any], known: set[str], what: str) -> None:
    if not isinstance(data, Mapping):
        raise MembershipError(f"{what}: expected an object")
    unknown = set(data) - known
    if unknown:
        raise MembershipError(f"{what}: unknown keys {sorted(unknown)}")
