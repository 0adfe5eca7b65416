"""Dates and times as a person reads them, in the co-op's time zone (`coop.time_zone`).

Pages show "Friday 4 December 2026, 15:30 CET" rather than an RFC 3339 stamp; the exact
instant stays in `<time datetime="…">` for machines. Times are stored in UTC: a naive value
(SQLite hands them back without a zone) is UTC.

English month and day names for now; issue #16's translations will format through Babel.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import pass_context
from jinja2.runtime import Context

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def in_zone(moment: datetime, zone: str) -> datetime:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(zone))


def day_text(moment: datetime, zone: str) -> str:
    """ "4 December 2026"."""
    local = in_zone(moment, zone)
    return f"{local.day} {MONTHS[local.month - 1]} {local.year}"


def moment_text(moment: datetime, zone: str) -> str:
    """ "Friday 4 December 2026, 15:30 CET"."""
    local = in_zone(moment, zone)
    return f"{DAYS[local.weekday()]} {day_text(moment, zone)}, {local:%H:%M} {local.tzname()}"


def _zone(context: Context) -> str:
    coop = context.get("coop")
    return getattr(coop, "time_zone", None) or "UTC"


@pass_context
def when_filter(context: Context, moment: Any) -> str:
    """`{{ proposal.closes_at | when }}`: day and time in the co-op's zone."""
    return moment_text(moment, _zone(context)) if isinstance(moment, datetime) else ""


@pass_context
def day_filter(context: Context, moment: Any) -> str:
    """`{{ member.joined_at | day }}`: the day in the co-op's zone."""
    return day_text(moment, _zone(context)) if isinstance(moment, datetime) else ""
