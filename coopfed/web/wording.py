"""Counts in words a person reads: "1 member", "2 members", "1 entry", "3 entries".

The nouns pages count are catalogue messages (gettext's plural forms: French "0 membre", the
singular, where English says "0 members"); any other noun gets English's plural rule.
`counted_filter` is the templates' `counted`, in the page's language.
"""

from __future__ import annotations

from collections.abc import Callable

from jinja2 import pass_context
from jinja2.runtime import Context

from coopfed.web.translate import ENGLISH, Translator, translator

IRREGULAR = {"entry": "entries", "person": "people", "proxy": "proxies"}

Phrase = Callable[[Translator, int], str]
KNOWN: dict[str, Phrase] = {
    "member": lambda tr, n: tr.ngettext("%(num)s member", "%(num)s members", n),
    "entry": lambda tr, n: tr.ngettext("%(num)s entry", "%(num)s entries", n),
    "person": lambda tr, n: tr.ngettext("%(num)s person", "%(num)s people", n),
    "proxy": lambda tr, n: tr.ngettext("%(num)s proxy", "%(num)s proxies", n),
    "voter": lambda tr, n: tr.ngettext("%(num)s voter", "%(num)s voters", n),
    "vote": lambda tr, n: tr.ngettext("%(num)s vote", "%(num)s votes", n),
}


def plural(noun: str) -> str:
    return IRREGULAR.get(noun, noun + "s")


def counted(count: int, noun: str, tr: Translator = ENGLISH) -> str:
    """`count` and the noun, singular for exactly one (in English)."""
    phrase = KNOWN.get(noun)
    if phrase is not None:
        return phrase(tr, count)
    return f"{count} {noun if count == 1 else plural(noun)}"


@pass_context
def counted_filter(context: Context, count: int, noun: str) -> str:
    language = context.get("lang")
    return counted(count, noun, translator(language if isinstance(language, str) else "en"))
