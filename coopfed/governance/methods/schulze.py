"""Condorcet winner by the Schulze method (docs/governance.md, rule 11).

Pairwise matrix d[a][b] = ballots ranking a above b; a ranked candidate is above every unranked
one, and two unranked candidates count for neither. Path strength is measured in winning votes
(a link a->b has strength d[a][b] when d[a][b] > d[b][a], else none). a beats b when the
strongest path a->b is stronger than b->a; that relation is transitive, so ordering by the number
of candidates each one beats gives the Schulze ranking. Winners are those beaten by nobody; more
than one is a tie (or a lot, if the caller allows it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from coopfed.governance.methods.approval import LotDraw, Status, TieBreak, draw_lot
from coopfed.governance.methods.errors import check_ranking

METHOD = "schulze@1"

Matrix = Mapping[str, Mapping[str, int]]


@dataclass(frozen=True)
class SchulzeResult:
    candidates: tuple[str, ...]
    ballots: int
    pairwise: Matrix  # d[a][b]
    strongest: Matrix  # p[a][b], strongest path strength
    totals: Mapping[str, int]  # how many candidates each one beats
    ranking: tuple[str, ...]
    winners: tuple[str, ...]
    status: Status
    tied: tuple[str, ...]
    lot: LotDraw | None
    method: str = METHOD
    tie_reason: str | None = None  # not in to_dict: the result record carries it

    def to_dict(self) -> dict[str, object]:
        return {
            "method": self.method,
            "candidates": list(self.candidates),
            "ballots": self.ballots,
            "pairwise": _matrix_dict(self.pairwise, self.candidates),
            "strongest": _matrix_dict(self.strongest, self.candidates),
            "totals": {candidate: self.totals[candidate] for candidate in self.candidates},
            "ranking": list(self.ranking),
            "winners": list(self.winners),
            "status": self.status,
            "tied": list(self.tied),
            "lot": self.lot.to_dict() if self.lot else None,
        }


def _matrix_dict(matrix: Matrix, candidates: Sequence[str]) -> dict[str, dict[str, int]]:
    return {a: {b: matrix[a][b] for b in candidates if b != a} for a in candidates}


def validate_schulze_ballot(
    ranking: Sequence[str], candidates: Sequence[str], *, min_ranked: int = 1
) -> None:
    """Raise InvalidBallot unless the ranking lists known candidates once each."""
    check_ranking(ranking, candidates, min_ranked)


def pairwise_matrix(
    candidates: Sequence[str], ballots: Iterable[tuple[str, ...]]
) -> tuple[dict[str, dict[str, int]], int]:
    """d[a][b] and the number of ballots; identical rankings are counted once per kind."""
    d = {a: dict.fromkeys((b for b in candidates if b != a), 0) for a in candidates}
    kinds = Counter(ballots)
    for ranking, count in kinds.items():
        ranked = set(ranking)
        unranked = [candidate for candidate in candidates if candidate not in ranked]
        for position, above in enumerate(ranking):
            row = d[above]
            for below in (*ranking[position + 1 :], *unranked):
                row[below] += count
    return d, sum(kinds.values())


def strongest_paths(candidates: Sequence[str], d: Matrix) -> dict[str, dict[str, int]]:
    """Floyd–Warshall over winning-votes link strengths."""
    p = {
        a: {b: (d[a][b] if d[a][b] > d[b][a] else 0) for b in candidates if b != a}
        for a in candidates
    }
    for via in candidates:
        for a in candidates:
            if a == via:
                continue
            for b in candidates:
                if b in (a, via):
                    continue
                p[a][b] = max(p[a][b], min(p[a][via], p[via][b]))
    return p


def tally_schulze(
    candidates: Sequence[str],
    ballots: Iterable[tuple[str, ...]],
    *,
    tie_break: TieBreak = "none",
    seed: bytes = b"",
) -> SchulzeResult:
    """Schulze winner and ranking; more than one unbeaten candidate is a tie."""
    d, ballot_count = pairwise_matrix(candidates, ballots)
    p = strongest_paths(candidates, d)
    beats = {a: sum(1 for b in candidates if b != a and p[a][b] > p[b][a]) for a in candidates}
    unbeaten = [a for a in candidates if all(p[a][b] >= p[b][a] for b in candidates if b != a)]
    ranking = sorted(candidates, key=lambda candidate: beats[candidate], reverse=True)
    lot = None
    status: Status = "decided"
    winners: tuple[str, ...] = tuple(unbeaten)
    tied: tuple[str, ...] = ()
    reason = None
    if len(unbeaten) > 1 and tie_break == "none":
        status, winners, tied = "tie", (), tuple(unbeaten)
        reason = _tie_reason(tied, p)
    elif len(unbeaten) > 1:
        lot = draw_lot(unbeaten, seed)
        winners = lot.order[:1]
        ranking = [*lot.order, *(c for c in ranking if c not in unbeaten)]
    else:
        ranking = [*unbeaten, *(c for c in ranking if c not in unbeaten)]
    return SchulzeResult(
        candidates=tuple(candidates),
        ballots=ballot_count,
        pairwise=d,
        strongest=p,
        totals=beats,
        ranking=tuple(ranking),
        winners=winners,
        status=status,
        tied=tied,
        lot=lot,
        tie_reason=reason,
    )


def _tie_reason(tied: Sequence[str], p: Matrix) -> str:
    """Unbeaten candidates have equally strong paths both ways between every two of them."""
    pairs = ", ".join(f"{a}-{b} {p[a][b]}" for i, a in enumerate(tied) for b in tied[i + 1 :])
    return (
        f"{', '.join(tied)} are all unbeaten: between each two of them the strongest paths "
        f"are equally strong both ways (winning votes: {pairs}); tie_break is none"
    )
