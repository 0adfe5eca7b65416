"""Single transferable vote, Scottish rules (docs/governance.md, rule 10; SSI 2007/42 r. 46-52).

- Droop quota: floor(V / (S + 1)) + 1, V = ballots with at least one preference.
- A candidate at or above the quota is elected. The largest surplus is transferred first. The
  transfer value is tv = trunc5(surplus / candidate total), and every paper the candidate holds
  moves on at trunc5(tv * paper value): two truncations to 5 decimals, as the project's rules
  say (GOVERNANCE.md and docs/governance.md, rule 10). SSI 2007/42 rule 48(3) reads as one
  truncation of the exact product, trunc5(surplus * paper value / total); the two differ only
  for papers already worth less than 1 (a surplus of a candidate who holds transferred papers),
  by at most 0.00001 a paper. We follow our rules doc, not the statute, because the result
  record must be recomputable from the published rules alone; the statute is cited for the tie
  rules only. Equal surpluses: the candidate with more votes at the most recent preceding stage
  where they had unequal votes goes first (rule 49(2)), then lot.
- With no surplus left, the lowest continuing candidate is excluded and all their papers move on
  at their current values. Equal lowest: the one with fewer votes at the most recent preceding
  stage where they had unequal votes (rule 51(2)(a)), then lot. With three or more tied, each
  stage back keeps those lowest (highest, for surpluses) until one is left.
- When the continuing candidates are no more than the seats left, they are all elected.
- Candidates with equal votes are listed (and elected together) in name order, so nothing
  depends on the order in which the options are listed.

Values are integers scaled by 100000 (5 decimal places), so all arithmetic is exact. Value lost
to truncation is reported per stage, so totals + non-transferable + lost always equal V.

Without a lot (tie_break "none") a tie that the earlier stages cannot break stops the count with
status "tie", except a tie of candidates holding no votes whose exclusion leaves enough
candidates for the seats: their order cannot change any total, so they are excluded in name
order and marked "order_irrelevant".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from coopfed.governance.methods.approval import LotDraw, Status, TieBreak, draw_lot
from coopfed.governance.methods.errors import check_ranking

METHOD = "stv@1"  # Scottish rules
SCALE = 100_000  # one vote = 1.00000

Action = Literal["first_count", "surplus", "exclusion", "fill_remaining"]
TieBrokenBy = Literal["earlier_stages", "lot", "order_irrelevant"]
# Identical papers: (ranking, position of the candidate holding them, value, how many).
Parcel = tuple[tuple[str, ...], int, int, int]


def value_text(scaled: int) -> str:
    """A scaled value as a fixed 5-decimal string: 499998 -> "4.99998"."""
    return f"{scaled // SCALE}.{scaled % SCALE:05d}"


@dataclass(frozen=True)
class StvStage:
    number: int
    action: Action
    candidate: str | None  # whose surplus moved, or who was excluded
    transfer_value: int | None  # surplus stages: value given to a paper worth 1.00000
    totals: Mapping[str, int]  # every candidate after the stage, scaled
    elected: tuple[str, ...]  # elected at this stage
    non_transferable: int  # exhausted value so far, scaled
    lost_to_rounding: int  # value lost to truncation so far, scaled
    tie_broken_by: TieBrokenBy | None = None
    lot: LotDraw | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "stage": self.number,
            "action": self.action,
            "candidate": self.candidate,
            "excluded": self.candidate if self.action == "exclusion" else None,
            "transfer_value": (
                value_text(self.transfer_value) if self.transfer_value is not None else None
            ),
            "totals": {candidate: value_text(value) for candidate, value in self.totals.items()},
            "elected": list(self.elected),
            "non_transferable": value_text(self.non_transferable),
            "lost_to_rounding": value_text(self.lost_to_rounding),
            "tie_broken_by": self.tie_broken_by,
            "lot": self.lot.to_dict() if self.lot else None,
        }


@dataclass(frozen=True)
class StvResult:
    candidates: tuple[str, ...]
    seats: int
    ballots: int  # V: ballots with at least one preference
    quota: int
    totals: Mapping[str, int]  # first preferences (whole votes)
    stages: tuple[StvStage, ...]
    winners: tuple[str, ...]  # in order of election
    ranking: tuple[str, ...]  # winners, then the rest by last total, then excluded (last first)
    status: Status
    tied: tuple[str, ...]
    lots: tuple[LotDraw, ...]
    note: str | None  # why fewer than `seats` were elected, when that happens
    method: str = METHOD
    # Why the count ended in a tie (None when decided); the result record carries it.
    tie_reason: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "method": self.method,
            "candidates": list(self.candidates),
            "seats": self.seats,
            "ballots": self.ballots,
            "quota": self.quota,
            "totals": {candidate: self.totals[candidate] for candidate in self.candidates},
            "stages": [stage.to_dict() for stage in self.stages],
            "winners": list(self.winners),
            "ranking": list(self.ranking),
            "status": self.status,
            "tied": list(self.tied),
            "lots": [lot.to_dict() for lot in self.lots],
            "note": self.note,
        }


def validate_stv_ballot(
    ranking: Sequence[str], candidates: Sequence[str], *, min_ranked: int = 1
) -> None:
    """Raise InvalidBallot unless the ranking lists known candidates once each."""
    check_ranking(ranking, candidates, min_ranked)


@dataclass
class _Count:
    """Mutable state of one count; only tally_stv and its helpers touch it."""

    seats: int
    quota: int  # scaled
    continuing: list[str]
    totals: dict[str, int]
    piles: dict[str, list[Parcel]]
    elected: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    history: list[dict[str, int]] = field(default_factory=list)
    stages: list[StvStage] = field(default_factory=list)
    lots: list[LotDraw] = field(default_factory=list)
    non_transferable: int = 0
    lost_to_rounding: int = 0


def _move(state: _Count, parcel: Parcel, value: int) -> None:
    """Give a parcel, now worth `value` per paper, to its next continuing preference."""
    ranking, position, _, count = parcel
    still_in = state.continuing
    nxt = position + 1
    while nxt < len(ranking) and ranking[nxt] not in still_in:
        nxt += 1
    if nxt == len(ranking):
        state.non_transferable += value * count
        return
    state.piles[ranking[nxt]].append((ranking, nxt, value, count))
    state.totals[ranking[nxt]] += value * count


def _elect_at_quota(state: _Count) -> tuple[str, ...]:
    reached = [c for c in state.continuing if state.totals[c] >= state.quota]
    reached.sort(key=lambda candidate: (-state.totals[candidate], candidate))
    for candidate in reached:
        state.continuing.remove(candidate)
        state.elected.append(candidate)
    return tuple(reached)


def _record(
    state: _Count,
    action: Action,
    candidate: str | None = None,
    transfer_value: int | None = None,
    tie: tuple[TieBrokenBy | None, LotDraw | None] = (None, None),
) -> None:
    if action == "fill_remaining":
        elected = tuple(sorted(state.continuing, key=lambda c: (-state.totals[c], c)))
        state.elected.extend(elected)
        state.continuing.clear()
    else:
        elected = _elect_at_quota(state)
    totals = dict(state.totals)
    state.history.append(totals)
    number = len(state.stages) + 1
    state.stages.append(
        StvStage(
            number,
            action,
            candidate,
            transfer_value,
            totals,
            elected,
            state.non_transferable,
            state.lost_to_rounding,
            *tie,
        )
    )
    if tie[1] is not None:
        state.lots.append(tie[1])


def _transfer_surplus(
    state: _Count, candidate: str, tie: tuple[TieBrokenBy | None, LotDraw | None]
) -> None:
    total = state.totals[candidate]
    surplus = total - state.quota
    transfer_value = surplus * SCALE // total  # trunc5(surplus / total)
    moved = 0
    for parcel in state.piles.pop(candidate):
        # Rule 10: trunc5(transfer value * the paper's current value), a second truncation
        # (not the statute's single one, see the module docstring).
        value = transfer_value * parcel[2] // SCALE
        moved += value * parcel[3]
        _move(state, parcel, value)
    state.lost_to_rounding += surplus - moved
    state.totals[candidate] = state.quota
    _record(state, "surplus", candidate, transfer_value, tie)


def _exclude(state: _Count, candidate: str, tie: tuple[TieBrokenBy | None, LotDraw | None]) -> None:
    state.continuing.remove(candidate)
    state.excluded.append(candidate)
    for parcel in state.piles.pop(candidate):
        _move(state, parcel, parcel[2])
    state.totals[candidate] = 0
    _record(state, "exclusion", candidate, None, tie)


def _break_tie(
    tied: list[str], state: _Count, prefer_high: bool, tie_break: TieBreak, seed: bytes
) -> tuple[str | None, TieBrokenBy | None, LotDraw | None, list[str]]:
    """Pick one of `tied`: (chosen or None if unresolved, how, lot, still tied)."""
    if len(tied) == 1:
        return tied[0], None, None, tied
    remaining = tied
    for totals in reversed(state.history):  # the most recent stage first
        values = [totals[candidate] for candidate in remaining]
        target = max(values) if prefer_high else min(values)
        remaining = [candidate for candidate in remaining if totals[candidate] == target]
        if len(remaining) == 1:
            return remaining[0], "earlier_stages", None, remaining
    if tie_break == "lot":
        lot = draw_lot(remaining, seed)
        return (lot.order[0] if prefer_high else lot.order[-1]), "lot", lot, remaining
    # Candidates with no votes receive nothing while they wait, so excluding them one by one in
    # any order ends the same, as long as enough candidates remain that none is elected by
    # default (rule 52) in between.
    continuing_after = len(state.continuing) - len(remaining)
    empty = all(state.totals[candidate] == 0 for candidate in remaining)
    if not prefer_high and empty and continuing_after >= _seats_left(state):
        return min(remaining), "order_irrelevant", None, remaining
    return None, None, None, remaining


def _seats_left(state: _Count) -> int:
    return state.seats - len(state.elected)


def _first_count(
    candidates: Sequence[str], ballots: Iterable[tuple[str, ...]], seats: int
) -> _Count:
    kinds = Counter(ranking for ranking in ballots if ranking)
    valid = sum(kinds.values())
    state = _Count(
        seats=seats,
        quota=(valid // (seats + 1) + 1) * SCALE,
        continuing=list(candidates),
        totals=dict.fromkeys(candidates, 0),
        piles={candidate: [] for candidate in candidates},
    )
    for ranking, count in kinds.items():
        state.piles[ranking[0]].append((ranking, 0, SCALE, count))
        state.totals[ranking[0]] += SCALE * count
    return state


Tie = tuple[Literal["surplus", "exclusion"], list[str]]  # an unbreakable tie: for what, who


def _next_step(state: _Count, tie_break: TieBreak, seed: bytes) -> Tie | None:
    """Run one stage after the first; return an unbreakable tie, if any."""
    with_surplus = [c for c in state.elected if state.totals[c] > state.quota]
    if with_surplus:
        largest = max(state.totals[c] for c in with_surplus)
        tied = [c for c in with_surplus if state.totals[c] == largest]
        chosen, how, lot, still_tied = _break_tie(tied, state, True, tie_break, seed)
        if chosen is None:
            return "surplus", still_tied
        _transfer_surplus(state, chosen, (how, lot))
        return None
    least = min(state.totals[c] for c in state.continuing)
    tied = [c for c in state.continuing if state.totals[c] == least]
    chosen, how, lot, still_tied = _break_tie(tied, state, False, tie_break, seed)
    if chosen is None:
        return "exclusion", still_tied
    _exclude(state, chosen, (how, lot))
    return None


def tally_stv(
    candidates: Sequence[str],
    ballots: Iterable[tuple[str, ...]],
    seats: int,
    *,
    tie_break: TieBreak = "none",
    seed: bytes = b"",
) -> StvResult:
    """Count stage by stage until every seat is filled (or a tie stops the count)."""
    if seats < 1:
        raise ValueError("STV needs at least one seat")
    state = _first_count(candidates, ballots, seats)
    first_preferences = {c: state.totals[c] // SCALE for c in candidates}
    _record(state, "first_count")
    tie: Tie | None = None
    while _seats_left(state) > 0 and tie is None:
        if len(state.continuing) <= _seats_left(state):
            _record(state, "fill_remaining")
            break
        tie = _next_step(state, tie_break, seed)
    return _result(state, candidates, first_preferences, tie)


def _tie_reason(state: _Count, tie: Tie) -> str:
    kind, tied = tie
    what = "the largest surplus" if kind == "surplus" else "exclusion"
    left = _seats_left(state)
    seats = "1 seat stays" if left == 1 else f"{left} seats stay"
    return (
        f"tie between {', '.join(sorted(tied))} at stage {len(state.stages) + 1} for {what}: "
        f"{value_text(state.totals[tied[0]])} votes each, and equal at every earlier stage; "
        f"tie_break is none, so {seats} undecided"
    )


def _result(
    state: _Count,
    candidates: Sequence[str],
    first_preferences: dict[str, int],
    tie: Tie | None,
) -> StvResult:
    note = None
    reason = None if tie is None else _tie_reason(state, tie)
    if len(candidates) < state.seats:
        note = (
            f"{state.seats} seats but only {len(candidates)} candidates: "
            f"{state.seats - len(candidates)} seats stay empty"
        )
    elif reason is not None:
        note = reason
    tied = [] if tie is None else sorted(tie[1])
    last = state.totals
    rest = sorted(state.continuing, key=lambda candidate: (-last[candidate], candidate))
    return StvResult(
        candidates=tuple(candidates),
        seats=state.seats,
        ballots=sum(first_preferences.values()),
        quota=state.quota // SCALE,
        totals=first_preferences,
        stages=tuple(state.stages),
        winners=tuple(state.elected),
        ranking=(*state.elected, *rest, *reversed(state.excluded)),
        status="tie" if tied else "decided",
        tied=tuple(tied),
        lots=tuple(state.lots),
        note=note,
        tie_reason=reason,
    )
