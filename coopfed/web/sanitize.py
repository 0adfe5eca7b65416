"""Making text from other servers safe to show: an HTML allow-list and display-name cleaning.

Remote content is HTML written by someone else; it goes through `sanitize_html` (nh3, an
allow-list) before reaching a page. Remote names are plain text, escaped by Jinja, but may still
mislead: bidi overrides reorder what follows them, zero-width characters make two names look
alike, stacked combining marks spill over neighbouring lines. `display_name` removes or limits
those, and `remote_actor_label` always shows the host, so no remote name can pass as a local one.
"""

from __future__ import annotations

import re
import unicodedata

import nh3

from coopfed.activitypub.origin import InvalidURL, normalize_host

ALLOWED_TAGS = frozenset(
    {"p", "br", "a", "em", "strong", "ul", "ol", "li", "blockquote", "code", "pre"}
)
ALLOWED_ATTRIBUTES = {"a": {"href"}}
LINK_SCHEMES = frozenset({"http", "https"})
LINK_REL = "nofollow noopener"

MAX_NAME_LENGTH = 64
MAX_USERNAME_LENGTH = 64
MAX_COMBINING_MARKS = 2  # per base character: enough for Vietnamese, not for "Zalgo" floods
# Cc controls, Cf format (bidi overrides and isolates, zero-width, BOM, soft hyphen),
# Co private use, Cs surrogates, Cn unassigned, Zl/Zp line and paragraph separators.
DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})
_SPACES = re.compile(r"\s+")
_ABSOLUTE_HTTP = re.compile(r"^https?://", re.IGNORECASE)


def _keep_http_links(tag: str, attribute: str, value: str) -> str | None:
    # nh3 checks schemes but lets relative URLs through; a remote post has no business linking
    # to paths on our own site, so only absolute http(s) links survive.
    if tag == "a" and attribute == "href":
        return value if _ABSOLUTE_HTTP.match(value.strip()) else None
    return value


def sanitize_html(html: str) -> str:
    """Remote HTML reduced to the allow-list; links only http(s), marked nofollow noopener."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        # "*": no attribute on every tag (nh3 would otherwise allow lang and title everywhere).
        attributes={"*": set(), **{tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()}},
        url_schemes=set(LINK_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
        attribute_filter=_keep_http_links,
    )


def _limit_combining_marks(text: str) -> str:
    kept: list[str] = []
    marks_in_a_row = 0
    for char in text:
        if unicodedata.category(char).startswith("M"):
            marks_in_a_row += 1
            if marks_in_a_row > MAX_COMBINING_MARKS:
                continue
        else:
            marks_in_a_row = 0
        kept.append(char)
    return "".join(kept)


def clean_text(text: str, max_length: int) -> str:
    """One line of plain text without invisible or reordering characters, at most max_length."""
    # Line breaks and tabs (controls too) become spaces first, so words stay apart.
    normal = "".join(" " if c.isspace() else c for c in unicodedata.normalize("NFC", text))
    visible = "".join(c for c in normal if unicodedata.category(c) not in DROPPED_CATEGORIES)
    limited = _SPACES.sub(" ", _limit_combining_marks(visible)).strip()
    if len(limited) > max_length:
        return limited[: max_length - 1].rstrip() + "…"
    return limited


def display_name(name: str, fallback: str = "") -> str:
    """A remote actor's name, cleaned; the fallback (their username) when nothing is left."""
    return clean_text(name, MAX_NAME_LENGTH) or clean_text(fallback, MAX_USERNAME_LENGTH)


def display_host(host: str) -> str:
    """The host as compared and stored: lowercase, punycode (so look-alike IDNs stay visible)."""
    try:
        return normalize_host(host)
    except InvalidURL:
        return clean_text(host, 255).lower()


def remote_actor_label(name: str, username: str, host: str) -> str:
    """`name (@user@host)`: the cleaned name, never without the host it comes from."""
    user = clean_text(username, MAX_USERNAME_LENGTH)
    handle = f"@{user}@{display_host(host)}"
    shown = display_name(name, fallback=user)
    return f"{shown} ({handle})" if shown else handle
