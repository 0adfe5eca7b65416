"""Telling an applicant what became of their application: by e-mail, by a private note.

Called by every decision path (an admin's admit or reject from the CLI or the web, the members'
admission vote, a class closed to applications) inside the decision's own transaction: the
message is a row in the mail queue (`services.mail.queue_message`) or in the outbox, so it goes
out with the decision or not at all, and the worker sends it later.

- A web applicant who gave an e-mail address gets an e-mail: admitted, with the sign-in link
  and what a member can do; rejected, with the reason. One who gave a fediverse handle instead
  (or too) gets the same words as a private note to that account: the handle is resolved when
  the form is posted (`resolve_contact`), so a typo is refused then, and a decision never waits
  on the network.
- A fediverse applicant (a `Join`) gets a private `Create{Note}` from the co-op actor, besides
  the `Accept`/`Reject` of the Join (FEDERATION.md, "Membership").

An applicant with neither reads the outcome on their page (`/me`) once signed in.

Every message is in the language the application was received in (`applications.language`:
the /apply page's, the co-op's for a Join; services/languages.py).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.federation.mapping.membership import ApplicationOutcome, application_outcome_to_ap
from coopfed.governance.canonical import rfc3339
from coopfed.i18n import DEFAULT, translations
from coopfed.node import Node
from coopfed.services.errors import ServiceError
from coopfed.services.languages import applicant_language
from coopfed.services.mail import queue_message
from coopfed.services.outbox import Audience, publish
from coopfed.services.remote_coops import local_username, resolve_uri
from coopfed.store.actors import LocalActor
from coopfed.store.membership import Application
from coopfed.uris import Uris

MAIL_KIND = "application_outcome"


MAX_HANDLE = 320


async def resolve_contact(node: Node, reference: str) -> str:
    """The actor IRI a fediverse handle (`@name@server`, or an actor URL) names, fetched
    through the safe fetcher (WebFinger, then the actor document); ServiceError worded for the
    applicant when it cannot be had."""
    ref = reference.strip()
    if len(ref) > MAX_HANDLE or any(char.isspace() for char in ref):
        raise ServiceError("give a fediverse account like @name@social.example")
    if not ref.startswith(("https://", "http://")) and ref.lstrip("@").count("@") != 1:
        raise ServiceError("give a fediverse account like @name@social.example")
    actor = await resolve_uri(node, ref)
    if local_username(node, actor) is not None:
        raise ServiceError("that is an account on this site: give your fediverse account")
    return actor


@dataclass(frozen=True)
class Outcome:
    """A decision as the applicant is told it."""

    admitted: bool
    reason: str = ""  # why rejected, as the decision recorded it
    member_class: str = ""  # the class admitted into


@dataclass(frozen=True)
class Letter:
    subject: str
    paragraphs: tuple[str, ...]  # plain text; a link is a paragraph of its own
    base: str  # the node's URL: only links under it become links in the HTML part

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def html(self) -> str:
        return "".join(f"<p>{_linked(paragraph, self.base)}</p>" for paragraph in self.paragraphs)


_URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:)]")


def _linked(paragraph: str, base: str) -> str:
    """Escape the text and make our own URLs links; any other URL (one an admin wrote in a
    reason) stays text, so a message from the co-op never carries a link it did not mint."""
    parts, last = [], 0
    for match in _URL.finditer(paragraph):
        if match.group(0) != base and not match.group(0).startswith(base + "/"):
            continue
        parts.append(html.escape(paragraph[last : match.start()]))
        url = html.escape(match.group(0), quote=True)
        parts.append(f'<a href="{url}">{url}</a>')
        last = match.end()
    parts.append(html.escape(paragraph[last:]))
    return "".join(parts)


def web_letter(
    uris: Uris, coop_name: str, username: str, outcome: Outcome, language: str = DEFAULT
) -> Letter:
    """What a web applicant (a local account) is told."""
    _ = translations(language).gettext
    words = {
        "coop": coop_name,
        "class": outcome.member_class,
        "username": username,
        "reason": outcome.reason,
        "proposals": f"{uris.base}/proposals",
        "me": f"{uris.base}/me",
    }
    if outcome.admitted:
        return Letter(
            _("Your application was accepted"),
            (
                _(
                    "Welcome to %(coop)s: your application was accepted, and you are now a"
                    " member (%(class)s)."
                )
                % words,
                _(
                    "Sign in with the username %(username)s and the password you chose when you"
                    " applied:"
                )
                % words,
                f"{uris.base}/sign-in",
                _(
                    "As a member you vote on the co-op's proposals and can propose where the"
                    " charter allows it (%(proposals)s). Your page (%(me)s) shows your"
                    " membership, your shares and your ballots with their receipts; there you"
                    " can also link a fediverse account to vote from a fediverse app."
                )
                % words,
            ),
            uris.base,
        )
    return Letter(
        _("Your application was not accepted"),
        (
            _("Your application to join %(coop)s was not accepted.") % words,
            _("The reason given: %(reason)s") % words,
            _("Your page shows the decision too (%(me)s, username %(username)s).") % words,
        ),
        uris.base,
    )


def fediverse_text(uris: Uris, coop_name: str, outcome: Outcome, language: str = DEFAULT) -> str:
    """What a fediverse applicant (a `Join`) is told in the private note."""
    _ = translations(language).gettext
    words = {
        "coop": coop_name,
        "class": outcome.member_class,
        "reason": outcome.reason,
        "proposals": f"{uris.base}/proposals",
    }
    if outcome.admitted:
        return (
            _(
                "welcome to %(coop)s: your application was accepted, and you are now a member"
                " (%(class)s). The co-op's proposals reach this account as polls: vote in them"
                " from your app. All proposals: %(proposals)s"
            )
            % words
        )
    return (
        _("your application to join %(coop)s was not accepted. The reason given: %(reason)s")
        % words
    )


async def tell_applicant(
    conn: AsyncConnection,
    uris: Uris,
    coop: LocalActor,
    application: Application,
    outcome: Outcome,
    now: datetime,
) -> None:
    """Queue the e-mail and/or the private note in the caller's (the decision's) transaction."""
    coop_name = coop.display_name or coop.username
    language = applicant_language(application)
    if application.email:
        letter = web_letter(uris, coop_name, application.handle, outcome, language)
        await queue_message(
            conn,
            to_address=application.email,
            subject=letter.subject,
            text_body=letter.text,
            html_body=letter.html,
            kind=MAIL_KIND,
            now=now,
        )
    if application.join_activity_id is not None:
        text = fediverse_text(uris, coop_name, outcome, language)
        await _send_note(conn, uris, coop, application, application.actor_uri, text, now)
    elif application.contact_actor is not None:
        # A local account told on its owner's fediverse account: the e-mail's words, sign-in
        # link included (a note is one paragraph: Mastodon shows it as a post).
        letter = web_letter(uris, coop_name, application.handle, outcome, language)
        text = " ".join(letter.paragraphs)
        await _send_note(conn, uris, coop, application, application.contact_actor, text, now)


async def _send_note(
    conn: AsyncConnection,
    uris: Uris,
    coop: LocalActor,
    application: Application,
    recipient: str,
    text: str,
    now: datetime,
) -> None:
    # One id per application: an application is settled once (membership_store.decide).
    coop_uri = uris.actor(coop.username)
    note_id = f"{coop_uri}/applications/{application.row_id}/outcome"
    activity = application_outcome_to_ap(
        ApplicationOutcome(
            note_id=note_id,
            activity_id=f"{note_id}/activity",
            coop_actor=coop_uri,
            applicant=recipient,
            text=text,
            published=rfc3339(now),
        )
    )
    audience = Audience(actors=(recipient,))
    await publish(conn, sender=coop, activity=activity, audience=audience, now=now, governance=True)
