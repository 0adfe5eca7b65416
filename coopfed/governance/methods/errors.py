"""Ballot validation errors shared by the tally methods, and the ranking check they share."""

from __future__ import annotations

from collections.abc import Sequence


class InvalidBallot(ValueError):
    """A ballot that fails its method's rules; the caller counts it apart and leaves it out."""


def check_ranking(ranking: Sequence[str], candidates: Sequence[str], min_ranked: int = 1) -> None:
    """Raise InvalidBallot unless `ranking` names known candidates, each once, at least min_ranked.

    Shared by every ranked method (Borda, IRV, STV, Schulze) so they reject the same ballots.
    """
    known = set(candidates)
    seen: set[str] = set()
    for choice in ranking:
        if choice not in known:
            raise InvalidBallot(f"ballot ranks {choice!r}, which is not a candidate")
        if choice in seen:
            raise InvalidBallot(f"ballot ranks {choice!r} more than once")
        seen.add(choice)
    if len(ranking) < min_ranked:
        raise InvalidBallot(f"ballot ranks {len(ranking)} candidates, at least {min_ranked} needed")
