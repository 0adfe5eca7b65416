"""Which language a page is in, and its translations: decided here and nowhere else.

The order (issue #16): the signed-in member's own choice (`members.language`, set on /me),
else the browser's `Accept-Language` (its first language we have, by q-value; `fr-CA` is
French), else the co-op's `coop.language`. Error pages are rendered without the database
(templating.render_plain) and so skip the first step: `browser_or_coop`.

The catalogues themselves are coopfed/i18n.py's, shared with the e-mails services send.
"""

from __future__ import annotations

from starlette.requests import Request

from coopfed.i18n import DEFAULT, SUPPORTED, catalogue_path, supported, translations
from coopfed.web.sessions import current_viewer

__all__ = [
    "DEFAULT",
    "SUPPORTED",
    "browser_or_coop",
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


def browser_or_coop(request: Request) -> str:
    """The language without the member's choice: Accept-Language, else the co-op's."""
    return from_accept_language(request.headers.get("accept-language", "")) or coop_default(request)


async def viewer_language(request: Request) -> str | None:
    """The signed-in member's choice, or None; read with the viewer (web/sessions.py), once
    per request."""
    viewer = await current_viewer(request)
    return supported(viewer.language) if viewer else None


async def choose(request: Request) -> str:
    """The page's language for this request."""
    return await viewer_language(request) or browser_or_coop(request)
