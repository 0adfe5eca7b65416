"""The translations every adapter and service shares: one catalogue per language.

Catalogues are the committed `coopfed/locale/<lang>/LC_MESSAGES/messages.po`, read once at
start-up with Babel: no compile step, so a fresh clone serves French as is. English is the
source text. Pages (web/templating.py) and e-mails and private notes (services) translate
through `translations(language)`; which language a page or a message is in is decided by
web/language.py for a request and by the recipient's preference for a message
(services/languages.py).

Python code marks its messages for `make messages` (babel.cfg) with `_()` where it translates
at once (`_ = translations(language).gettext`) and with `N_()` where the text is chosen now and
translated later, in the reader's language. Placeholders are named (`%(coop)s`), so a
translation may put them in another order.

Dates as a person reads them are formatted here too (pages through web/dates.py, e-mails
directly): month and day names from Babel's CLDR data, in the co-op's time zone.
"""

from __future__ import annotations

import gettext
from datetime import UTC, datetime
from functools import cache
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
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


def N_(message: str) -> str:  # gettext's conventional name, which Babel extracts
    """Mark `message` for the catalogue without translating it: it is translated where it is
    shown, in the reader's language."""
    return message


def in_zone(moment: datetime, zone: str) -> datetime:
    """`moment` in `zone`; a naive value (SQLite hands them back without a zone) is UTC."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(zone))


def day_text(moment: datetime, zone: str, language: str = DEFAULT) -> str:
    """ "4 December 2026", "4 décembre 2026"."""
    local = in_zone(moment, zone)
    # The day first in both languages; the local wall time is formatted as is (tzinfo=None).
    return format_datetime(local.replace(tzinfo=None), "d MMMM y", locale=language)


def moment_text(moment: datetime, zone: str, language: str = DEFAULT) -> str:
    """ "Friday 4 December 2026, 15:30 CET", "vendredi 4 décembre 2026, 15:30 CET"."""
    local = in_zone(moment, zone)
    weekday = format_datetime(local.replace(tzinfo=None), "EEEE", locale=language)
    return f"{weekday} {day_text(moment, zone, language)}, {local:%H:%M} {local.tzname()}"
