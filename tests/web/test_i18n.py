"""Pages in English and French (issue #16): the catalogue is complete, the language follows
Accept-Language, else the co-op's `coop.language`."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

import httpx
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from coopfed.node import Node
from coopfed.services import members
from coopfed.web.language import catalogue_path, from_accept_language
from coopfed.web.templating import TEMPLATE_DIR, templates
from coopfed.web.translate import ENGLISH, translator
from coopfed.web.wording import counted
from tests.support.governance import open_yes_no, use_clock
from tests.web.conftest import HTML, form_token, sign_in

WEB_DIR = TEMPLATE_DIR.parent

# Templates whose English text is not wrapped in {% trans %} / _() yet. Only ever shrinks: a
# template listed here must still hold bare English (test below), so converting one without
# taking it off the list fails, and every template not listed must hold none.
NOT_YET_TRANSLATED: set[str] = set()  # every template is translated (issue #16)

# Attributes a person reads (or a screen reader says): their text must be translated too.
_SPOKEN_ATTRIBUTE = re.compile(r'\b(?:aria-label|placeholder|title|alt)="([^"]*)"')
_TAG = re.compile(r"<!--.*?-->|<[^>]*>", re.DOTALL)
_ATTRIBUTE = re.compile(r'[\w:-]+="[^"]*"')  # one a macro writes outside its tag
_WORD = re.compile(r"[A-Za-z]{2,}")


def all_templates() -> list[str]:
    return sorted(str(path.relative_to(TEMPLATE_DIR)) for path in TEMPLATE_DIR.rglob("*.html"))


def bare_english(name: str) -> list[str]:
    """Words in the template's markup outside {% trans %} blocks (tags and expressions aside)."""
    source = (TEMPLATE_DIR / name).read_text(encoding="utf-8")
    markup: list[str] = []
    in_trans = False
    after_block_begin = False
    for _, token, value in templates.env.lex(source):
        if token == "whitespace":
            continue
        if after_block_begin and token == "name" and value in {"trans", "endtrans"}:
            in_trans = value == "trans"
        after_block_begin = token == "block_begin"
        if token == "data" and not in_trans:
            markup.append(value)
        elif token in {"block_begin", "variable_begin"}:
            markup.append("\x00")  # an expression: no words of its own, may sit inside a tag
    text = "".join(markup)
    spoken = [found for found in _SPOKEN_ATTRIBUTE.findall(text) if _WORD.search(found)]
    words = _WORD.findall(_ATTRIBUTE.sub(" ", _TAG.sub(" ", text)))
    return spoken + [word for word in words if not word.isupper()]  # CSV, JSON: names, not words


