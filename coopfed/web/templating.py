"""Jinja2 templates, autoescaped; every page extends base.html and is rendered by `render`.

`render` gives every page the co-op's settings, its `handle`, the signed-in `viewer` (or None)
and `csrf_token()` for its forms (a page that never calls it sets no CSRF cookie). Filters:
`clean_html` (remote HTML through the allow-list), `remote_actor` (`name (@user@host)`) and
`counted` (`1 member`, `2 members`), `translated` (a label Python marked with N_), `when` and
`day` (dates in the co-op's time zone).

Pages are translated with Jinja2's i18n extension (`{% trans %}`, `_()`), newstyle gettext: the
callables read the page's `lang` (web/language.py chooses it per request: the signed-in
member's choice, Accept-Language, the co-op's default) from the context, so one shared
environment serves every language.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from coopfed.web.csrf import csrf_token, set_csrf_cookie
from coopfed.web.dates import day_filter, when_filter
from coopfed.web.keys import web_keys
from coopfed.web.language import DEFAULT, browser_or_coop, choose, translations
from coopfed.web.sanitize import remote_actor_label, sanitize_html
from coopfed.web.sessions import current_viewer
from coopfed.web.state import node_of
from coopfed.web.translate import translated_filter
from coopfed.web.wording import counted_filter

TEMPLATE_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

templates = Jinja2Templates(directory=str(TEMPLATE_DIR))
templates.env.add_extension("jinja2.ext.i18n")
# {% trans %} blocks span lines in the templates; the message is their text with runs of
# whitespace collapsed (babel.cfg extracts with the same policy).
templates.env.policies["ext.i18n.trimmed"] = True


def page_language(context: Context) -> str:
    language = context.get("lang")
    return language if isinstance(language, str) else DEFAULT


@pass_context
def _gettext(context: Context, message: str) -> str:
    return translations(page_language(context)).gettext(message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return translations(page_language(context)).ngettext(singular, plural, n)


templates.env.install_gettext_callables(  # type: ignore[attr-defined]
    _gettext, _ngettext, newstyle=True
)


def clean_html(html: str | None) -> Markup:
    return Markup(sanitize_html(html or ""))


def remote_actor(name: str | None, username: str, host: str) -> str:
    return remote_actor_label(name or "", username, host)


templates.env.filters["clean_html"] = clean_html
templates.env.filters["remote_actor"] = remote_actor
templates.env.filters["when"] = when_filter  # in the co-op's time zone (coop.time_zone)
templates.env.filters["day"] = day_filter
# {{ n | counted("member") }}: "1 member", "2 members", in the page's language.
templates.env.filters["counted"] = counted_filter
# {{ label | translated }}: an N_-marked label from Python, in the page's language.
templates.env.filters["translated"] = translated_filter


async def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """A page for a browser. Its forms get a CSRF token; a new one comes with its cookie."""
    node = node_of(request)
    keys = await web_keys(request)
    viewer = await current_viewer(request)
    language = await choose(request)  # the viewer's own choice first, so after the viewer
    page: dict[str, Any] = {
        "lang": language,
        "coop": node.settings.coop,
        "handle": f"@{node.settings.coop.handle}@{node.settings.domain}",
        "viewer": viewer,
        "csrf_token": lambda: csrf_token(request, keys),
        **(context or {}),
    }
    response = templates.TemplateResponse(request, name, page, status_code=status, headers=headers)
    language_headers(response, language)
    set_csrf_cookie(request, response)
    if page["viewer"] is not None:
        response.headers["Cache-Control"] = "private, no-store"
    return response


def render_plain(request: Request, name: str, context: dict[str, Any], *, status: int) -> Response:
    """A page without database look-ups (no viewer, no forms): for error pages, which must
    render even when the database is what failed."""
    coop = getattr(getattr(request.app.state, "node", None), "settings", None)
    language = browser_or_coop(request)  # no database: the member's choice is not looked up
    page = {
        "lang": language,
        "coop": coop.coop if coop else None,
        "viewer": None,
        "csrf_token": str,
        **context,
    }
    response = templates.TemplateResponse(request, name, page, status_code=status)
    return language_headers(response, language)


def language_headers(response: Response, language: str) -> Response:
    """Say which language the page is in, and that caches must key it on Accept-Language."""
    response.headers["Content-Language"] = language
    response.headers.append("Vary", "Accept-Language")
    return response
