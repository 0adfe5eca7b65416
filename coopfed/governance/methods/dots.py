"""Dot voting (docs/governance.md, rule 7): non-negative integers summing to at most D dots.

A ballot may use fewer dots than D, unless the proposal requires exactly D. Options are ranked
by the dots they received; equal dots at the cut are a tie.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from coopfed.governance.methods.approval import (
    RankKey,
    TieBreak,
    TotalsResult,
    count_text,
    select_top_k,
    totals_result,
)
from coopfed.governance.methods.errors import InvalidBallot

METHOD = "dots@1"


DotsResult = TotalsResult  # the name this module has always exported


def validate_dots_ballot(
    ballot: Mapping[str, int],
    options: Sequence[str],
    dots: int,
    *,
    exact: bool = False,
) -> None:
    """Raise InvalidBallot unless the dots are non-negative integers within the budget D."""
    for option, placed in ballot.items():
        if option not in options:
            raise InvalidBallot(f"ballot puts dots on {option!r}, not an option")
        if isinstance(placed, bool) or not isinstance(placed, int):
            raise InvalidBallot(f"dots on {option!r} are not an integer")
        if placed < 0:
            raise InvalidBallot(f"ballot puts {placed} dots on {option!r}, dots cannot be negative")
    used = sum(ballot.values())
    if exact and used != dots:
        raise InvalidBallot(f"ballot uses {used} dots, exactly {dots} required")
    if used > dots:
        raise InvalidBallot(f"ballot uses {used} dots, at most {dots} allowed")


def tally_dots(
    options: Sequence[str],
    ballots: Iterable[Mapping[str, int]],
    k: int = 1,
    *,
    tie_break: TieBreak = "none",
    seed: bytes = b"",
) -> DotsResult:
    """Sum the dots per option; the top k win. Ballots are assumed valid."""
    totals = dict.fromkeys(options, 0)
    ballot_count = 0
    for ballot in ballots:
        ballot_count += 1
        for option, placed in ballot.items():
            totals[option] += placed
    keys: dict[str, RankKey] = {option: (totals[option],) for option in options}
    top = select_top_k(options, keys, k, tie_break, seed, _dots)
    return totals_result(METHOD, options, ballot_count, totals, top)


def _dots(key: RankKey) -> str:
    return f"{count_text(int(key[0]), 'dot')} each"
