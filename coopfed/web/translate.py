"""Page text that Python code builds (form errors, labels, hints, notices), in the page's
language.

A handler takes `tr = await page_translator(request)` and writes
`tr.gettext("Enter your username.")`, with named values for what varies:
`tr.gettext("At most %(n)s characters.", n=300)` (the
catalogue's French keeps the names). A module-level table marks its English with `N_()` and is
translated where it is shown: `tr.gettext(LABELS[key])`. `make messages` extracts both from
coopfed/web (babel.cfg); tests/web/test_i18n.py fails on one without French.

The language is the one `render` gives the template (web/language.py's choice for the
request), so a page's Python-built text and its template text always agree.
"""

from __future__ import annotations

import gettext

from jinja2 import pass_context
from jinja2.runtime import Context
from starlette.requests import Request

from coopfed.i18n import DEFAULT, N_, translations
from coopfed.web.language import browser_or_coop, choose

__all__ = ["ENGLISH", "N_", "Translator", "page_translator", "plain_translator", "translator"]


class Translator:
    """One language's gettext, with %-formatting of named values after translation."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._catalogue: gettext.NullTranslations = translations(language)

    def gettext(self, message: str, /, **values: object) -> str:
        if not message:
            return message  # gettext("") is the catalogue's header, never page text
        text = self._catalogue.gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, n: int, /, **values: object) -> str:
        """`%(num)s` in either form is `n`."""
        return self._catalogue.ngettext(singular, plural, n) % {"num": n, **values}


ENGLISH = Translator(DEFAULT)


def translator(language: str) -> Translator:
    return ENGLISH if language == DEFAULT else Translator(language)


async def page_translator(request: Request) -> Translator:
    """The translator of the page this request gets (the same choice as `render`'s)."""
    return translator(await choose(request))


def plain_translator(request: Request) -> Translator:
    """The translator of a page rendered without the database (`render_plain`: error pages):
    Accept-Language, else the co-op's default."""
    return translator(browser_or_coop(request))


@pass_context
def translated_filter(context: Context, message: str) -> str:
    """The templates' `translated`: `{{ label | translated }}` for an N_-marked label a page
    gets from Python. Unlike `_()`, the result is escaped like any value (`_()` trusts its
    message as markup, right for the templates' own text, not for a variable)."""
    language = context.get("lang")
    return translator(language if isinstance(language, str) else DEFAULT).gettext(message)
