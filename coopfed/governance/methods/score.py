"""Score voting (docs/governance.md, rule 6): an integer in [min, max] per option.

Rank by total, then by mean, then tie. The mean is taken over the ballots that scored the option,
so a ballot may leave options unscored (unless the caller requires every option); that is the
only way the mean can separate two equal totals.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from coopfed.governance.methods.approval import (
    LotDraw,
    RankKey,
    Status,
    TieBreak,
    fraction_text,
    select_top_k,
)
from coopfed.governance.methods.errors import InvalidBallot

METHOD = "score@1"


@dataclass(frozen=True)
class ScoreResult:
    options: tuple[str, ...]
    ballots: int
    totals: Mapping[str, int]
    # How many ballots scored each option, and the mean over them (0 when nobody scored it).
    scored_by: Mapping[str, int]
    means: Mapping[str, Fraction]
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
            "options": list(self.options),
            "ballots": self.ballots,
            "totals": {option: self.totals[option] for option in self.options},
            "scored_by": {option: self.scored_by[option] for option in self.options},
            "means": {option: fraction_text(self.means[option]) for option in self.options},
            "ranking": list(self.ranking),
            "winners": list(self.winners),
            "status": self.status,
            "tied": list(self.tied),
            "lot": self.lot.to_dict() if self.lot else None,
        }


def validate_score_ballot(
    ballot: Mapping[str, int],
    options: Sequence[str],
    min_score: int,
    max_score: int,
    *,
    require_all: bool = False,
) -> None:
    """Raise InvalidBallot unless every score is an integer in [min_score, max_score]."""
    for option, score in ballot.items():
        if option not in options:
            raise InvalidBallot(f"ballot scores {option!r}, not an option")
        if isinstance(score, bool) or not isinstance(score, int):
            raise InvalidBallot(f"score for {option!r} is not an integer")
        if not min_score <= score <= max_score:
            raise InvalidBallot(
                f"score {score} for {option!r} is outside [{min_score}, {max_score}]"
            )
    missing = [option for option in options if option not in ballot]
    if require_all and missing:
        raise InvalidBallot(f"ballot leaves {', '.join(map(repr, missing))} unscored")


def tally_score(
    options: Sequence[str],
    ballots: Iterable[Mapping[str, int]],
    k: int = 1,
    *,
    tie_break: TieBreak = "none",
    seed: bytes = b"",
) -> ScoreResult:
    """Sum the scores per option; the top k by (total, mean) win. Ballots are assumed valid."""
    totals = dict.fromkeys(options, 0)
    scored_by = dict.fromkeys(options, 0)
    ballot_count = 0
    for ballot in ballots:
        ballot_count += 1
        for option, score in ballot.items():
            totals[option] += score
            scored_by[option] += 1
    means = {
        option: Fraction(totals[option], scored_by[option]) if scored_by[option] else Fraction(0)
        for option in options
    }
    keys: dict[str, RankKey] = {option: (totals[option], means[option]) for option in options}
    top = select_top_k(options, keys, k, tie_break, seed, _total_and_mean)
    return ScoreResult(
        options=tuple(options),
        ballots=ballot_count,
        totals=totals,
        scored_by=scored_by,
        means=means,
        ranking=top.ranking,
        winners=top.winners,
        status=top.status,
        tied=top.tied,
        lot=top.lot,
        tie_reason=top.reason,
    )


def _total_and_mean(key: RankKey) -> str:
    total, mean = key
    return f"a total of {total} and a mean of {mean} each (over the ballots that scored them)"
