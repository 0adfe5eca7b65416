"""Rank / Borda count, Loomio-compatible (docs/governance.md, rule 8).

docs/governance.md, rule 8: k is the number of options on the proposal (n), not the number a
ballot ranked, and position j (0-based) gives k - j points: with n = 3 the first place is worth
3, the second 2, the third 1, whatever the ballot's length, and unranked options get 0. So a
short ballot cannot inflate its first choice (example 8.1 checks it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from coopfed.governance.methods.approval import (
    RankKey,
    TieBreak,
    TotalsResult,
    count_text,
    select_top_k,
    totals_result,
)
from coopfed.governance.methods.errors import check_ranking

METHOD = "borda@1"


BordaResult = TotalsResult  # the name this module has always exported


def validate_borda_ballot(
    ranking: Sequence[str],
    options: Sequence[str],
    *,
    min_ranked: int = 1,
    require_complete: bool = False,
) -> None:
    """Raise InvalidBallot unless the ranking lists known options once each, long enough."""
    check_ranking(ranking, options, len(options) if require_complete else min_ranked)


def tally_borda(
    options: Sequence[str],
    ballots: Iterable[tuple[str, ...]],
    k: int = 1,
    *,
    tie_break: TieBreak = "none",
    seed: bytes = b"",
) -> BordaResult:
    """Position j (0-based) earns n - j points, n = number of options; the top k win."""
    option_count = len(options)
    totals = dict.fromkeys(options, 0)
    kinds = Counter(ballots)
    for ranking, count in kinds.items():
        for position, option in enumerate(ranking):
            totals[option] += (option_count - position) * count
    keys: dict[str, RankKey] = {option: (totals[option],) for option in options}
    top = select_top_k(options, keys, k, tie_break, seed, _points)
    return totals_result(METHOD, options, sum(kinds.values()), totals, top)


def _points(key: RankKey) -> str:
    return f"{count_text(int(key[0]), 'point')} each"
