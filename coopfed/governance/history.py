"""The member register as it stood at any moment, replayed from the append-only history.

Every membership event is kept (admitted, readmitted, status_changed, rebound, class_changed,
shares_changed); replaying the events up to a record date gives the register of that date, so the
electorate snapshot of any proposal can be recomputed from the history alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from coopfed.governance.errors import GovernanceError
from coopfed.governance.members import Member, MemberStatus


class HistoryError(GovernanceError):
    """A history that cannot be replayed (an event before the member exists, a bad detail)."""


@dataclass(frozen=True, slots=True)
class HistoryEvent:
    member_id: str
    kind: str
    detail: Mapping[str, Any]
    at: datetime


def _text(detail: Mapping[str, Any], key: str, event: HistoryEvent) -> str:
    value = detail.get(key)
    if not isinstance(value, str) or not value:
        raise HistoryError(f"{event.kind} of {event.member_id}: detail needs {key!r}")
    return value


def _admitted(event: HistoryEvent) -> Member:
    detail = event.detail
    shares = detail.get("shares", 1)
    return Member(
        event.member_id,
        _text(detail, "actor", event),
        _text(detail, "class", event),
        shares if isinstance(shares, int) else 1,
        MemberStatus.ACTIVE,
    )


def _step(member: Member | None, event: HistoryEvent) -> Member | None:
    if event.kind in ("admitted", "readmitted"):
        return _admitted(event)
    if member is None:
        # Applications and other pre-admission events leave no member behind.
        return None
    detail = event.detail
    if event.kind == "status_changed":
        return replace(member, status=MemberStatus(_text(detail, "to", event)))
    if event.kind == "rebound":
        return replace(member, actor_id=_text(detail, "to", event))
    if event.kind == "class_changed":
        return replace(member, member_class=_text(detail, "to", event))
    if event.kind == "shares_changed":
        balance = detail.get("balance")
        if isinstance(balance, int) and not isinstance(balance, bool) and balance >= 0:
            return replace(member, shares=balance)
    return member


def register_at(events: Iterable[HistoryEvent], record_date: datetime) -> list[Member]:
    """Members as they stood at `record_date` (events at exactly that moment included),
    in order of first appearance. Events must be given oldest first."""
    state: dict[str, Member | None] = {}
    for event in events:
        if event.at > record_date:
            continue
        state[event.member_id] = _step(state.get(event.member_id), event)
    return [member for member in state.values() if member is not None]
