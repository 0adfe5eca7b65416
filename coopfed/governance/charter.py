"""A co-op's voting charter: quorum, threshold, class mode and ballot rules.

Parsing from strings ("1/2", "60%", "majority", "at_least:2/3", "more_than:2/3") raises
`CharterError` with a message meant for the admin who typed it.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, TypeVar

from coopfed.governance.canonical import canonical_hash, fraction_str
from coopfed.governance.errors import GovernanceError
from coopfed.governance.proxies import ProxyPolicy

_E = TypeVar("_E", bound=enum.StrEnum)

DEFAULT_REMINDER_SECONDS = 24 * 3600
MAX_REMINDER_SECONDS = 30 * 86400


class CharterError(GovernanceError):
    """A charter value that cannot be parsed or breaks a rule."""


class ThresholdBase(enum.StrEnum):
    CAST_EXCL_ABSTAIN = "cast_excl_abstain"
    CAST_INCL_ABSTAIN = "cast_incl_abstain"
    ELIGIBLE = "eligible"


class ClassMode(enum.StrEnum):
    POOLED = "pooled"
    CLASS_WEIGHTED = "class_weighted"
    CONCURRENT = "concurrent"


class WhoMayPropose(enum.StrEnum):
    ADMINS = "admins"
    MEMBERS = "members"


class TieBreak(enum.StrEnum):
    NONE = "none"
    LOT = "lot"


class AllianceDecision(enum.StrEnum):
    """Who accepts an alliance offered to the co-op: the admin, or the members by a vote."""

    ADMIN = "admin"
    VOTE = "vote"


class LinkedProposals(enum.StrEnum):
    """A shared project's joint proposal opens our linked proposal at once, or as a draft an
    admin opens (one not opened before the joint proposal closes takes no part)."""

    AUTO = "auto"
    CONFIRM = "confirm"


class NonMemberReplies(enum.StrEnum):
    """What becomes of a reply to a public proposal by someone who is not a member: shown apart
    as "from followers" (the default: a public poll is a public conversation, as on Mastodon),
    held until an admin releases it, or kept hidden. Never counted as a member's comment."""

    FOLLOWERS = "followers"
    HELD = "held"
    HIDDEN = "hidden"


def parse_fraction(text: str, *, what: str = "fraction") -> Fraction:
    """Parse "p/q", "n" or "n%" into a Fraction in [0, 1]."""
    raw = text.strip() if isinstance(text, str) else text
    if not isinstance(raw, str) or not raw:
        raise CharterError(f"{what}: expected a fraction like '1/2' or '60%', got {text!r}")
    try:
        value = Fraction(raw[:-1]) / 100 if raw.endswith("%") else _strict_fraction(raw)
    except (ValueError, ZeroDivisionError) as error:
        raise CharterError(
            f"{what}: {text!r} is not a fraction (write '1/2', '2/3' or '60%')"
        ) from error
    if not 0 <= value <= 1:
        raise CharterError(f"{what}: {text!r} must lie between 0 and 1")
    return value


def _strict_fraction(raw: str) -> Fraction:
    # Fraction("0.6") would be exact too, but decimals invite float habits; keep p/q or n.
    if "." in raw or "e" in raw.lower():
        raise ValueError(raw)
    return Fraction(raw)


@dataclass(frozen=True, slots=True)
class Comparison:
    """`majority` (2*yes > D), `at_least(p/q)` (q*yes >= p*D) or `more_than(p/q)` (q*yes > p*D)."""

    kind: str = "majority"
    fraction: Fraction = Fraction(1, 2)

    def __post_init__(self) -> None:
        if self.kind not in ("majority", "at_least", "more_than"):
            raise CharterError(f"comparison: unknown kind {self.kind!r}")
        if self.kind == "majority" and self.fraction != Fraction(1, 2):
            raise CharterError("comparison: majority is always more than 1/2")
        if not 0 <= self.fraction <= 1:
            raise CharterError("comparison: the fraction must lie between 0 and 1")

    @classmethod
    def majority(cls) -> Comparison:
        return cls("majority", Fraction(1, 2))

    @classmethod
    def at_least(cls, fraction: Fraction) -> Comparison:
        return cls("at_least", fraction)

    @classmethod
    def more_than(cls, fraction: Fraction) -> Comparison:
        return cls("more_than", fraction)

    @property
    def strict(self) -> bool:
        return self.kind != "at_least"

    def holds(self, support: Fraction, base: Fraction = Fraction(1)) -> bool:
        """Is `support` out of `base` enough? An empty base never meets a threshold."""
        if base <= 0:
            return False
        p, q = self.fraction.numerator, self.fraction.denominator
        if self.strict:
            return q * support > p * base
        return q * support >= p * base

    def is_tie(self, support: Fraction, base: Fraction = Fraction(1)) -> bool:
        """Exactly on a strict threshold: it fails, and the result says it was a tie."""
        p, q = self.fraction.numerator, self.fraction.denominator
        return self.strict and base > 0 and q * support == p * base

    def to_str(self) -> str:
        if self.kind == "majority":
            return "majority"
        return f"{self.kind}:{fraction_str(self.fraction)}"