def catalogue_ids() -> set[str]:
    """Every message the templates hand to gettext (Babel's Jinja2 extractor, as make messages)."""
    ids: set[str] = set()
    method_map = [("**.html", "jinja2")]
    options = {"**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}
    for _, _, message, _, _ in extract_from_dir(str(TEMPLATE_DIR), method_map, options):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


def python_ids() -> set[str]:
    """Every message Python code under coopfed/web marks (`tr.gettext`, `tr.ngettext`, `N_`:
    Babel's default keywords, as make messages extracts them with babel.cfg)."""
    ids: set[str] = set()
    for _, _, message, _, _ in extract_from_dir(str(WEB_DIR), [("**.py", "python")]):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


def untranslated(ids: set[str]) -> tuple[list[str], list[str]]:
    """The ids without French, and those whose French is fuzzy."""
    with catalogue_path("fr").open("rb") as po:
        catalogue = read_po(po, locale="fr")
    missing, fuzzy = [], []
    for message_id in sorted(ids):
        entry = catalogue.get(message_id)
        strings = [] if entry is None else entry.string
        texts = list(strings) if isinstance(strings, tuple) else [strings]
        if entry is None or not all(texts):
            missing.append(message_id)
        elif entry.fuzzy:
            fuzzy.append(message_id)
    return missing, fuzzy


@pytest.mark.parametrize(("source", "least"), [("templates", 100), ("python", 100)])
def test_every_page_message_has_a_french_translation(source: str, least: int) -> None:
    ids = catalogue_ids() if source == "templates" else python_ids()
    assert len(ids) > least  # the extractor found the pages' text, not nothing
    missing, fuzzy = untranslated(ids)
    assert missing == [], f"no French for {len(missing)} messages: run make messages, translate"
    assert fuzzy == [], "fuzzy French entries: check and clear the fuzzy flag"


def test_python_messages_name_their_values() -> None:
    # "%s" cannot be reordered by a translation, and a stray "%" breaks formatting: named
    # values only, the same names in the French.
    with catalogue_path("fr").open("rb") as po:
        catalogue = read_po(po, locale="fr")
    named = re.compile(r"%\((\w+)\)[sd]")
    for message_id in sorted(python_ids()):
        assert not re.search(r"%[sd]", message_id), message_id
        entry = catalogue.get(message_id)
        if entry is not None and isinstance(entry.string, str) and entry.string:
            assert set(named.findall(entry.string)) == set(named.findall(message_id)), message_id


@pytest.mark.parametrize("name", all_templates())
def test_a_template_is_translated_or_listed_as_not_yet(name: str) -> None:
    if name in NOT_YET_TRANSLATED:
        assert bare_english(name), f"{name} is translated: take it off NOT_YET_TRANSLATED"
    else:
        assert bare_english(name) == [], f"{name} has English outside {{% trans %}}"


def test_no_template_rebinds_the_gettext_name() -> None:
    # `{% set _ = … %}` (a throwaway) would shadow _() for the rest of the template.
    rebinding = re.compile(r"\{%-?\s*(?:set|for)\s+_\s*[=,]")
    for name in all_templates():
        assert not rebinding.search((TEMPLATE_DIR / name).read_text(encoding="utf-8")), name


def test_the_not_yet_list_names_existing_templates() -> None:
    assert set(all_templates()) >= NOT_YET_TRANSLATED


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("fr", "fr"),
        ("fr-FR,fr;q=0.9,en;q=0.8", "fr"),
        ("fr-CA", "fr"),
        ("en-GB,fr;q=0.5", "en"),
        ("de, fr;q=0.3", "fr"),
        ("fr;q=0.4, en;q=0.9", "en"),
        ("fr;q=0", None),
        ("de", None),
        ("*", None),
        ("", None),
        ("fr;q=nonsense", None),
    ],
)
def test_accept_language_picks_the_best_language_we_have(header: str, language: str) -> None:
    assert from_accept_language(header) == language


async def test_accept_language_fr_gives_french_pages(node: Node, client: httpx.AsyncClient) -> None:
    record = await open_yes_no(node)
    french = {**HTML, "Accept-Language": "fr-FR,fr;q=0.9"}
    home = await client.get("/", headers=french)
    assert '<html lang="fr">' in home.text
    assert "Suivre la coopérative" in home.text and "Follow the co-op" not in home.text
    assert home.headers["content-language"] == "fr"
    assert "accept-language" in home.headers["vary"].lower()
    proposal = await client.get(f"/proposals/{record.slug}", headers=french)
    assert proposal.status_code == 200
    assert '<html lang="fr">' in proposal.text and "Comment elle est décidée" in proposal.text
    assert "How it is decided" not in proposal.text
    # Macros (the list's rows, the results' chart table) translate too: they get the page's lang.
    listing = await client.get("/proposals", headers=french)
    assert "Ouvertes au vote" not in listing.text and "clôture le" in listing.text
    results = await client.get(f"/proposals/{record.slug}/results", headers=french)
    assert results.status_code == 200 and "Abstentions" in results.text


@pytest.mark.parametrize("accept", [None, "de"])
async def test_otherwise_pages_are_english(
    node: Node, client: httpx.AsyncClient, accept: str | None
) -> None:
    record = await open_yes_no(node)
    headers = HTML if accept is None else {**HTML, "Accept-Language": accept}
    for path in ("/", f"/proposals/{record.slug}"):
        page = await client.get(path, headers=headers)
        assert '<html lang="en">' in page.text
        assert page.headers["content-language"] == "en"
    assert "Follow the co-op" in (await client.get("/", headers=headers)).text


