"""What a signature must cover, and when it is fresh: Mastodon's rules.

Time window (Mastodon's `matches_time_window?`, with our clock as `now`):
- the signature was created at `created` (RFC 9421 param, or cavage `(created)` when signed),
  otherwise at the signed `Date` header;
- refused when created more than 1 h in the future (`clock_skew_future`);
- it expires at the signed `expires`, or created + 5 min when absent, but never later than
  created + 12 h; it is refused (`expired`) once now is past that expiry + 1 h of skew.
So a Date-only signature is good for 65 min: a Date 2 h ahead or 13 h old is refused, a Date
50 min old or 59 min ahead is accepted. An unsigned cavage `expires` is ignored (it could
otherwise stretch a replay window).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from .errors import SignatureError, SignatureFailure

FUTURE_SKEW = timedelta(hours=1)
DEFAULT_LIFETIME = timedelta(minutes=5)
MAX_LIFETIME = timedelta(hours=12)
EXPIRY_SKEW = timedelta(hours=1)

# Methods whose requests carry no body and so must bind the signature to the host instead.
_BODYLESS_METHODS = frozenset({"GET", "HEAD"})


def parse_http_date(value: str) -> datetime:
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError) as exc:
        raise SignatureError(SignatureFailure.date_invalid, f"bad Date {value!r}") from exc
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def from_timestamp(value: str | int) -> datetime:
    try:
        return datetime.fromtimestamp(float(value), UTC)
    except (OverflowError, ValueError, OSError) as exc:
        raise SignatureError(SignatureFailure.date_invalid, f"bad timestamp {value!r}") from exc


def check_time_window(created: datetime, expires: datetime | None, now: datetime) -> None:
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    if created > now + FUTURE_SKEW:
        raise SignatureError(
            SignatureFailure.clock_skew_future, f"created {created.isoformat()} is in the future"
        )
    deadline = min(expires or created + DEFAULT_LIFETIME, created + MAX_LIFETIME)
    if now > deadline + EXPIRY_SKEW:
        raise SignatureError(SignatureFailure.expired, f"signature expired {deadline.isoformat()}")


def needs_digest(method: str, body: bytes) -> bool:
    return bool(body) or method.upper() == "POST"


def needs_host(method: str) -> bool:
    return method.upper() in _BODYLESS_METHODS


def require(condition: bool, reason: SignatureFailure, detail: str) -> None:
    if not condition:
        raise SignatureError(reason, detail)