def parse_comparison(text: str) -> Comparison:
    """Parse "majority", "at_least:2/3" or "more_than:2/3"."""
    if not isinstance(text, str):
        raise CharterError(f"comparison: expected text, got {text!r}")
    raw = text.strip()
    if raw == "majority":
        return Comparison.majority()
    kind, sep, rest = raw.partition(":")
    if sep and kind in ("at_least", "more_than"):
        return Comparison(kind, parse_fraction(rest, what=f"comparison {kind}"))
    raise CharterError(
        f"comparison: {text!r} is not one of 'majority', 'at_least:p/q', 'more_than:p/q'"
    )


def _parse_enum(kind: type[_E], text: object, what: str) -> _E:
    for item in kind:
        if item.value == text:
            return item
    allowed = ", ".join(repr(item.value) for item in kind)
    raise CharterError(f"{what}: {text!r} is not one of {allowed}")


@dataclass(frozen=True, slots=True)
class ClassRules:
    """How classes of members combine for methods 1–3.

    class_weighted: `shares` per class (sum 1), optional `caps` per class.
    concurrent: `classes` that must each pass, and `pooled` if the pooled count must pass too.
    """

    mode: ClassMode = ClassMode.POOLED
    shares: tuple[tuple[str, Fraction], ...] = ()
    caps: tuple[tuple[str, Fraction], ...] = ()
    classes: tuple[str, ...] = ()
    pooled: bool = False

    def __post_init__(self) -> None:
        if self.mode is ClassMode.CLASS_WEIGHTED:
            _check_weighted(self.shares, self.caps)
        elif self.shares or self.caps:
            raise CharterError("class shares and caps only apply to mode class_weighted")
        if self.mode is ClassMode.CONCURRENT and not self.classes:
            raise CharterError("mode concurrent needs the list of classes that must each pass")
        if self.mode is not ClassMode.CONCURRENT and (self.classes or self.pooled):
            raise CharterError("'classes' and 'pooled' only apply to mode concurrent")

    @property
    def share_map(self) -> dict[str, Fraction]:
        return dict(self.shares)

    @property
    def cap_map(self) -> dict[str, Fraction]:
        return dict(self.caps)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"mode": self.mode.value}
        if self.mode is ClassMode.CLASS_WEIGHTED:
            out["shares"] = {name: fraction_str(share) for name, share in self.shares}
            out["caps"] = {name: fraction_str(cap) for name, cap in self.caps}
        if self.mode is ClassMode.CONCURRENT:
            out["classes"] = list(self.classes)
            out["pooled"] = self.pooled
        return out


def _check_weighted(
    shares: tuple[tuple[str, Fraction], ...], caps: tuple[tuple[str, Fraction], ...]
) -> None:
    if not shares:
        raise CharterError("mode class_weighted needs a share per class")
    if sum(share for _, share in shares) != 1:
        raise CharterError("class shares must sum to exactly 1")
    if any(share <= 0 for _, share in shares):
        raise CharterError("every class share must be greater than 0")
    unknown = {name for name, _ in caps} - {name for name, _ in shares}
    if unknown:
        raise CharterError(f"caps name classes without a share: {sorted(unknown)}")


def class_rules_from_dict(data: Mapping[str, Any]) -> ClassRules:
    _refuse_unknown_keys(data, {"mode", "shares", "caps", "classes", "pooled"}, "class_mode")
    mode = _parse_enum(ClassMode, data.get("mode", "pooled"), "class_mode.mode")
    return ClassRules(
        mode=mode,
        shares=_fraction_pairs(data.get("shares", {}), "class share"),
        caps=_fraction_pairs(data.get("caps", {}), "class cap"),
        classes=tuple(_string_list(data.get("classes", []), "class_mode.classes")),
        pooled=_boolean(data.get("pooled", False), "class_mode.pooled"),
    )


def _fraction_pairs(data: object, what: str) -> tuple[tuple[str, Fraction], ...]:
    if not isinstance(data, Mapping):
        raise CharterError(f"{what}s: expected an object of class name → fraction")
    pairs = [
        (str(name), parse_fraction(value, what=f"{what} {name}")) for name, value in data.items()
    ]
    return tuple(sorted(pairs))


