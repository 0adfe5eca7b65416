"""The translations every adapter and service shares: one catalogue per language.

Catalogues are the committed `coopfed/locale/<lang>/LC_MESSAGES/messages.po`, read once at
start-up with Babel: no compile step, so a fresh clone serves French as is. English is the
source text. Pages (web/templating.py) and e-mails and private notes (services) translate
through `translations(language)`; which language a page or a message is in is decided by
web/language.py for a request and by the recipient's preference for a message.
"""

from __future__ import annotations

import gettext
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT = "en"
SUPPORTED = ("en", "fr")


def catalogue_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"


def supported(language: str | None) -> str | None:
    """`language` when we have it (`fr-CA` is French), else None."""
    if not language:
        return None
    primary = language.strip().lower().split("-")[0]
    return primary if primary in SUPPORTED else None


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
