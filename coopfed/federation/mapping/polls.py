"""Which proposals a Mastodon poll can show, and the live counts such a poll displays.

A poll offers options to tap: single choice (`oneOf`) or several (`anyOf`). Motions
(`proposal@1`, `consent@1`, `consensus@1`, `advice@1`) are single choice; `approval@1` is
multiple choice (single when `max_choices` is 1). `meeting@1` is a multiple-choice poll of the
time slots where a tap means "yes" (if-need-be answers are given on the web page, and count
nowhere in the poll). Ranked, scored, dot-voting and budget methods cannot be tapped: they are
published as a Note that links to the web page (a budget's costs do not fit in a poll option).

Counts come from the ballots that would count right now (one per member of the electorate,
the latest unless the charter forbids changes), so a poll never shows a vote the tally would
set aside. `votersCount` is the number of members whose counted ballot chose at least one
option (abstentions, cast on the web page, are not shown in a poll).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from coopfed.governance import methods
from coopfed.governance.ballots import Ballot, BallotKind, effective_ballots
from coopfed.governance.methods.choice import ChoiceSpec
from coopfed.governance.proposal import Proposal

SINGLE_CHOICE_METHODS = frozenset({"proposal@1", "consent@1", "consensus@1", "advice@1"})
MULTIPLE_CHOICE_METHODS = frozenset({"approval@1", "meeting@1"})
TAP_MEANS_YES = frozenset({"meeting@1"})  # a ballot is slot → answer; a tap is "yes"


class PollKind(enum.StrEnum):
    ONE_OF = "oneOf"
    ANY_OF = "anyOf"


@dataclass(frozen=True, slots=True)
class PollTally:
    """What a poll shows: votes per option (every option present) and distinct voters."""

    counts: Mapping[str, int]
    voters: int


def poll_kind(method: str, spec: Mapping[str, Any]) -> PollKind | None:
    """`oneOf`, `anyOf`, or None when a poll cannot express the method."""
    if method in SINGLE_CHOICE_METHODS:
        return PollKind.ONE_OF
    if method in MULTIPLE_CHOICE_METHODS:
        parsed = methods.parse_spec(method, spec)
        assert isinstance(parsed, ChoiceSpec)
        return PollKind.ONE_OF if parsed.max_choices == 1 else PollKind.ANY_OF
    return None


def poll_options(method: str, spec: Mapping[str, Any]) -> tuple[str, ...]:
    """The options a voter taps, in the spec's order (motions have fixed defaults)."""
    parsed = methods.parse_spec(method, spec)
    options = getattr(parsed, "options", ())
    return tuple(str(option) for option in options)


def poll_tally(proposal: Proposal, ballots: Iterable[Ballot]) -> PollTally:
    """Counts from the ballot log of an opened proposal (replaced ballots included)."""
    options = poll_options(proposal.method, proposal.spec)
    counts = dict.fromkeys(options, 0)
    if proposal.electorate is None:
        return PollTally(counts, 0)
    counted = effective_ballots(
        ballots,
        proposal.electorate,
        proposal.charter,
        author_member_id=proposal.author_member_id,
    )
    voters = 0
    for ballot in counted.ballots:
        chosen = _chosen_options(ballot, counts)
        for option in chosen:
            counts[option] += 1
        voters += 1 if chosen else 0
    return PollTally(counts, voters)


def _chosen_options(ballot: Ballot, known: Mapping[str, int]) -> list[str]:
    if ballot.kind is not BallotKind.CAST:
        return []
    choice = ballot.choice
    if isinstance(choice, dict):
        # meeting@1: the poll shows the yes answers (its counts are the tally's totals).
        picked = [slot for slot, answer in choice.items() if answer == "yes"]
        return sorted({slot for slot in picked if isinstance(slot, str) and slot in known})
    picked = [choice] if isinstance(choice, str) else choice if isinstance(choice, list) else []
    return sorted({option for option in picked if isinstance(option, str) and option in known})


@dataclass(frozen=True, slots=True)
class RemotePoll:
    """A Question as Mastodon reads it: options with counts, voters, end and close."""

    question_id: str
    kind: PollKind
    counts: Mapping[str, int]
    voters: int | None
    end_time: str | None
    closed: str | None


@dataclass(frozen=True, slots=True)
class PollRefusal:
    reason: str


def ap_to_poll(document: Any) -> RemotePoll | PollRefusal:
    """Read a Question the way Mastodon's poll parser does (missing counts are 0).

    Used to check that what we publish reads like Mastodon's own polls, and for Questions
    that arrive from other servers. Never raises on any JSON value.
    """
    if not isinstance(document, Mapping) or document.get("type") != "Question":
        return PollRefusal("not a Question")
    question_id = document.get("id")
    if not isinstance(question_id, str) or not question_id:
        return PollRefusal("a Question needs an id")
    kind = PollKind.ANY_OF if "anyOf" in document else PollKind.ONE_OF
    items = document.get(kind.value)
    if not isinstance(items, list) or not items:
        return PollRefusal(f"no {kind.value} options")
    counts: dict[str, int] = {}
    for item in items:
        name = item.get("name") if isinstance(item, Mapping) else None
        if not isinstance(name, str) or name in counts:
            return PollRefusal("options need unique names")
        counts[name] = _total_items(item.get("replies"))
    voters = document.get("votersCount")
    return RemotePoll(
        question_id,
        kind,
        counts,
        voters if _is_count(voters) else None,
        _text_or_none(document.get("endTime")),
        _text_or_none(document.get("closed")),
    )


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**53


def _total_items(replies: Any) -> int:
    total = replies.get("totalItems") if isinstance(replies, Mapping) else None
    return total if isinstance(total, int) and _is_count(total) else 0


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None