def _string_list(data: object, what: str) -> list[str]:
    if not isinstance(data, list | tuple) or not all(isinstance(item, str) for item in data):
        raise CharterError(f"{what}: expected a list of class names")
    return list(data)


def _boolean(data: object, what: str) -> bool:
    if not isinstance(data, bool):
        raise CharterError(f"{what}: expected true or false, got {data!r}")
    return data


def _refuse_unknown_keys(data: Mapping[str, Any], known: set[str], what: str) -> None:
    if not isinstance(data, Mapping):
        raise CharterError(f"{what}: expected an object")
    unknown = set(data) - known
    if unknown:
        raise CharterError(f"{what}: unknown keys {sorted(unknown)}")


@dataclass(frozen=True, slots=True)
class Charter:
    """The rules one co-op votes by. `eligible_classes=None` means every class votes."""

    eligible_classes: frozenset[str] | None = None
    quorum: Fraction | None = None
    threshold_base: ThresholdBase = ThresholdBase.CAST_EXCL_ABSTAIN
    comparison: Comparison = field(default_factory=Comparison.majority)
    class_rules: ClassRules = field(default_factory=ClassRules)
    ballots_may_change: bool = True
    author_may_vote: bool = True
    who_may_propose: WhoMayPropose = WhoMayPropose.MEMBERS
    hidden_results: bool = False
    revoke_ballot_on_leave: bool = False
    tie_break: TieBreak = TieBreak.NONE
    alliances: AllianceDecision = AllianceDecision.ADMIN
    joint_proposals: LinkedProposals = LinkedProposals.AUTO
    non_member_replies: NonMemberReplies = NonMemberReplies.FOLLOWERS
    proxies: ProxyPolicy = field(default_factory=ProxyPolicy)
    # Who turns a discussion into a draft proposal (issue 16): admins unless the co-op says so.
    discussion_drafts: WhoMayPropose = WhoMayPropose.ADMINS
    # Members who have not voted are reminded this long before closing; 0: no reminder.
    reminder_before_seconds: int = DEFAULT_REMINDER_SECONDS

    def __post_init__(self) -> None:
        if self.quorum is not None and not 0 <= self.quorum <= 1:
            raise CharterError("quorum must lie between 0 and 1")
        if self.eligible_classes is not None and not self.eligible_classes:
            raise CharterError("eligible_classes: give at least one class, or null for all")
        if not 0 <= self.reminder_before_seconds <= MAX_REMINDER_SECONDS:
            raise CharterError("reminder_before: between 0 (off) and 30 days")

    def class_is_eligible(self, member_class: str) -> bool:
        return self.eligible_classes is None or member_class in self.eligible_classes


_CHARTER_KEYS = {
    "eligible_classes",
    "quorum",
    "threshold_base",
    "comparison",
    "class_mode",
    "ballots_may_change",
    "author_may_vote",
    "who_may_propose",
    "hidden_results",
    "revoke_ballot_on_leave",
    "tie_break",
    "alliances",
    "joint_proposals",
    "non_member_replies",
    "proxies",
    "discussion_drafts",
    "reminder_before",
}

# Keys added after charters were first hashed: they enter the hash only when set away from
# their default, so every charter (and result) hash computed before they existed stays the same.
_LATER_KEYS: dict[str, object] = {
    "alliances": "admin",
    "joint_proposals": "auto",
    "non_member_replies": "followers",
    "proxies": {"allowed": False, "cap_per_holder": 2, "same_class": False},
    "discussion_drafts": "admins",
    "reminder_before": "24h",
}


def charter_to_dict(charter: Charter) -> dict[str, Any]:
    eligible = charter.eligible_classes
    return {
        "eligible_classes": None if eligible is None else sorted(eligible),
        "quorum": None if charter.quorum is None else fraction_str(charter.quorum),
        "threshold_base": charter.threshold_base.value,
        "comparison": charter.comparison.to_str(),
        "class_mode": charter.class_rules.to_dict(),
        "ballots_may_change": charter.ballots_may_change,
        "author_may_vote": charter.author_may_vote,
        "who_may_propose": charter.who_may_propose.value,
        "hidden_results": charter.hidden_results,
        "revoke_ballot_on_leave": charter.revoke_ballot_on_leave,
        "tie_break": charter.tie_break.value,
        "alliances": charter.alliances.value,
        "joint_proposals": charter.joint_proposals.value,
        "non_member_replies": charter.non_member_replies.value,
        "proxies": proxy_policy_to_dict(charter.proxies),
        "discussion_drafts": charter.discussion_drafts.value,
        "reminder_before": duration_text(charter.reminder_before_seconds),
    }


