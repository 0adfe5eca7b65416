"""Choose / approval (docs/governance.md, rule 5), and the top-k cut and lot methods share.

The lot and the top-k cut live here because rule 5 is where docs/governance.md defines them; score,
dots and Borda pick their winners the same way and import them from this module.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from coopfed.governance.methods.errors import InvalidBallot

METHOD = "approval@1"

TieBreak = Literal["none", "lot"]
Status = Literal["decided", "tie"]
# Sort keys for the top-k cut: compared as tuples, higher is better.
RankKey = tuple[int | Fraction, ...]


def fraction_text(value: Fraction) -> str:
    """Always "p/q" (also "2/1"), so readers parse one form."""
    return f"{value.numerator}/{value.denominator}"


@dataclass(frozen=True)
class LotDraw:
    """A published lot: who was tied, the seed, and the order it drew (first = favoured)."""

    seed_hex: str
    among: tuple[str, ...]
    order: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {"seed": self.seed_hex, "among": list(self.among), "order": list(self.order)}


def draw_lot(names: Iterable[str], seed: bytes) -> LotDraw:
    """Order names by sha256(seed || name): anyone with the seed can redo the draw.

    The name breaks a (practically impossible) digest collision so the order is always total.
    """
    among = tuple(sorted(set(names)))
    order = sorted(among, key=lambda name: (hashlib.sha256(seed + name.encode()).digest(), name))
    return LotDraw(seed_hex=seed.hex(), among=among, order=tuple(order))


@dataclass(frozen=True)
class TopK:
    """Outcome of cutting a ranked list after k: winners, or the options tied at the cut."""

    ranking: tuple[str, ...]
    winners: tuple[str, ...]
    status: Status
    tied: tuple[str, ...]
    lot: LotDraw | None
    reason: str | None = None  # with status "tie": who is tied, for what, on what


def _equal_results(key: RankKey) -> str:
    return "equal results"


def count_text(count: int, unit: str) -> str:
    """count_text(1, "approval") -> "1 approval"; count_text(2, "approval") -> "2 approvals"."""
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


def select_top_k(
    options: Sequence[str],
    keys: Mapping[str, RankKey],
    k: int,
    tie_break: TieBreak,
    seed: bytes,
    measure: Callable[[RankKey], str] = _equal_results,
) -> TopK:
    """Rank options by key (highest first) and take k; equal keys across the cut are a tie.

    Equal keys keep the proposal's option order in `ranking`; that order means nothing, which is
    why a tie that decides who wins is reported (or drawn by lot), never settled by it.
    With status "tie", `winners` holds only the options certainly in (strictly above the cut),
    and `reason` says why, describing the tied key with `measure` ("2 approvals each").
    """
    ranking = sorted(options, key=lambda option: keys[option], reverse=True)
    if k <= 0 or k >= len(ranking) or keys[ranking[k]] != keys[ranking[k - 1]]:
        return TopK(tuple(ranking), tuple(ranking[:k]), "decided", (), None)
    cut_key = keys[ranking[k - 1]]
    above = [option for option in ranking if keys[option] > cut_key]
    group = [option for option in ranking if keys[option] == cut_key]
    below = [option for option in ranking if keys[option] < cut_key]
    if tie_break == "none":
        places = "the winning place" if k == 1 else f"{k - len(above)} of {k} places"
        reason = (
            f"{', '.join(group)} are tied for {places} with {measure(cut_key)}; tie_break is none"
        )
        return TopK(tuple(ranking), tuple(above), "tie", tuple(group), None, reason)
    lot = draw_lot(group, seed)
    drawn = [*above, *lot.order, *below]
    return TopK(tuple(drawn), tuple(drawn[:k]), "decided", (), lot)


@dataclass(frozen=True)
class TotalsResult:
    """A top-k result over integer totals (dots, Borda): the shape both methods publish."""

    method: str
    options: tuple[str, ...]
    ballots: int
    totals: Mapping[str, int]
    ranking: tuple[str, ...]
    winners: tuple[str, ...]
    status: Status
    tied: tuple[str, ...]
    lot: LotDraw | None
    tie_reason: str | None = None  # not in to_dict: the result record carries it

    def to_dict(self) -> dict[str, object]:
        return {
            "method": self.method,
            "options": list(self.options),
            "ballots": self.ballots,
            "totals": {option: self.totals[option] for option in self.options},
            "ranking": list(self.ranking),
            "winners": list(self.winners),
            "status": self.status,
            "tied": list(self.tied),
            "lot": self.lot.to_dict() if self.lot else None,
        }


def totals_result(
    method: str, options: Sequence[str], ballots: int, totals: Mapping[str, int], top: TopK
) -> TotalsResult:
    return TotalsResult(
        method=method,
        options=tuple(options),
        ballots=ballots,
        totals=totals,
        ranking=top.ranking,
        winners=top.winners,
        status=top.status,
        tied=top.tied,
        lot=top.lot,
        tie_reason=top.reason,
    )


@dataclass(frozen=True)
class ApprovalResult:
    options: tuple[str, ...]
    ballots: int
    totals: Mapping[str, int]
    ranking: tuple[str, ...]
    winners: tuple[str, ...]
    status: Status
    tied: tuple[str, ...]
    lot: LotDraw | None
    require_majority: bool
    # With require_majority: options approved by no more than half of the ballots (cannot win).
    below_majority: tuple[str, ...]
    method: str = METHOD
    tie_reason: str | None = None  # not in to_dict: the result record carries it

    def to_dict(self) -> dict[str, object]:
        return {
            "method": self.method,
            "options": list(self.options),
            "ballots": self.ballots,
            "totals": {option: self.totals[option] for option in self.options},
            "ranking": list(self.ranking),
            "winners": list(self.winners),
            "status": self.status,
            "tied": list(self.tied),
            "lot": self.lot.to_dict() if self.lot else None,
            "require_majority": self.require_majority,
            "below_majority": list(self.below_majority),
        }


def validate_approval_ballot(
    ballot: frozenset[str],
    options: Sequence[str],
    min_choices: int = 1,
    max_choices: int | None = None,
) -> None:
    """Raise InvalidBallot unless the ballot picks known options, min <= |S| <= max."""
    unknown = sorted(ballot - set(options))
    if unknown:
        raise InvalidBallot(f"ballot picks {', '.join(map(repr, unknown))}, not an option")
    upper = len(options) if max_choices is None else max_choices
    if len(ballot) < min_choices:
        raise InvalidBallot(f"ballot picks {len(ballot)} options, at least {min_choices} needed")
    if len(ballot) > upper:
        raise InvalidBallot(f"ballot picks {len(ballot)} options, at most {upper} allowed")


def tally_approval(
    options: Sequence[str],
    ballots: Iterable[frozenset[str]],
    k: int = 1,
    *,
    require_majority: bool = False,
    tie_break: TieBreak = "none",
    seed: bytes = b"",
) -> ApprovalResult:
    """Score = ballots containing the option; winners are the top k.

    With require_majority an option wins only if more than half of the ballots approve it, so
    fewer than k may win. Ballots are assumed valid (see validate_approval_ballot).
    """
    # Identical ballots are counted once each kind: 100,000 ballots usually hold few kinds.
    kinds = Counter(ballots)
    ballot_count = sum(kinds.values())
    totals = dict.fromkeys(options, 0)
    for picked, count in kinds.items():
        for option in picked:
            totals[option] += count
    keys: dict[str, RankKey] = {option: (totals[option],) for option in options}
    if not require_majority:
        top = select_top_k(options, keys, k, tie_break, seed, _approvals)
        return _approval_result(options, ballot_count, totals, top, False, ())
    has_majority = [option for option in options if 2 * totals[option] > ballot_count]
    top = select_top_k(has_majority, keys, min(k, len(has_majority)), tie_break, seed, _approvals)
    # Every option with a majority has a higher total than every option without one, so the
    # options lacking a majority simply follow in the full ranking.
    lacking = [option for option in options if option not in has_majority]
    lacking.sort(key=lambda option: keys[option], reverse=True)
    ranked = TopK((*top.ranking, *lacking), top.winners, top.status, top.tied, top.lot, top.reason)
    return _approval_result(options, ballot_count, totals, ranked, True, tuple(lacking))


def _approval_result(
    options: Sequence[str],
    ballot_count: int,
    totals: Mapping[str, int],
    top: TopK,
    require_majority: bool,
    below_majority: tuple[str, ...],
) -> ApprovalResult:
    return ApprovalResult(
        options=tuple(options),
        ballots=ballot_count,
        totals=totals,
        ranking=top.ranking,
        winners=top.winners,
        status=top.status,
        tied=top.tied,
        lot=top.lot,
        require_majority=require_majority,
        below_majority=below_majority,
        tie_reason=top.reason,
    )


def _approvals(key: RankKey) -> str:
    return f"{count_text(int(key[0]), 'approval')} each"
