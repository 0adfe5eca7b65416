"""Safe outbound fetching: vetted addresses at connect time, bounded redirects, size and time.

See fetcher.py for the rules and docs/threats.md, "Outbound fetching (SSRF)", for why.
"""

from coopfed.activitypub.safefetch.errors import FetchError, FetchFailed, FetchRefused
from coopfed.activitypub.safefetch.fetcher import (
    ACTIVITY_ACCEPT,
    FetchedDocument,
    SafeFetcher,
    is_activitystreams_type,
)
from coopfed.activitypub.safefetch.policy import FetchPolicy, Resolver, SystemResolver

__all__ = [
    "ACTIVITY_ACCEPT",
    "FetchError",
    "FetchFailed",
    "FetchPolicy",
    "FetchRefused",
    "FetchedDocument",
    "Resolver",
    "SafeFetcher",
    "SystemResolver",
    "is_activitystreams_type",
]
