"""Which language a page is in, and its translations: decided here and nowhere else.

The order (issue #16): the browser's `Accept-Language` (its first language we have, by
q-value; `fr-CA` is French), else the co-op's `coop.language`. A member's own preference is not
stored yet; it would come first.

Catalogues are the committed `locale/<lang>/LC_MESSAGES/messages.po`, read once at start-up with
Babel: no compile step, so a fresh clone serves French as is. English is the source text.
"""

from __future__ import annotations

import gettext
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from starlette.requests import Request

LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT = "en"
SUPPORTED = ("en", "fr")


def catalogue_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The language's translations; English (and any language without a catalogue) is the
    source text itself."""
    path = catalogue_path(language)
    if language == DEFAULT or not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as po:
        catalogue = read_po(po, locale=language)
    # Translations reads compiled catalogues: compile in memory rather than commit a .mo.
    mo = BytesIO()
    write_mo(mo, catalogue, use_fuzzy=False)
    mo.seek(0)
    return Translations(mo, domain="messages")


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
