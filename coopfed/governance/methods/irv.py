"""Instant runoff, single winner, partial ballots allowed (docs/governance.md, rule 9).

Each round every continuing ballot counts for its highest continuing choice; ballots with none
are exhausted and leave the denominator. A candidate wins with `2 * votes > active ballots`, or
as the last one continuing. Otherwise the lowest is eliminated, one candidate at a time; a tie for
lowest is broken by the previous rounds' counts (most recent first), then by lot if the caller
allows it (seed recorded). If every continuing candidate has the same count nobody can be
eliminated fairly: status "tie", or with tie_break "lot" the winner is drawn.

Without a lot, a tie for lowest that the earlier rounds cannot break is decided only if every
order of eliminating the tied candidates leads to the same end; then they are eliminated in name
order and marked "order_irrelevant". Otherwise the count stops with status "tie" naming them.
Two cheap proofs settle most such ties (`_order_cannot_matter`, `_sure_winner`); the rest are
counted out order by order (`_Orders`, each order with its own rounds, since later tie-breaks
read them), within a bounded amount of work (MAX_ORDER_WORK) past which the tie stands.
Nothing depends on the order in which the options are listed: equal candidates are always
taken in name order.

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
# How a count ends: ("won", (winner,)) or ("tie", tied candidates in name order).
End = tuple[Literal["won", "tie"], tuple[str, ...]]

# Checking every elimination order can take exponential time (deciding whether some order elects
# a given candidate is NP-hard). The check counts its work, ballot groups and candidates (at
# WORK_PER_CANDIDATE each) of every alternative count it starts, and past MAX_ORDER_WORK gives
# up: the tie stands, a winner is never declared unchecked. A count, not a clock, so every node
# gives up at the same point (about a second of work).
MAX_ORDER_WORK = 1_000_000
WORK_PER_CANDIDATE = 20


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
    # Winner first, then those still in at the end by their last count (equal counts in name
    # order), then the eliminated, last eliminated first.
    ranking: tuple[str, ...]
    winners: tuple[str, ...]
    status: Status
    tied: tuple[str, ...]  # name order
    lots: tuple[LotDraw, ...]
    method: str = METHOD
    # Why the count ended in a tie (None when decided); the result record carries it.
    tie_reason: str | None = None

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
    """Mutable state of one count; only this module touches it.

    `standing` sums up the earlier rounds for the tie-break: a lower standing means fewer votes
    at the most recent earlier round where two candidates differed (dense ranks over the
    continuing candidates, all 0 before the first elimination). It is all the tie-break ever
    reads of the past, so two counts with the same continuing candidates and standings go on
    identically, whichever path led to them.
    """

    continuing: list[str]  # proposal order
    votes: dict[str, int]
    piles: dict[str, Pile]
    exhausted: int
    standing: dict[str, int]

    def copy(self) -> _Count:
        piles = {candidate: list(pile) for candidate, pile in self.piles.items()}
        return _Count(
            list(self.continuing), dict(self.votes), piles, self.exhausted, dict(self.standing)
        )

    def key(self) -> tuple[tuple[str, int], ...]:
        return tuple(sorted(self.standing.items()))

    def size(self) -> int:
        return sum(len(pile) for pile in self.piles.values())

    def counts(self) -> dict[str, int]:
        return {candidate: self.votes[candidate] for candidate in self.continuing}


def _first_count(candidates: Sequence[str], ballots: Iterable[tuple[str, ...]]) -> _Count:
    state = _Count(
        continuing=list(candidates),
        votes=dict.fromkeys(candidates, 0),
        piles={candidate: [] for candidate in candidates},
        exhausted=0,
        standing=dict.fromkeys(candidates, 0),
    )
    for ranking, count in Counter(ballots).items():
        if not ranking:
            state.exhausted += count
            continue
        state.piles[ranking[0]].append((ranking, 0, count))
        state.votes[ranking[0]] += count
    return state


def _eliminate(state: _Count, counts: Mapping[str, int], loser: str) -> None:
    """End the round with `counts`: it joins the standings, the loser's ballots move on to
    their next continuing choice, or to the exhausted heap."""
    state.continuing.remove(loser)
    levels = sorted({(counts[c], state.standing[c]) for c in state.continuing})
    place = {level: index for index, level in enumerate(levels)}
    state.standing = {c: place[(counts[c], state.standing[c])] for c in state.continuing}
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


def _leader(state: _Count, counts: Mapping[str, int]) -> str | None:
    """The winner of this round, if any: a majority of active ballots, or the last one in."""
    if len(counts) == 1:
        return state.continuing[0]
    active = sum(counts.values())
    for candidate, votes in counts.items():
        if 2 * votes > active:
            return candidate
    return None


def _lowest(state: _Count, counts: Mapping[str, int]) -> tuple[list[str], list[str]]:
    """(tied for lowest, those of them the earlier rounds cannot separate)."""
    least = min(counts.values())
    lowest = [candidate for candidate in state.continuing if counts[candidate] == least]
    worst = min(state.standing[candidate] for candidate in lowest)
    return lowest, [candidate for candidate in lowest if state.standing[candidate] == worst]


def _order_cannot_matter(state: _Count, tied: Sequence[str]) -> bool:
    """True when the order of eliminating the tied candidates provably cannot change the end.

    That holds when no ballot of a tied candidate moves on to another tied one, and no two
    candidates who receive ballots from them end up level. Then each tied candidate keeps its
    count, so the earlier rounds never separate them: they go one after the other, and the
    ballots end up with the same candidates in every order. A majority reached on the way is
    kept (it only grows), so it is the same winner. The order only shows in the counts of the
    rounds in between, which a later tie-break reads only between candidates level after all
    the tied ones are gone; a receiver level with a non-receiver had fewer votes in every
    round in between, whatever the order, and two non-receivers never moved. Level receivers
    do no harm either when the count ends (a majority, or all level) as soon as the tied ones
    are gone. Zero-vote candidates, and those whose ballots would all be exhausted, are the
    common case.
    """
    group = set(tied)
    others = set(state.continuing) - group
    received: Counter[str] = Counter()
    for candidate in tied:
        for ranking, position, count in state.piles[candidate]:
            for choice in ranking[position + 1 :]:
                if choice in others:
                    received[choice] += count
                    break
                if choice in group:
                    return False
    ends = {candidate: state.votes[candidate] + received[candidate] for candidate in others}
    receivers = [ends[candidate] for candidate in received]
    if len(set(receivers)) == len(receivers):
        return True
    # Level receivers: harmless if the count ends as soon as the tied ones are gone.
    active = sum(ends.values())
    return len(set(ends.values())) == 1 or any(2 * votes > active for votes in ends.values())


def _sure_winner(state: _Count, counts: Mapping[str, int]) -> str | None:
    """A candidate with more votes than any other could ever reach wins in every order.

    A candidate's votes never exceed the ballots that still rank it (at or after where they
    sit), so such a leader is never lowest, nobody else can get a majority, and the count
    ends with the leader.
    """
    leader = max(counts.values())
    reach: Counter[str] = Counter()
    for pile in state.piles.values():
        for ranking, position, count in pile:
            for choice in ranking[position:]:
                if choice in counts:
                    reach[choice] += count
    leaders = [c for c in counts if counts[c] == leader]
    if len(leaders) == 1 and all(reach[c] < leader for c in counts if c != leaders[0]):
        return leaders[0]
    return None


class _TooManyOrders(Exception):
    """The order check went past MAX_ORDER_WORK."""


class _Orders:
    """How the count ends without a lot, trying every order of every unbreakable tie.

    A tie whose orders all end the same is settled (that end); a tie whose orders end
    differently is itself the end: ("tie", the tied candidates). Ends are memoised by
    continuing candidates and standings.
    """

    def __init__(self) -> None:
        self.ends: dict[tuple[tuple[str, int], ...], End] = {}
        self.work = 0

    def end(self, state: _Count) -> End:
        """The end of the count from `state` (which this consumes)."""
        seen: list[tuple[tuple[str, int], ...]] = []
        while True:
            key = state.key()
            if key in self.ends:
                end = self.ends[key]
                break
            seen.append(key)
            counts = state.counts()
            leader = _leader(state, counts)
            if leader is not None:
                end = ("won", (leader,))
                break
            if len(set(counts.values())) == 1:
                end = ("tie", tuple(sorted(state.continuing)))
                break
            _, tied = _lowest(state, counts)
            if len(tied) == 1 or _order_cannot_matter(state, tied):
                _eliminate(state, counts, min(tied))
                continue
            winner = self.sure_winner(state, counts)
            if winner is not None:
                end = ("won", (winner,))
                break
            end = self._common_end(state, counts, tied)
            break
        for key in seen:
            self.ends[key] = end
        return end

    def _common_end(self, state: _Count, counts: Mapping[str, int], tied: list[str]) -> End:
        first: End | None = None
        for candidate in sorted(tied):
            end = self.end(self.without(state, counts, candidate))
            if first is None:
                first = end
            elif end != first:
                return ("tie", tuple(sorted(tied)))
        assert first is not None
        return first

    def spend(self, state: _Count) -> None:
        self.work += state.size() + WORK_PER_CANDIDATE * len(state.continuing)
        if self.work > MAX_ORDER_WORK:
            raise _TooManyOrders

    def each_order(
        self, state: _Count, counts: Mapping[str, int], tied: list[str]
    ) -> dict[str, End]:
        """The end after eliminating each tied candidate first (name order)."""
        return {c: self.end(self.without(state, counts, c)) for c in sorted(tied)}

    def sure_winner(self, state: _Count, counts: Mapping[str, int]) -> str | None:
        self.spend(state)
        return _sure_winner(state, counts)

    def without(self, state: _Count, counts: Mapping[str, int], candidate: str) -> _Count:
        self.spend(state)
        branch = state.copy()
        _eliminate(branch, counts, candidate)
        return branch


def _names(candidates: Iterable[str]) -> str:
    return ", ".join(candidates)


def _votes(count: int) -> str:
    return f"{count} vote" if count == 1 else f"{count} votes"


def _end_text(end: End) -> str:
    kind, names = end
    return f"elects {names[0]}" if kind == "won" else f"ends in a tie of {_names(names)}"


def _orders_reason(number: int, votes: int, ends: Mapping[str, End]) -> str:
    tied = _names(ends)
    orders = "; ".join(f"eliminating {c} first {_end_text(end)}" for c, end in ends.items())
    return (
        f"{tied} tie for lowest in round {number} with {_votes(votes)} each and equal counts in "
        f"every earlier round; the order of their elimination decides the result ({orders}); "
        "tie_break is none"
    )


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
    orders = _Orders()
    rounds: list[IrvRound] = []
    eliminated: list[str] = []
    winners: tuple[str, ...] = ()
    status: Status = "decided"
    tied: tuple[str, ...] = ()
    reason: str | None = None
    lots: list[LotDraw] = []
    while state.continuing:
        counts = state.counts()
        active = sum(counts.values())
        number = len(rounds) + 1
        leader = _leader(state, counts)
        if leader is not None:
            rounds.append(IrvRound(number, counts, active, state.exhausted, None, None, None))
            winners = (leader,)
            break
        if len(set(counts.values())) == 1:
            lot = draw_lot(state.continuing, seed) if tie_break == "lot" else None
            rounds.append(IrvRound(number, counts, active, state.exhausted, None, None, lot))
            if lot is None:
                status, tied = "tie", tuple(sorted(state.continuing))
                votes = counts[tied[0]]
                reason = (
                    f"{_names(tied)}, the only candidates left, all have {_votes(votes)} in "
                    f"round {number}; tie_break is none"
                )
            else:
                lots.append(lot)
                winners = (lot.order[0],)
            break
        lowest, still_tied = _lowest(state, counts)
        loser: str | None = min(still_tied)
        how: TieBrokenBy | None = None
        lot = None
        if len(still_tied) < len(lowest):
            how = "previous_rounds"
        if len(still_tied) > 1:
            if tie_break == "lot":
                lot = draw_lot(still_tied, seed)
                loser, how = lot.order[-1], "lot"
                lots.append(lot)
            elif _order_cannot_matter(state, still_tied):
                how = "order_irrelevant"
            else:
                loser, how, reason = _settle(orders, state, counts, still_tied, number)
        rounds.append(IrvRound(number, counts, active, state.exhausted, loser, how, lot))
        if loser is None:
            status, tied = "tie", tuple(sorted(still_tied))
            break
        eliminated.append(loser)
        _eliminate(state, counts, loser)
    final_counts = rounds[-1].counts if rounds else {}
    still_in = sorted(final_counts, key=lambda candidate: (-final_counts[candidate], candidate))
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
        tied=tied,
        lots=tuple(lots),
        tie_reason=reason,
    )


def _settle(
    orders: _Orders, state: _Count, counts: Mapping[str, int], tied: list[str], number: int
) -> tuple[str | None, TieBrokenBy | None, str | None]:
    """An unbreakable tie for lowest without a lot: (loser, how, reason if it stays a tie)."""
    try:
        if orders.sure_winner(state, counts) is not None:
            return min(tied), "order_irrelevant", None
        ends = orders.each_order(state, counts, tied)
    except _TooManyOrders:
        return (
            None,
            None,
            f"{_names(sorted(tied))} tie for lowest in round {number} with equal counts in "
            f"every earlier round, and there are too many orders of elimination to check "
            f"that all of them lead to the same result; tie_break is none",
        )
    if len(set(ends.values())) == 1:
        return min(tied), "order_irrelevant", None
    return None, None, _orders_reason(number, counts[tied[0]], ends)