def proxy_policy_to_dict(policy: ProxyPolicy) -> dict[str, Any]:
    return {
        "allowed": policy.allowed,
        "cap_per_holder": policy.cap_per_holder,
        "same_class": policy.same_class,
    }


def proxy_policy_from_dict(data: Mapping[str, Any]) -> ProxyPolicy:
    _refuse_unknown_keys(data, {"allowed", "cap_per_holder", "same_class"}, "proxies")
    cap = data.get("cap_per_holder", 2)
    # bool is an int in Python; a cap of True is a typo, not 1.
    if not isinstance(cap, int) or isinstance(cap, bool) or cap < 1:
        raise CharterError(f"proxies.cap_per_holder: expected a whole number >= 1, got {cap!r}")
    return ProxyPolicy(
        allowed=_boolean(data.get("allowed", False), "proxies.allowed"),
        cap_per_holder=cap,
        same_class=_boolean(data.get("same_class", False), "proxies.same_class"),
    )


_DURATION = re.compile(r"^(\d{1,7})\s*([smhdw]?)$")
_DURATION_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "": 1}


def parse_reminder_before(value: object) -> int:
    """`reminder_before`: "24h", "90m", "2d", "1w" (or bare seconds), "0" or "off" for none."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise CharterError(
            f"reminder_before: expected a duration like '24h' or 'off', got {value!r}"
        )
    text = str(value).strip().lower()
    if text in ("off", "none", "0"):
        return 0
    match = _DURATION.match(text)
    if match is None:
        raise CharterError(
            f"reminder_before: {value!r} is not a duration (write '24h', '90m', '2d' or 'off')"
        )
    seconds = int(match.group(1)) * _DURATION_SECONDS[match.group(2)]
    if seconds > MAX_REMINDER_SECONDS:
        raise CharterError("reminder_before: at most 30 days")
    return seconds


def duration_text(seconds: int) -> str:
    """The canonical form: "off", or the largest of hours, minutes or seconds that is exact."""
    if seconds == 0:
        return "off"
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def charter_from_dict(data: Mapping[str, Any]) -> Charter:
    """Build a Charter from its JSON form; missing keys take the defaults."""
    _refuse_unknown_keys(data, _CHARTER_KEYS, "charter")
    eligible = data.get("eligible_classes")
    quorum = data.get("quorum")
    return Charter(
        eligible_classes=None
        if eligible is None
        else frozenset(_string_list(eligible, "eligible_classes")),
        quorum=None if quorum is None else parse_fraction(quorum, what="quorum"),
        threshold_base=_parse_enum(
            ThresholdBase, data.get("threshold_base", "cast_excl_abstain"), "threshold_base"
        ),
        comparison=parse_comparison(data.get("comparison", "majority")),
        class_rules=class_rules_from_dict(data.get("class_mode", {"mode": "pooled"})),
        ballots_may_change=_boolean(data.get("ballots_may_change", True), "ballots_may_change"),
        author_may_vote=_boolean(data.get("author_may_vote", True), "author_may_vote"),
        who_may_propose=_parse_enum(
            WhoMayPropose, data.get("who_may_propose", "members"), "who_may_propose"
        ),
        hidden_results=_boolean(data.get("hidden_results", False), "hidden_results"),
        revoke_ballot_on_leave=_boolean(
            data.get("revoke_ballot_on_leave", False), "revoke_ballot_on_leave"
        ),
        tie_break=_parse_enum(TieBreak, data.get("tie_break", "none"), "tie_break"),
        alliances=_parse_enum(AllianceDecision, data.get("alliances", "admin"), "alliances"),
        joint_proposals=_parse_enum(
            LinkedProposals, data.get("joint_proposals", "auto"), "joint_proposals"
        ),
        non_member_replies=_parse_enum(
            NonMemberReplies, data.get("non_member_replies", "followers"), "non_member_replies"
        ),
        proxies=proxy_policy_from_dict(data.get("proxies", {})),
        discussion_drafts=_parse_enum(
            WhoMayPropose, data.get("discussion_drafts", "admins"), "discussion_drafts"
        ),
        reminder_before_seconds=parse_reminder_before(data.get("reminder_before", "24h")),
    )


def charter_hash(charter: Charter) -> str:
    """sha256 hex of the charter's canonical JSON (later keys only when not at their default)."""
    data = charter_to_dict(charter)
    for key, default in _LATER_KEYS.items():
        if data[key] == default:
            del data[key]
    return canonical_hash(data)
