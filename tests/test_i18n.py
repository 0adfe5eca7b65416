"""The shared catalogue (coopfed/i18n.py, issue #16): every message `make messages` extracts —
templates and the Python messages babel.cfg names (e-mails, private notes) — has its French,
with the same placeholders; dates read in either language."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from coopfed.i18n import N_, catalogue_path, day_text, moment_text, supported, translations

ROOT = Path(__file__).resolve().parent.parent
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def extracted() -> dict[str, tuple[str, ...]]:
    """Every message id babel.cfg's map finds, as `make messages` extracts them (a plural is its
    singular), with the file it came from."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options = parse_mapping_cfg(config)
    found: dict[str, tuple[str, ...]] = {}
    for filename, _, message, _, _ in extract_from_dir(str(ROOT), method_map, options):
        ids = (message,) if isinstance(message, str) else tuple(message)
        found[ids[0]] = (filename, *ids)
    return found


def test_every_extracted_message_has_a_french_translation() -> None:
    with catalogue_path("fr").open("rb") as po:
        catalogue = read_po(po, locale="fr")
    found = extracted()
    python = {key for key, where in found.items() if where[0].endswith(".py")}
    assert "New proposal: %(title)s" in python  # the services' messages are extracted
    assert "Language" in python  # and N_() marks
    missing = []
    for message_id, where in sorted(found.items()):
        entry = catalogue.get(message_id)
        strings = [] if entry is None else entry.string
        texts = list(strings) if isinstance(strings, tuple) else [strings]
        if entry is None or entry.fuzzy or not all(texts):
            missing.append(f"{where[0]}: {message_id!r}")
    assert missing == [], "run `make messages` and translate:\n" + "\n".join(missing)


def test_french_keeps_every_placeholder() -> None:
    """A translation that drops or misspells `%(title)s` would raise KeyError when formatted, or
    lose the proposal's title from the mail."""
    with catalogue_path("fr").open("rb") as po:
        catalogue = read_po(po, locale="fr")
    wrong = []
    for message in catalogue:
        if not message.id:
            continue
        ids = (message.id,) if isinstance(message.id, str) else message.id
        strings = (message.string,) if isinstance(message.string, str) else message.string
        wanted = {name for text in ids for name in _PLACEHOLDER.findall(text)}
        for text in strings:
            if text and set(_PLACEHOLDER.findall(text)) != wanted:
                wrong.append(ids[0])
    assert wrong == []


def test_translations_and_marks() -> None:
    assert translations("fr").gettext("New proposal: %(title)s") == (
        "Nouvelle proposition : %(title)s"
    )
    assert translations("en").gettext("New proposal: %(title)s") == "New proposal: %(title)s"
    assert N_("Language") == "Language"  # marked only: translated where it is shown
    assert supported("fr-CA") == "fr" and supported("de") is None and supported(None) is None


def test_dates_read_in_either_language_in_the_co_ops_zone() -> None:
    moment = datetime(2026, 12, 4, 14, 30, tzinfo=UTC)
    assert moment_text(moment, "Europe/Paris", "en") == "Friday 4 December 2026, 15:30 CET"
    assert moment_text(moment, "Europe/Paris", "fr") == "vendredi 4 décembre 2026, 15:30 CET"
    assert day_text(moment.replace(tzinfo=None), "UTC", "fr") == "4 décembre 2026"  # naive: UTC
