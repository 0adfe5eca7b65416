"""Counts in words a person reads: "1 member", "2 members", "1 entry", "3 entries".

English plurals only for now; when the pages are translated (issue #16) this becomes gettext's
ngettext, which knows each language's plural rules.
"""

from __future__ import annotations

IRREGULAR = {"entry": "entries", "person": "people", "proxy": "proxies"}


def plural(noun: str) -> str:
    return IRREGULAR.get(noun, noun + "s")


def counted(count: int, noun: str) -> str:
    """`count` and the noun, singular for exactly one."""
    return f"{count} {noun if count == 1 else plural(noun)}"
