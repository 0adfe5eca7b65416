"""The register at a record date, replayed from the member history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from coopfed.governance.charter import Charter
from coopfed.governance.electorate import Electorate
from coopfed.governance.history import HistoryEvent, register_at
from coopfed.governance.members import MemberStatus

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def at(hours: int) -> datetime:
    return T0 + timedelta(hours=hours)


HISTORY = [
    HistoryEvent("m1", "admitted", {"actor": "https://a/1", "class": "worker", "shares": 1}, at(0)),
    HistoryEvent(
        "m2", "admitted", {"actor": "https://b/2", "class": "consumer", "shares": 1}, at(1)
    ),
    HistoryEvent("m1", "shares_changed", {"balance": 3}, at(2)),
    HistoryEvent("m2", "rebound", {"from": "https://b/2", "to": "https://c/2"}, at(3)),
    HistoryEvent("m1", "status_changed", {"from": "active", "to": "expelled"}, at(4)),
    HistoryEvent("m3", "admitted", {"actor": "https://d/3", "class": "worker", "shares": 1}, at(5)),
]


def test_the_register_at_each_date() -> None:
    assert register_at(HISTORY, at(-1)) == []
    early = {m.member_id: m for m in register_at(HISTORY, at(2))}
    assert set(early) == {"m1", "m2"} and early["m1"].shares == 3
    later = {m.member_id: m for m in register_at(HISTORY, at(5))}
    assert later["m1"].status is MemberStatus.EXPELLED
    assert later["m2"].actor_id == "https://c/2"


def test_an_electorate_is_recomputable_from_history() -> None:
    electorate = Electorate.snapshot(register_at(HISTORY, at(4)), Charter(), at(4))
    assert list(electorate) == ["m2"]  # m1 expelled at the record date, m3 not yet admitted
    readmitted = [
        *HISTORY,
        HistoryEvent("m1", "readmitted", {"actor": "https://a/1", "class": "worker"}, at(6)),
    ]
    assert list(Electorate.snapshot(register_at(readmitted, at(6)), Charter(), at(6))) == [
        "m1", "m2", "m3"
    ]  # fmt: skip
