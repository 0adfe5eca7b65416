"""Which language a page is in, and its translations: decided here and nowhere else.

The order (issue #16): the browser's `Accept-Language` (its first language we have, by
q-value; `fr-CA` is French), else the co-op's `coop.language`. A member's own preference is not
stored yet; it would come first.

The catalogues themselves are coopfed/i18n.py's, shared with the e-mails services send.
"""

from __future__ import annotations

from starlette.requests import Request

from coopfed.i18n import DEFAULT, SUPPORTED, catalogue_path, translations

__all__ = [
    "DEFAULT",
    "SUPPORTED",
    "catalogue_path",
    "choose",
    "from_accept_language",
    "translations",
]


def from_accept_language(header: str) -> str | None:
    """The best supported language the header names, or None. `fr;q=0.8, en;q=0.9` is English;
    `*` and languages we lack are no choice (the co-op's default decides)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in SUPPORTED and quality > 0:
            ranked.append((-quality, position, primary))
    return min(ranked)[2] if ranked else None


def coop_default(request: Request) -> str:
    node = getattr(request.app.state, "node", None)
    language = getattr(getattr(getattr(node, "settings", None), "coop", None), "language", None)
    return language if language in SUPPORTED else DEFAULT


def choose(request: Request) -> str:
    """The page's language for this request."""
    return from_accept_language(request.headers.get("accept-language", "")) or coop_default(request)
