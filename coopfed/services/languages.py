"""Which language the co-op speaks to a person in (issue #16).

A member may choose English or French for the site and for everything the co-op writes to
them (`members.language`; None: no preference). A message — an e-mail, a private note — is in
the recipient's choice, else the co-op's `coop.language`: a message has no browser to ask. An
applicant has no member row yet: their application keeps the language it was received in
(`applications.language`: the /apply page's, the co-op's for a fediverse Join). Pages put the
member's choice first too (web/language.py).
"""

from __future__ import annotations

from coopfed.i18n import DEFAULT, SUPPORTED, supported
from coopfed.node import Node
from coopfed.services.errors import NotFound, ServiceError
from coopfed.settings import Settings
from coopfed.store import members as member_store
from coopfed.store.members import MemberRecord
from coopfed.store.membership import Application

# What `set_language` takes besides a supported language: forget the choice.
NO_PREFERENCE = "default"


def coop_language(settings: Settings) -> str:
    return supported(settings.coop.language) or DEFAULT


def member_language(settings: Settings, record: MemberRecord | None) -> str:
    """The language of a message to this member: their choice, else the co-op's."""
    chosen = supported(record.language) if record is not None else None
    return chosen or coop_language(settings)


def applicant_language(application: Application) -> str:
    """The language of the outcome's message: the one the application was received in (the
    /apply page's; the co-op's for a Join, services.membership); English for one received
    before migration 0039, which kept none."""
    return supported(application.language) or DEFAULT


def parse_choice(value: str) -> str | None:
    """A supported language code, or None for "default" (no preference); ServiceError else."""
    text = value.strip().lower()
    if text == NO_PREFERENCE:
        return None
    if text not in SUPPORTED:
        choices = ", ".join((*SUPPORTED, NO_PREFERENCE))
        raise ServiceError(f"choose a language among {choices}, not {value!r}")
    return text


async def choice_of_account(node: Node, username: str) -> str | None:
    """What /me shows as chosen: "en", "fr" or "default"; None when `username` is no member."""
    async with node.engine.connect() as conn:
        record = await member_store.get_by_actor(conn, node.uris.actor(username))
    if record is None:
        return None
    return supported(record.language) or NO_PREFERENCE


async def choose_language(node: Node, username: str, value: str) -> str | None:
    """Store the choice of the member of local account `username` (/me); return it."""
    language = parse_choice(value)
    async with node.engine.begin() as conn:
        record = await member_store.get_by_actor(conn, node.uris.actor(username))
        if record is None:
            raise NotFound("you are not a member, so there is no language to keep for you")
        await member_store.set_language(conn, record.row_id, language)
    return language
