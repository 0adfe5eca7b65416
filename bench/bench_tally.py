"""Tally 100,000 ballots with proposal@1, approval@1 and irv@1 (10 candidates).

Run: .venv/bin/python bench/bench_tally.py
Target: under 1 s per method on one core, through the full registry path (effective ballot
per member, re-validation, inputs hash, tally, result record and its canonical bytes).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from coopfed.governance.ballots import Ballot, abstain, cast
from coopfed.governance.charter import Charter
from coopfed.governance.electorate import Electorate
from coopfed.governance.methods import tally

BALLOTS = 100_000
TARGET_SECONDS = 1.0
CANDIDATES = [f"C{index}" for index in range(10)]
T0 = datetime(2026, 3, 1, tzinfo=UTC)


def members() -> list[str]:
    return [f"m{index:06d}" for index in range(BALLOTS)]


def proposal_ballots(rng: random.Random) -> list[Ballot]:
    out: list[Ballot] = []
    for index, member in enumerate(members()):
        at = T0 + timedelta(microseconds=index)
        pick = rng.random()
        if pick < 0.05:
            out.append(abstain(member, at))
        else:
            out.append(cast(member, "yes" if pick < 0.55 else "no", at))
    return out


def approval_ballots(rng: random.Random) -> list[Ballot]:
    return [cast(member, rng.sample(CANDIDATES, rng.randint(1, 3)), T0) for member in members()]


def irv_ballots(rng: random.Random) -> list[Ballot]:
    # Skewed preferences so the count runs several rounds.
    weights = [10 - index for index in range(10)]
    out: list[Ballot] = []
    for member in members():
        ranking: list[str] = []
        pool = list(CANDIDATES)
        pool_weights = list(weights)
        for _ in range(rng.randint(1, 10)):
            pick = rng.choices(range(len(pool)), weights=pool_weights)[0]
            ranking.append(pool.pop(pick))
            pool_weights.pop(pick)
        out.append(cast(member, ranking, T0))
    return out


def measure(method: str, spec: dict[str, Any], ballots: list[Ballot]) -> tuple[float, Any]:
    voters = Electorate.from_pairs(T0, [(member, "member") for member in members()])
    started = time.perf_counter()
    result = tally(method, spec, voters, ballots, Charter(), proposal_id="bench")
    result.canonical_bytes()
    return time.perf_counter() - started, result


def main() -> None:
    rng = random.Random(20260301)
    cases: list[tuple[str, dict[str, Any], Callable[[random.Random], list[Ballot]]]] = [
        ("proposal@1", {}, proposal_ballots),
        ("approval@1", {"options": CANDIDATES, "max_choices": 3}, approval_ballots),
        ("irv@1", {"options": CANDIDATES}, irv_ballots),
    ]
    print(f"{BALLOTS:,} ballots per method, target {TARGET_SECONDS:.1f} s")
    for method, spec, build in cases:
        ballots = build(rng)
        seconds, result = measure(method, spec, ballots)
        extra = f"rounds={len(result.detail['rounds'])}" if "rounds" in result.detail else ""
        print(
            f"{method:<12} {seconds:7.3f} s  ratio to target {seconds / TARGET_SECONDS:5.2f}"
            f"  status={result.status.value} {extra}"
        )


if __name__ == "__main__":
    main()
