"""Meeting-time polls (`meeting@1`, docs/governance.md, rule 15): find a date for a meeting.

Options are time slots. A ballot answers `yes`, `if_need_be` or `no` per slot (an object slot →
answer); a slot left out counts as `no`, which is also what a Mastodon tap poll sends for the
slots not tapped. Slots are ranked by yes answers, then by if-need-be answers. The best slot is
the one winner; equal best slots are a `tie` (or drawn by lot when the charter allows), never
settled by the order in which the slots were listed.

`ranking` keeps the proposal's slot order among equal slots, for a stable display only;
`places` (1 = best, equal slots share a place) is what the result says, and does not depend on
that order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from coopfed.governance.methods.approval import (
    LotDraw,
    RankKey,
    Status,
    TieBreak,
    select_top_k,
)
from coopfed.governance.methods.errors import InvalidBallot

METHOD = "meeting@1"

Answer = Literal["yes", "if_need_be", "no"]
ANSWERS: tuple[Answer, ...] = ("yes", "if_need_be", "no")


@dataclass(frozen=True)
class MeetingResult:
    options: tuple[str, ...]
    ballots: int
    yes: Mapping[str, int]
    if_need_be: Mapping[str, int]
    no: Mapping[str, int]  # explicit no plus slots left unanswered
    places: Mapping[str, int]  # 1 = best; equal (yes, if_need_be) share a place
    ranking: tuple[str, ...]  # best first; equal slots in the proposal's order (display only)
    winners: tuple[str, ...]
    status: Status
    tied: tuple[str, ...]
    lot: LotDraw | None
    method: str = METHOD
    tie_reason: str | None = None  # not in to_dict: the result record carries it

    def to_dict(self) -> dict[str, object]:
        return {
            "method": self.method,
            "options": list(self.options),
            "ballots": self.ballots,
            # `totals` are the yes answers: what a poll shows and what ranks first.
            "totals": {slot: self.yes[slot] for slot in self.options},
            "if_need_be": {slot: self.if_need_be[slot] for slot in self.options},
            "no": {slot: self.no[slot] for slot in self.options},
            "places": {slot: self.places[slot] for slot in self.options},
            "ranking": list(self.ranking),
            "winners": list(self.winners),
            "status": self.status,
            "tied": list(self.tied),
            "lot": self.lot.to_dict() if self.lot else None,
        }


def validate_meeting_ballot(ballot: Mapping[str, object], options: Sequence[str]) -> None:
    """Raise InvalidBallot unless every answer is yes / if_need_be / no for a known slot."""
    if not ballot:
        raise InvalidBallot("ballot answers no slot (abstain instead)")
    for slot, answer in ballot.items():
        if slot not in options:
            raise InvalidBallot(f"ballot answers {slot!r}, not one of the slots")
        if answer not in ANSWERS:
            raise InvalidBallot(
                f"answer for {slot!r} must be yes, if_need_be or no, not {str(answer)[:40]!r}"
            )


def tally_meeting(
    options: Sequence[str],
    ballots: Iterable[Mapping[str, str]],
    *,
    tie_break: TieBreak = "none",
    seed: bytes = b"",
) -> MeetingResult:
    """Count the answers per slot and rank by (yes, if_need_be). Ballots are assumed valid."""
    kinds = Counter(tuple(sorted(ballot.items())) for ballot in ballots)
    ballot_count = sum(kinds.values())
    yes = dict.fromkeys(options, 0)
    maybe = dict.fromkeys(options, 0)
    for answers, count in kinds.items():
        for slot, answer in answers:
            if answer == "yes":
                yes[slot] += count
            elif answer == "if_need_be":
                maybe[slot] += count
    no = {slot: ballot_count - yes[slot] - maybe[slot] for slot in options}
    keys: dict[str, RankKey] = {slot: (yes[slot], maybe[slot]) for slot in options}
    top = select_top_k(options, keys, 1, tie_break, seed, _answers)
    return MeetingResult(
        options=tuple(options),
        ballots=ballot_count,
        yes=yes,
        if_need_be=maybe,
        no=no,
        places={slot: 1 + sum(1 for o in options if keys[o] > keys[slot]) for slot in options},
        ranking=top.ranking,
        winners=top.winners,
        status=top.status,
        tied=top.tied,
        lot=top.lot,
        tie_reason=top.reason,
    )


def _answers(key: RankKey) -> str:
    yes, maybe = key
    return f"{yes} yes and {maybe} if-need-be answers each"
