"""Instant runoff, single winner, partial ballots allowed (docs/governance.md, rule 9).

Each round every continuing ballot counts for its highest continuing choice; ballots with none
are exhausted and leave the denominator. A candidate wins with `2 * votes > active ballots`, or
as the last one continuing. Otherwise the lowest is eliminated; a tie for lowest is broken by the
previous rounds' counts (most recent first), then by lot if the caller allows it (seed
recorded). Without a lot, a tie that cannot change the winner is eliminated in proposal order and
marked "order_irrelevant" (see _order_is_irrelevant); any other tie stops the count with status
"tie". If every continuing candidate has the same count nobody can be eliminated fairly: status
"tie", or with tie_break "lot" the winner is drawn.

Identical rankings are grouped and kept in piles per candidate, so an elimination only touches
the ballots of the eliminated candidate.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from coopfed.governance.methods.approval import LotDraw, Status, TieBreak, draw_lot
from coopfed.governance.methods.errors import check_ranking

METHOD = "irv@1"

TieBrokenBy = Literal["previous_rounds", "lot", "order_irrelevant"]
# A group of identical ballots sitting with the candidate at `position` of its ranking.
Pile = list[tuple[tuple[str, ...], int, int]]


@dataclass(frozen=True)
class IrvRound:
    number: int
    counts: Mapping[str, int]  # continuing candidates only, in proposal order
    active: int  # ballots counting for a continuing candidate
    exhausted: int  # ballots exhausted so far
    eliminated: str | None
    tie_broken_by: TieBrokenBy | None
    lot: LotDraw | None

    def to_dict(self) -> dict[str, object]:
        return {
            "round": self.number,
            "counts": dict(self.counts),
            "active": self.active,
            "exhausted": self.exhausted,
            "eliminated": self.eliminated,
            "tie_broken_by": self.tie_broken_by,
            "lot": self.lot.to_dict() if self.lot else None,
        }


@dataclass(frozen=True)
class IrvResult:
    candidates: tuple[str, ...]
    ballots: int
    totals: Mapping[str, int]  # first preferences
    rounds: tuple[IrvRound, ...]
    # Winner first, then those still in at the end by their last count, then the eliminated,
    # last eliminated first.
    ranking: tuple[str, ...]
    winners: tuple[str, ...]
    status: Status
    tied: tuple[str, ...]
    lots: tuple[LotDraw, ...]
    method: str = METHOD

    def to_dict(self) -> dict[str, object]:
        return {
            "method": self.method,
            "candidates": list(self.candidates),
            "ballots": self.ballots,
            "totals": {candidate: self.totals[candidate] for candidate in self.candidates},
            "rounds": [round_.to_dict() for round_ in self.rounds],
            "ranking": list(self.ranking),
            "winners": list(self.winners),
            "status": self.status,
            "tied": list(self.tied),
            "lots": [lot.to_dict() for lot in self.lots],
        }


def validate_irv_ballot(
    ranking: Sequence[str], candidates: Sequence[str], *, min_ranked: int = 1
) -> None:
    """Raise InvalidBallot unless the ranking lists known candidates once each."""
    check_ranking(ranking, candidates, min_ranked)


@dataclass
class _Count:
    """Mutable state of one count; only tally_irv and its helpers touch it."""

    continuing: list[str]
    votes: dict[str, int]
    piles: dict[str, Pile]
    exhausted: int


def _first_count(candidates: Sequence[str], ballots: Iterable[tuple[str, ...]]) -> _Count:
    state = _Count(list(candidates), dict.fromkeys(candidates, 0), {c: [] for c in candidates}, 0)
    for ranking, count in Counter(ballots).items():
        if not ranking:
            state.exhausted += count
            continue
        state.piles[ranking[0]].append((ranking, 0, count))
        state.votes[ranking[0]] += count
    return state


def _eliminate(state: _Count, loser: str) -> None:
    """Move the loser's ballots to their next continuing choice, or to the exhausted heap."""
    state.continuing.remove(loser)
    still_in = set(state.continuing)
    for ranking, position, count in state.piles.pop(loser):
        nxt = position + 1
        while nxt < len(ranking) and ranking[nxt] not in still_in:
            nxt += 1
        if nxt == len(ranking):
            state.exhausted += count
            continue
        state.piles[ranking[nxt]].append((ranking, nxt, count))
        state.votes[ranking[nxt]] += count
    del state.votes[loser]


