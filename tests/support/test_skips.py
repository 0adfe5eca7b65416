"""The end-of-run skip line groups skipped tests by kind and reason."""

from __future__ import annotations

from types import SimpleNamespace

from tests.support.databases import PG_SKIP_REASON
from tests.support.skips import skip_summary


def skipped(reason: str, *markers: str) -> SimpleNamespace:
    return SimpleNamespace(
        longrepr=("tests/x.py", 1, f"Skipped: {reason}"), keywords={m: 1 for m in markers}
    )


def test_nothing_skipped() -> None:
    assert skip_summary([]) == "skipped: nothing"


def test_grouped_by_kind_and_reason_most_first() -> None:
    reports = [
        *(skipped(PG_SKIP_REASON, "postgres") for _ in range(3)),
        skipped("SQLite has one writer", "postgres"),
        *(skipped("no Chromium", "browser", "slow") for _ in range(2)),
    ]
    assert skip_summary(reports) == (
        f"skipped: 3 PostgreSQL tests ({PG_SKIP_REASON}), 2 browser tests (no Chromium), "
        "1 test (SQLite has one writer)"
    )


def test_a_skip_without_a_reason_says_so() -> None:
    bare = SimpleNamespace(longrepr=("tests/x.py", 1, "Skipped"), keywords={})
    assert skip_summary([bare]) == "skipped: 1 test (no reason given)"
