"""web/translate.py: the page's translator for text Python code builds."""

from __future__ import annotations

from types import SimpleNamespace

from starlette.requests import Request

from coopfed.web.templating import templates
from coopfed.web.translate import ENGLISH, N_, plain_translator, translator


def _request(accept_language: str) -> Request:
    headers = [(b"accept-language", accept_language.encode())]
    app = SimpleNamespace(state=SimpleNamespace())  # no node: the co-op's default is English
    return Request({"type": "http", "method": "GET", "path": "/", "headers": headers, "app": app})


def test_named_values_fill_the_translation() -> None:
    french = translator("fr")
    assert french.gettext("At most %(most)s characters.", most=300) == "300 caractères au plus."
    assert ENGLISH.gettext("At most %(most)s characters.", most=300) == "At most 300 characters."


def test_without_values_nothing_is_formatted() -> None:
    # A label holding "%" (a quorum of 60%) must come through untouched.
    hint = "Share of the electorate that must take part: 1/2 or 60%; empty: none."
    assert ENGLISH.gettext(hint) == hint
    assert "60 %" in translator("fr").gettext(hint)


def test_an_unknown_message_is_shown_as_it_is() -> None:
    assert translator("fr").gettext("a service's own words") == "a service's own words"


def test_the_empty_message_is_not_the_catalogue_header() -> None:
    assert translator("fr").gettext("") == ""


def test_plurals_follow_the_language() -> None:
    french = translator("fr")
    assert french.ngettext("%(num)s member", "%(num)s members", 1) == "1 sociétaire"
    assert french.ngettext("%(num)s member", "%(num)s members", 0) == "0 sociétaire"
    assert ENGLISH.ngettext("%(num)s member", "%(num)s members", 0) == "0 members"


def test_n_marks_without_translating() -> None:
    assert N_("Quorum") == "Quorum"


def test_the_request_chooses_the_language_without_the_database() -> None:
    # Error pages (render_plain): Accept-Language, else the co-op's default. Signed-in pages go
    # through page_translator, which puts the member's choice first (tests/web/test_me_language).
    assert plain_translator(_request("fr-FR,fr;q=0.9")).language == "fr"
    assert plain_translator(_request("de")).language == "en"


def test_the_translated_filter_escapes_like_any_value() -> None:
    source = "{{ label | translated }}"
    label = "Waiting for an admin's decision"
    english = templates.env.from_string(source).render(label=label, lang="en")
    assert english == "Waiting for an admin&#39;s decision"
    french = templates.env.from_string(source).render(label=label, lang="fr")
    assert french == "En attente de la décision d&#39;un administrateur"