async def test_coop_language_fr_makes_french_the_default(
    node: Node, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    french = replace(node.settings.coop, language="fr")
    monkeypatch.setattr(node, "settings", replace(node.settings, coop=french))
    page = await client.get("/", headers=HTML)
    assert '<html lang="fr">' in page.text and "Suivre la coopérative" in page.text
    english = await client.get("/", headers={**HTML, "Accept-Language": "en"})
    assert '<html lang="en">' in english.text


def test_french_dates_read_in_french() -> None:

    class Coop:
        time_zone = "Europe/Paris"

    moment = datetime(2026, 12, 4, 14, 30, tzinfo=UTC)
    rendered = templates.env.from_string("{{ t | when }}").render(t=moment, coop=Coop(), lang="fr")
    assert rendered == "vendredi 4 décembre 2026, 15:30 CET"


# Text Python code builds for pages (issue #16): French on a French page.
FRENCH = {**HTML, "Accept-Language": "fr"}


async def _vote_in_french(
    client: httpx.AsyncClient, slug: str, fields: dict[str, str]
) -> httpx.Response:
    page = await client.get(f"/proposals/{slug}", headers=FRENCH)
    form = {"csrf_token": form_token(page), "action": "vote", **fields}
    return await client.post(f"/proposals/{slug}/vote", data=form, headers=FRENCH)


@pytest.mark.usefixtures("accounts")
async def test_a_french_page_names_the_method_and_its_rules_in_french(
    node: Node, client: httpx.AsyncClient
) -> None:
    use_clock(node)
    await members.add_member(node, local_username="bea")
    record = await open_yes_no(node)
    await sign_in(client, "bea")
    page = (await client.get(f"/proposals/{record.slug}", headers=FRENCH)).text
    assert "Oui / non (avec blocage)" in page and "Yes / no (with block)" not in page
    assert "Adoptée avec plus de la moitié des votes oui et non en faveur du oui." in page
    assert "Un seul blocage l&#39;arrête." in page
    assert '<span class="badge state-open">ouverte</span>' in page
    listing = (await client.get("/proposals", headers=FRENCH)).text
    assert "Oui / non (avec blocage)" in listing


@pytest.mark.usefixtures("accounts")
async def test_a_refused_ballot_is_explained_in_french(
    node: Node, client: httpx.AsyncClient
) -> None:
    use_clock(node)
    await members.add_member(node, local_username="bea")
    record = await open_yes_no(node)
    await sign_in(client, "bea")
    unreadable = await _vote_in_french(client, record.slug, {"choice": "9"})
    assert unreadable.status_code == 400
    assert "Choisissez l&#39;une des options (ou abstenez-vous)." in unreadable.text
    assert "Choose one of the options" not in unreadable.text
    late_joiner = await open_yes_no(node, title="Paint the door")
    await members.add_member(node, local_username="ada")  # joined after it opened
    await client.post("/sign-out", data={"csrf_token": form_token(unreadable)}, headers=HTML)
    await sign_in(client, "ada")
    refused = await _vote_in_french(client, late_joiner.slug, {"choice": "0"})
    assert refused.status_code == 403
    assert "Votre vote n'a pas été compté" in refused.text  # the template's own text
    assert "vous ne faites pas partie du corps électoral de cette proposition" in refused.text


@pytest.mark.usefixtures("accounts")
async def test_the_charter_form_is_labelled_in_french(
    node: Node, client: httpx.AsyncClient
) -> None:
    await sign_in(client, "ada")
    page = await client.get("/admin/charter", headers=FRENCH)
    assert page.status_code == 200
    assert "Catégories qui votent" in page.text and "Classes that vote" not in page.text
    assert "Les sociétaires peuvent voter par procuration" in page.text


@pytest.mark.usefixtures("accounts")
async def test_apply_field_errors_are_in_french(client: httpx.AsyncClient) -> None:
    page = await client.get("/apply", headers=FRENCH)
    form = {"csrf_token": form_token(page), "username": "no spaces!", "member_class": "nope"}
    answer = await client.post("/apply", data={**form, "password": "x" * 20}, headers=FRENCH)
    assert answer.status_code == 400
    assert "1 à 30 caractères : lettres minuscules, chiffres et _." in answer.text
    assert "Choisissez l&#39;une des catégories proposées." in answer.text


async def test_error_pages_are_in_french(client: httpx.AsyncClient) -> None:
    missing = await client.get("/no/such/page", headers=FRENCH)
    assert missing.status_code == 404
    assert "Introuvable" in missing.text and "Il n&#39;y a rien ici." in missing.text


def test_counts_follow_french_plural_rules() -> None:
    french = translator("fr")
    assert counted(0, "member", french) == "0 sociétaire"  # French: 0 and 1 are singular
    assert counted(2, "member", french) == "2 sociétaires"
    assert counted(0, "member", ENGLISH) == "0 members"
    rendered = templates.env.from_string('{{ n | counted("member") }}').render(n=3, lang="fr")
    assert rendered == "3 sociétaires"
