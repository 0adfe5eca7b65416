"""Dates and times as a person reads them, in the co-op's time zone (`coop.time_zone`).

Pages show "Friday 4 December 2026, 15:30 CET" rather than an RFC 3339 stamp; the exact
instant stays in `<time datetime="…">` for machines. Times are stored in UTC: a naive value
(SQLite hands them back without a zone) is UTC.

Month and day names in the page's language (Babel's CLDR data): "vendredi 4 décembre 2026,
15:30 CET" on a French page. The formatting itself is coopfed/i18n.py's, shared with the
e-mails; this module is the templates' filters.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context

from coopfed.i18n import day_text, in_zone, moment_text

__all__ = ["day_filter", "day_text", "in_zone", "moment_text", "when_filter"]


def _zone(context: Context) -> str:
    coop = context.get("coop")
    return getattr(coop, "time_zone", None) or "UTC"


def _language(context: Context) -> str:
    language = context.get("lang")
    return language if isinstance(language, str) else "en"


@pass_context
def when_filter(context: Context, moment: Any) -> str:
    """`{{ proposal.closes_at | when }}`: day and time in the co-op's zone."""
    if not isinstance(moment, datetime):
        return ""
    return moment_text(moment, _zone(context), _language(context))


@pass_context
def day_filter(context: Context, moment: Any) -> str:
    """`{{ member.joined_at | day }}`: the day in the co-op's zone."""
    if not isinstance(moment, datetime):
        return ""
    return day_text(moment, _zone(context), _language(context))
