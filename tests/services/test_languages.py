"""Which language the co-op writes to a person in (`services.languages`, issue #16): a
member's choice, else `coop.language`; an applicant's application's language; choices checked."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from coopfed.node import Node
from coopfed.services import languages, members
from coopfed.services.application_outcomes import Outcome, fediverse_text
from coopfed.services.errors import NotFound, ServiceError
from coopfed.settings import CoopSettings
from coopfed.store.membership import Application, ApplicationState

NOW = datetime(2026, 12, 4, 10, tzinfo=UTC)


def application(language: str | None) -> Application:
    return Application(
        1, "https://a.example/users/ann", "ann", "member", "", "fediverse", None,
        ApplicationState.PENDING, "", None, None, NOW, None, None, language=language,
    )  # fmt: skip


async def test_a_members_choice_else_the_co_ops_language(node: Node) -> None:
    bea = await members.add_member(node, local_username="bea")
    french_coop = replace(
        node.settings, coop=CoopSettings(name="Test Co-op", handle="testcoop", language="fr")
    )
    assert languages.member_language(node.settings, bea) == "en"
    assert languages.member_language(french_coop, bea) == "fr"  # no choice: the co-op's
    assert languages.member_language(french_coop, None) == "fr"  # no member row at all
    chosen = await members.set_language(node, "bea", "en")
    assert chosen.language == "en"
    assert languages.member_language(french_coop, chosen) == "en"  # the choice comes first
    assert await languages.choice_of_account(node, "bea") == "en"
    assert await languages.choice_of_account(node, "nobody") is None
    assert await languages.choose_language(node, "bea", " Default ") is None
    assert await languages.choice_of_account(node, "bea") == "default"
    with pytest.raises(NotFound):
        await languages.choose_language(node, "nobody", "fr")


async def test_only_supported_choices_are_kept(node: Node) -> None:
    await members.add_member(node, local_username="bea")
    for bad in ("de", "", "fr-CA", "english"):
        with pytest.raises(ServiceError, match="choose a language among en, fr, default"):
            await languages.choose_language(node, "bea", bad)
    assert await languages.choice_of_account(node, "bea") == "default"


def test_an_applicant_is_told_in_the_language_the_application_was_received_in() -> None:
    assert languages.applicant_language(application("fr")) == "fr"
    assert languages.applicant_language(application(None)) == "en"  # received before 0039
    assert languages.applicant_language(application("xx")) == "en"


async def test_a_fediverse_applicants_note_in_french(node: Node) -> None:
    text = fediverse_text(node.uris, "Test Co-op", Outcome(False, reason="Complet."), "fr")
    assert text == (
        "votre candidature pour rejoindre Test Co-op n'a pas été acceptée. Le motif donné : "
        "Complet."
    )
    admitted = fediverse_text(node.uris, "Test Co-op", Outcome(True, member_class="member"), "fr")
    assert admitted.startswith("bienvenue à Test Co-op : votre candidature a été acceptée")
    assert admitted.endswith(f"Toutes les propositions : {node.uris.base}/proposals")