def _order_is_irrelevant(tied: list[str], counts: Mapping[str, int]) -> bool:
    """True when the tied candidates together hold fewer votes than anyone else continuing.

    Then each of them stays last until all are gone, whatever the order, and the ballots end up
    with the same candidates; a majority once reached is kept as others go, so the winner is the
    same for every order.
    """
    others = [votes for candidate, votes in counts.items() if candidate not in tied]
    return bool(others) and sum(counts[candidate] for candidate in tied) < min(others)


def _pick_loser(
    lowest: list[str],
    counts: Mapping[str, int],
    history: list[dict[str, int]],
    tie_break: TieBreak,
    seed: bytes,
) -> tuple[str | None, TieBrokenBy | None, LotDraw | None, list[str]]:
    """Who of the lowest goes: (loser or None if unresolved, how, lot, still tied)."""
    if len(lowest) == 1:
        return lowest[0], None, None, lowest
    remaining = lowest
    for earlier in reversed(history):
        least = min(earlier[candidate] for candidate in remaining)
        remaining = [candidate for candidate in remaining if earlier[candidate] == least]
        if len(remaining) == 1:
            return remaining[0], "previous_rounds", None, remaining
    if tie_break == "lot":
        lot = draw_lot(remaining, seed)
        return lot.order[-1], "lot", lot, remaining
    if _order_is_irrelevant(remaining, counts):
        return remaining[0], "order_irrelevant", None, remaining
    return None, None, None, remaining


def tally_irv(
    candidates: Sequence[str],
    ballots: Iterable[tuple[str, ...]],
    *,
    tie_break: TieBreak = "none",
    seed: bytes = b"",
) -> IrvResult:
    """Count rounds until a majority of active ballots, one candidate left, or a tie."""
    state = _first_count(candidates, ballots)
    ballot_count = sum(state.votes.values()) + state.exhausted
    history: list[dict[str, int]] = []
    rounds: list[IrvRound] = []
    eliminated: list[str] = []
    winners: tuple[str, ...] = ()
    status: Status = "decided"
    tied: list[str] = []
    lots: list[LotDraw] = []
    while state.continuing:
        counts = {candidate: state.votes[candidate] for candidate in state.continuing}
        active = sum(counts.values())
        number = len(rounds) + 1
        leader = max(state.continuing, key=lambda candidate: counts[candidate])
        if len(counts) == 1 or 2 * counts[leader] > active:
            rounds.append(IrvRound(number, counts, active, state.exhausted, None, None, None))
            winners = (leader,)
            break
        if len(set(counts.values())) == 1:
            lot = draw_lot(state.continuing, seed) if tie_break == "lot" else None
            rounds.append(IrvRound(number, counts, active, state.exhausted, None, None, lot))
            if lot is None:
                status, tied = "tie", list(state.continuing)
            else:
                lots.append(lot)
                winners = (lot.order[0],)
            break
        least = min(counts.values())
        lowest = [candidate for candidate in state.continuing if counts[candidate] == least]
        loser, how, lot, still_tied = _pick_loser(lowest, counts, history, tie_break, seed)
        rounds.append(IrvRound(number, counts, active, state.exhausted, loser, how, lot))
        if lot is not None:
            lots.append(lot)
        if loser is None:
            status, tied = "tie", still_tied
            break
        history.append(counts)
        eliminated.append(loser)
        _eliminate(state, loser)
    final_counts = rounds[-1].counts if rounds else {}
    still_in = sorted(final_counts, key=lambda candidate: final_counts[candidate], reverse=True)
    if winners:
        still_in = [winners[0], *(c for c in still_in if c != winners[0])]
    return IrvResult(
        candidates=tuple(candidates),
        ballots=ballot_count,
        totals=rounds[0].counts if rounds else {},
        rounds=tuple(rounds),
        ranking=(*still_in, *reversed(eliminated)),
        winners=winners,
        status=status,
        tied=tuple(tied),
        lots=tuple(lots),
    )
