"""The one line at the end of a test run saying what was skipped and why (tests/conftest.py).

`-ra` lists every skipped test; this line is the sum of it, so a run that quietly lost its
PostgreSQL or browser tests says so where the eye lands:
``skipped: 343 PostgreSQL tests (no PostgreSQL on 127.0.0.1:5432), 18 browser tests (…)``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from tests.support.databases import PG_SKIP_REASON

# Test kinds named in the line, by the marker their tests carry.
_KINDS_BY_MARKER = {"browser": "browser", "interop": "interop"}


def _reason(report: Any) -> str:
    longrepr = report.longrepr
    reason = str(longrepr[2]) if isinstance(longrepr, tuple) and len(longrepr) == 3 else ""
    reason = "" if reason == "Skipped" else reason.removeprefix("Skipped: ")
    return reason or "no reason given"


def _kind(reason: str, keywords: Mapping[str, Any]) -> str:
    # By reason, not the `postgres` marker: SQLite variants of PostgreSQL-marked tests skip too,
    # for reasons of their own.
    if reason == PG_SKIP_REASON:
        return "PostgreSQL"
    return next((kind for marker, kind in _KINDS_BY_MARKER.items() if marker in keywords), "")


def skip_summary(skipped: Iterable[Any]) -> str:
    """`skipped: N <kind> tests (<reason>), …`, most first; `skipped: nothing` for none.

    ``skipped`` are the terminal reporter's skipped reports (test reports, or collect reports
    of skipped modules), the workers' included under xdist.
    """
    counts: Counter[tuple[str, str]] = Counter()
    for report in skipped:
        reason = _reason(report)
        counts[(_kind(reason, getattr(report, "keywords", {})), reason)] += 1
    if not counts:
        return "skipped: nothing"
    parts = []
    for (kind, reason), count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        noun = "test" if count == 1 else "tests"
        parts.append(f"{count} {kind + ' ' if kind else ''}{noun} ({reason})")
    return "skipped: " + ", ".join(parts)
