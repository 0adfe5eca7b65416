"""Telling members what needs them: by e-mail, by a direct message, both or neither; at once
or in a daily digest (issue 15).

What is told, and to whom (the whom is services/audience.py's):

- a proposal **opened** — to the members of its electorate who are active now ("you may vote");
- a **reminder** `reminder_before` (charter, default 24 h; `off`: none) before it closes — to
  those of them with no ballot in its log yet; a proposal whose whole voting time is no longer
  than that gets no reminder (its opening notice is as recent);
- its **result** once decided — to all of them;
- an **application** waiting for an admin, an **alliance offer** received, a **joint
  proposal** received from a shared project — to the admins who are members.

The worker job `notifications` (`send_due_notifications`) finds each event from the stored
state — the open, decided and pending rows that have no `notification_events` row yet — and
fans it out in one transaction: the event row (unique (kind, subject), so exactly once however
many workers run), one `notifications` row per member, and for those who want it at once the
e-mail (`mail.queue_message`, a row the `mail` job sends with retries) and the direct message
(the transactional outbox). No vote, request or decision waits on any of it, and a rolled-back
fan-out is found again next round. Members who asked for a daily digest get one message per
day after `DIGEST_HOUR` (UTC) with everything pending since their last (`send_due_digests`).

Each message says why the member gets it and links to the page; e-mail is optional mail, so an
address that used an unsubscribe link gets none (a direct message still goes when chosen).

Each member is told in their language (services/languages.py: their choice, else the co-op's
`coop.language`): a notice is composed once per language an event's recipients read, and its
stored row (what /me lists, what a digest gathers) keeps the words the member was told in.
Dates are the co-op's time zone's, month and day names the language's (coopfed/i18n.py).
"""

from __future__ import annotations

import enum
import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.federation.mapping.notifications import (
    NoticeItem,
    NotificationNote,
    notification_note_to_ap,
)
from coopfed.governance.canonical import rfc3339
from coopfed.governance.charter import CharterError, parse_reminder_before
from coopfed.governance.members import MemberStatus
from coopfed.governance.proposal import ProposalState
from coopfed.i18n import N_, moment_text, translations
from coopfed.node import Node
from coopfed.services import audience, mail
from coopfed.services.errors import NotFound, ServiceError
from coopfed.services.languages import coop_language, member_language
from coopfed.services.members import coop_actor
from coopfed.services.outbox import Audience, publish
from coopfed.store import account_links as link_store
from coopfed.store import mail as mail_store
from coopfed.store import members as member_store
from coopfed.store import notifications as store
from coopfed.store import proposals as proposal_store
from coopfed.store.actors import LocalActor
from coopfed.store.members import MemberRecord
from coopfed.store.proposals import ProposalRecord
from coopfed.uris import Uris

log = logging.getLogger(__name__)

BATCH = 50
# A result is told for a week after the decision: a node down longer does not flood members
# with old news when it comes back.
RESULT_WINDOW = timedelta(days=7)
DIGEST_HOUR = 7  # UTC: daily digests go out from this hour on, one per member per UTC day
MAIL_KIND = "notification"
DIGEST_KIND = "digest"


class Channel(enum.StrEnum):
    EMAIL = "email"
    DM = "dm"
    BOTH = "both"
    NONE = "none"


class Frequency(enum.StrEnum):
    AT_ONCE = "at_once"
    DAILY = "daily"


@dataclass(frozen=True)
class Preference:
    channel: Channel
    frequency: Frequency
    chosen: bool  # False: no choice stored, this is the default

    @property
    def by_email(self) -> bool:
        return self.channel in (Channel.EMAIL, Channel.BOTH)

    @property
    def by_dm(self) -> bool:
        return self.channel in (Channel.DM, Channel.BOTH)


@dataclass(frozen=True)
class Notice:
    """One event as told to each of its members."""

    kind: str
    subject: str  # with `kind`, what makes the event unique (an IRI, an application key)
    title: str  # the e-mail's subject
    text: str
    reason: str  # why the member gets it, completing "You get this because …"
    url: str


# An event's notice in one language (a code of coopfed.i18n.SUPPORTED).
Compose = Callable[[str], Notice]


@dataclass(frozen=True)
class NotificationSettings:
    """What /me shows: the member's preference and what each channel would reach."""

    preference: Preference
    email: str | None
    email_opted_out: bool
    dm_targets: tuple[str, ...]


def default_channel(has_email: bool, has_dm: bool) -> Channel:
    """E-mail when the member has an address, else a direct message when they have a
    fediverse account (their own as a remote member, or a linked one), else nothing."""
    if has_email:
        return Channel.EMAIL
    return Channel.DM if has_dm else Channel.NONE


def is_local(uris: Uris, actor_uri: str) -> bool:
    return actor_uri.startswith(uris.actor(""))


def targets_of(uris: Uris, record: MemberRecord, linked: Sequence[str]) -> tuple[str, ...]:
    """A remote member's own actor and every account linked to the member; a local member's
    own account reads the site instead."""
    targets = [] if is_local(uris, record.actor_uri) else [record.actor_uri]
    return tuple(dict.fromkeys([*targets, *linked]))


async def dm_targets(conn: AsyncConnection, uris: Uris, record: MemberRecord) -> tuple[str, ...]:
    links = await link_store.links_of(conn, record.row_id)
    return targets_of(uris, record, [link.actor_uri for link in links])


def resolve_preference(
    stored: store.StoredPreference | None, record: MemberRecord, targets: tuple[str, ...]
) -> Preference:
    if stored is not None:
        return Preference(Channel(stored.channel), Frequency(stored.frequency), chosen=True)
    return Preference(default_channel(bool(record.email), bool(targets)), Frequency.AT_ONCE, False)


async def preference_in(conn: AsyncConnection, uris: Uris, record: MemberRecord) -> Preference:
    stored = await store.get_preference(conn, record.row_id)
    return resolve_preference(stored, record, await dm_targets(conn, uris, record))


@dataclass(frozen=True)
class Reach:
    """How one member is told: their preference and the accounts a direct message goes to."""

    preference: Preference
    targets: tuple[str, ...]


async def reach_of(
    conn: AsyncConnection, uris: Uris, records: Sequence[MemberRecord]
) -> dict[int, Reach]:
    """Every recipient's reach in two queries (a fan-out to a large electorate stays cheap)."""
    row_ids = [record.row_id for record in records]
    stored = await store.preferences_of(conn, row_ids)
    if len(records) > 1:
        links = await link_store.links_by_member(conn)
    else:  # one member (a digest): their own links, not the whole co-op's
        links = {r.row_id: await link_store.links_of(conn, r.row_id) for r in records}
    found = {}
    for record in records:
        linked = [link.actor_uri for link in links.get(record.row_id, [])]
        targets = targets_of(uris, record, linked)
        found[record.row_id] = Reach(
            resolve_preference(stored.get(record.row_id), record, targets), targets
        )
    return found


# --- the member's choice (/me) ---------------------------------------------------------------


async def _member_of_account(conn: AsyncConnection, uris: Uris, username: str) -> MemberRecord:
    record = await member_store.get_by_actor(conn, uris.actor(username))
    if record is None:
        raise NotFound("you are not a member, so the co-op has nothing to tell you")
    return record


async def _settings_in(
    conn: AsyncConnection, uris: Uris, record: MemberRecord
) -> NotificationSettings:
    opted_out = bool(record.email) and await mail_store.has_opted_out(conn, record.email or "")
    return NotificationSettings(
        await preference_in(conn, uris, record),
        record.email,
        opted_out,
        await dm_targets(conn, uris, record),
    )


async def notification_settings(node: Node, username: str) -> NotificationSettings | None:
    """The preference of the member of local account `username` (None: not a member)."""
    async with node.engine.connect() as conn:
        record = await member_store.get_by_actor(conn, node.uris.actor(username))
        if record is None:
            return None
        return await _settings_in(conn, node.uris, record)


def _parse(channel: str, frequency: str) -> tuple[Channel, Frequency]:
    try:
        chosen_channel = Channel(channel)
    except ValueError:
        raise ServiceError("choose e-mail, a direct message, both or none") from None
    try:
        chosen_frequency = Frequency(frequency)
    except ValueError:
        raise ServiceError("choose at once or a daily digest") from None
    return chosen_channel, chosen_frequency


async def choose_preference(
    node: Node, username: str, channel: str, frequency: str
) -> NotificationSettings:
    """Store the member's choice. Refused when the channel reaches nobody (no address for
    e-mail, no fediverse account for direct messages). Choosing e-mail here is asking for it:
    an earlier one-click unsubscribe of the address is forgotten."""
    chosen_channel, chosen_frequency = _parse(channel, frequency)
    async with node.engine.begin() as conn:
        record = await _member_of_account(conn, node.uris, username)
        wanted = Preference(chosen_channel, chosen_frequency, chosen=True)
        if wanted.by_email and not record.email:
            raise ServiceError("the co-op has no e-mail address for you: choose direct messages")
        if wanted.by_dm and not await dm_targets(conn, node.uris, record):
            raise ServiceError(
                "no fediverse account is linked to your membership: link one first, or choose "
                "e-mail"
            )
        await store.set_preference(
            conn, record.row_id, chosen_channel.value, chosen_frequency.value, node.now()
        )
        if wanted.by_email and record.email:
            await mail_store.forget_opt_out(conn, record.email)
        return await _settings_in(conn, node.uris, record)


# --- fan-out ---------------------------------------------------------------------------------


def _me_url(uris: Uris) -> str:
    return f"{uris.base}/me"


def _note_id(uris: Uris, *parts: object) -> str:
    digest = hashlib.sha256("\n".join(str(part) for part in parts).encode()).hexdigest()[:32]
    return uris.activity(f"notification-{digest}")


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def mail_bodies(
    uris: Uris, coop_name: str, items: Sequence[NoticeItem], language: str = "en"
) -> tuple[str, str]:
    """Plain text and (escaped) HTML: each item with its link and why the member gets it."""
    _ = translations(language).gettext
    because = _("You get this because %(reason)s")
    texts, htmls = [], []
    for item in items:
        texts.append(f"{item.text}\n{item.url}\n\n" + because % {"reason": item.reason})
        link = _escape(item.url)
        htmls.append(
            f'<p>{_escape(item.text)}<br><a href="{link}">{link}</a></p>'
            f"<p><small>{_escape(because % {'reason': item.reason})}</small></p>"
        )
    me = _me_url(uris)
    choose = _("Choose how %(coop)s tells you things:") % {"coop": coop_name}
    text = "\n\n".join(texts) + f"\n\n{choose} {me}"
    html = "<hr>".join(htmls) + (
        f'<p><small>{_escape(choose)} <a href="{_escape(me)}">{_escape(me)}</a></small></p>'
    )
    return text, html


async def _send(
    conn: AsyncConnection,
    node: Node,
    coop: LocalActor,
    record: MemberRecord,
    reach: Reach,
    *,
    subject: str,
    heading: str,
    items: Sequence[NoticeItem],
    id_parts: tuple[object, ...],
    kind: str,
    now: datetime,
    language: str,
) -> None:
    """Hand one message to the mail queue and/or the outbox, in the caller's transaction."""
    uris = node.uris
    preference = reach.preference
    if preference.by_email and record.email:
        text, html = mail_bodies(uris, node.settings.coop.name, items, language)
        await mail.queue_message(
            conn,
            to_address=record.email,
            subject=subject[:280],
            text_body=text,
            html_body=html,
            kind=kind,
            now=now,
            optional=True,
        )
    if preference.by_dm:
        for target in reach.targets:
            activity_id = _note_id(uris, *id_parts, target)
            note = NotificationNote(
                activity_id=activity_id,
                note_id=f"{activity_id}/note",
                sender=uris.actor(coop.username),
                recipient=target,
                heading=heading,
                items=tuple(items),
                settings_url=_me_url(uris),
                published=rfc3339(now),
                language=language,
            )
            activity = notification_note_to_ap(note)
            await publish(
                conn, sender=coop, activity=activity, audience=Audience(actors=(target,)), now=now
            )


async def fan_out(
    conn: AsyncConnection,
    node: Node,
    compose: Compose,
    recipients: Sequence[MemberRecord],
    now: datetime,
) -> int | None:
    """Tell the notice to each recipient by their preference and in their language, once: None
    when this event was told before (nothing done), else how many members were told or queued
    for their digest."""
    composed: dict[str, Notice] = {}

    def notice_in(language: str) -> Notice:
        if language not in composed:
            composed[language] = compose(language)
        return composed[language]

    first = notice_in(coop_language(node.settings))
    event_id = await store.claim_event(conn, first.kind, first.subject, now)
    if event_id is None:
        return None
    coop = await coop_actor(conn)
    told = 0
    unique = list({r.row_id: r for r in recipients}.values())
    reaches = await reach_of(conn, node.uris, unique)
    for record in unique:
        reach = reaches[record.row_id]
        preference = reach.preference
        if preference.channel is Channel.NONE:
            continue
        language = member_language(node.settings, record)
        notice = notice_in(language)
        item = NoticeItem(notice.text, notice.reason, notice.url)
        digest = preference.frequency is Frequency.DAILY
        await store.insert_notification(
            conn,
            event_id=event_id,
            member_row_id=record.row_id,
            title=notice.title,
            text=notice.text,
            reason=notice.reason,
            url=notice.url,
            digest=digest,
            now=now,
        )
        told += 1
        if not digest:
            await _send(
                conn, node, coop, record, reach,
                subject=notice.title, heading="", items=(item,),
                id_parts=(event_id, record.row_id), kind=MAIL_KIND, now=now,
                language=language,
            )  # fmt: skip
    return told


# --- what is told ----------------------------------------------------------------------------


# The result as the notice words it (a decision of governance/result.py's DecisionStatus).
OUTCOMES = {
    "passed": N_("passed"),
    "rejected": N_("rejected"),
    "no_quorum": N_("no quorum"),
    "tie": N_("tie"),
    "vetoed": N_("vetoed"),
    "inconclusive": N_("inconclusive"),
    "decided": N_("decided"),
}


def opened_notice(record: ProposalRecord, language: str = "en", zone: str = "UTC") -> Notice:
    _ = translations(language).gettext
    title = record.proposal.title
    closes = record.proposal.closes_at
    if closes is None:
        text = _("“%(title)s” is open for voting.") % {"title": title}
    else:
        until = moment_text(closes, zone, language)
        text = _("“%(title)s” is open for voting until %(closes)s.") % {
            "title": title,
            "closes": until,
        }
    return Notice(
        "opened",
        record.uri,
        _("New proposal: %(title)s") % {"title": title},
        text,
        _("you are in its electorate: you may vote on it."),
        record.uri,
    )


def reminder_notice(record: ProposalRecord, language: str = "en", zone: str = "UTC") -> Notice:
    _ = translations(language).gettext
    title = record.proposal.title
    closes = record.proposal.closes_at
    assert closes is not None
    words = {"title": title, "closes": moment_text(closes, zone, language)}
    return Notice(
        "reminder",
        record.uri,
        _("Voting closes soon: %(title)s") % words,
        _("Voting on “%(title)s” closes on %(closes)s, and you have not voted yet.") % words,
        _("you may vote on it and have not voted: this reminder is sent once."),
        record.uri,
    )


def result_notice(record: ProposalRecord, language: str = "en") -> Notice:
    _ = translations(language).gettext
    status = record.proposal.status
    outcome = OUTCOMES.get(status.value, status.value) if status is not None else "decided"
    words = {"title": record.proposal.title, "outcome": _(outcome)}
    return Notice(
        "result",
        record.uri,
        _("Result: %(title)s — %(outcome)s") % words,
        _("Voting on “%(title)s” has closed. The result: %(outcome)s.") % words,
        _("you were in its electorate."),
        record.uri,
    )


def application_notice(
    application: store.WaitingApplication, coop_name: str, base: str, language: str = "en"
) -> Notice:
    _ = translations(language).gettext
    words = {
        "who": application.handle or application.actor_uri,
        "class": application.requested_class,
        "source": application.source,
        "coop": coop_name,
    }
    return Notice(
        "application",
        store.application_subject(application.id),
        _("Application waiting: %(who)s") % words,
        _("%(who)s applied to join as %(class)s (%(source)s).") % words,
        _("you are an admin of %(coop)s, and an admin decides on applications.") % words,
        f"{base}/admin/applications",
    )


def offer_notice(
    offer: store.IncomingOffer, coop_name: str, base: str, language: str = "en"
) -> Notice:
    _ = translations(language).gettext
    words = {"ally": offer.remote_actor_uri, "coop": coop_name}
    return Notice(
        "alliance_offer",
        offer.offer_activity_id,
        _("Alliance offer from %(ally)s") % words,
        _("The co-op %(ally)s offers %(coop)s an alliance.") % words,
        _("you are an admin of %(coop)s, and an alliance offer waits for an answer.") % words,
        f"{base}/admin/alliances",
    )


def joint_notice(
    joint: store.ReceivedJoint, coop_name: str, base: str, language: str = "en"
) -> Notice:
    _ = translations(language).gettext
    words = {"title": joint.title, "project": joint.project_uri, "coop": coop_name}
    return Notice(
        "joint_proposal",
        joint.uri,
        _("Joint proposal: %(title)s") % words,
        _("The shared project %(project)s put “%(title)s” to its co-ops.") % words,
        _("you are an admin of %(coop)s, and a shared project sent the co-op a joint proposal.")
        % words,
        f"{base}/admin/projects",
    )


async def _proposal_in(conn: AsyncConnection, slug: str) -> ProposalRecord:
    record = await proposal_store.get_by_slug(conn, slug)
    assert record is not None
    return record


async def _tell_opened(node: Node) -> int:
    zone = node.settings.coop.time_zone
    async with node.engine.connect() as conn:
        slugs = await store.opened_to_tell(conn, BATCH)
    told = 0
    for slug in slugs:
        async with node.engine.begin() as conn:
            record = await _proposal_in(conn, slug)
            recipients = await audience.proposal_notice_members(conn, record)
            compose = partial(opened_notice, record, zone=zone)
            if await fan_out(conn, node, compose, recipients, node.now()) is not None:
                told += 1
    return told


def reminder_due(
    reminder_seconds: int, opened_at: datetime, closes_at: datetime, now: datetime
) -> bool:
    """Remind once the time left is at most `reminder_seconds`, while voting is still open;
    never when the whole voting time is no longer than that (0: the charter says off)."""
    before = timedelta(seconds=reminder_seconds)
    if reminder_seconds <= 0 or closes_at - opened_at <= before:
        return False
    return closes_at - before <= now < closes_at


def _reminder_seconds(charter_json: str) -> int:
    try:
        return parse_reminder_before(json.loads(charter_json).get("reminder_before", "24h"))
    except (CharterError, ValueError, AttributeError):
        return 0  # a charter this node could not read reminds nobody, rather than stop the job


async def _tell_reminders(node: Node) -> int:
    now = node.now()
    async with node.engine.connect() as conn:
        candidates = await store.reminders_to_consider(conn, BATCH)
    told = 0
    for due in candidates:
        seconds = _reminder_seconds(due.charter)
        if not reminder_due(seconds, due.opened_at, due.closes_at, now):
            continue
        async with node.engine.begin() as conn:
            record = await _proposal_in(conn, due.slug)
            if record.proposal.state is not ProposalState.OPEN:
                continue
            voted = await store.voter_row_ids(conn, record.row_id)
            eligible = await audience.proposal_notice_members(conn, record)
            recipients = [r for r in eligible if r.row_id not in voted]
            compose = partial(reminder_notice, record, zone=node.settings.coop.time_zone)
            if await fan_out(conn, node, compose, recipients, now) is not None:
                told += 1
    return told


async def _tell_results(node: Node) -> int:
    now = node.now()
    async with node.engine.connect() as conn:
        slugs = await store.results_to_tell(conn, now - RESULT_WINDOW, BATCH)
    told = 0
    for slug in slugs:
        async with node.engine.begin() as conn:
            record = await _proposal_in(conn, slug)
            recipients = await audience.proposal_notice_members(conn, record)
            compose = partial(result_notice, record)
            if await fan_out(conn, node, compose, recipients, now) is not None:
                told += 1
    return told


async def _tell_admins(node: Node) -> int:
    """Applications, alliance offers and joint proposals waiting for an admin."""
    base, coop_name, now = node.uris.base, node.settings.coop.name, node.now()
    notices: list[Compose] = []
    async with node.engine.connect() as conn:
        for application in await store.applications_to_tell(conn, BATCH):
            notices.append(partial(application_notice, application, coop_name, base))
        for offer in await store.offers_to_tell(conn, BATCH):
            notices.append(partial(offer_notice, offer, coop_name, base))
        for joint in await store.joint_proposals_to_tell(conn, BATCH):
            notices.append(partial(joint_notice, joint, coop_name, base))
    told = 0
    for notice in notices:
        async with node.engine.begin() as conn:
            admins = await audience.admin_members(conn, node.uris)
            if await fan_out(conn, node, notice, admins, now) is not None:
                told += 1
    return told


# --- the daily digest ------------------------------------------------------------------------


def digest_day(now: datetime) -> str | None:
    """The UTC day whose digest may go out now (None before DIGEST_HOUR)."""
    return None if now.hour < DIGEST_HOUR else now.date().isoformat()


async def send_due_digests(node: Node) -> int:
    """One message (by e-mail and/or direct message) per member per day with everything waiting
    for their digest; return how many digests were made."""
    now = node.now()
    day = digest_day(now)
    if day is None:
        return 0
    async with node.engine.connect() as conn:
        member_ids = await store.members_with_pending_digest(conn, day, BATCH)
    made = 0
    for member_row_id in member_ids:
        async with node.engine.begin() as conn:
            if await _digest_one(conn, node, member_row_id, day, now):
                made += 1
    return made


async def _digest_one(
    conn: AsyncConnection, node: Node, member_row_id: int, day: str, now: datetime
) -> bool:
    event_id = await store.claim_event(
        conn, "digest", store.digest_subject(member_row_id, day), now
    )
    if event_id is None:
        return False  # another worker made today's
    pending = await store.pending_digest(conn, member_row_id)
    record = await member_store.get_by_row_id(conn, member_row_id)
    await store.mark_sent(conn, [item.id for item in pending], now)
    if record is None or record.member.status is not MemberStatus.ACTIVE or not pending:
        return True  # told no one: a member who left hears nothing more
    reach = (await reach_of(conn, node.uris, [record]))[record.row_id]
    if reach.preference.channel is Channel.NONE:
        return True
    # Each item in the words it was stored in: the member's language when it was told.
    items = [NoticeItem(item.text, item.reason, item.url) for item in pending]
    language = member_language(node.settings, record)
    translated = translations(language)
    subject = translated.ngettext(
        "Daily digest: %(count)d notification", "Daily digest: %(count)d notifications", len(items)
    ) % {"count": len(items)}
    heading = translated.gettext("%(coop)s: daily digest") % {"coop": node.settings.coop.name}
    coop = await coop_actor(conn)
    await _send(
        conn, node, coop, record, reach,
        subject=subject, heading=heading, items=items,
        id_parts=("digest", member_row_id, day), kind=DIGEST_KIND, now=now, language=language,
    )  # fmt: skip
    return True


async def send_due_notifications(node: Node) -> int:
    """Worker job `notifications`: fan out every event not told yet, then the digests due."""
    handled = await _tell_opened(node)
    handled += await _tell_reminders(node)
    handled += await _tell_results(node)
    handled += await _tell_admins(node)
    handled += await send_due_digests(node)
    handled += await prune_told_events(node)
    return handled


# Long past RESULT_WINDOW: an event this old is one no `*_to_tell` query can list again, unless
# its subject is still waiting (store.prune_events keeps those).
EVENT_RETENTION = timedelta(days=90)


async def prune_told_events(node: Node) -> int:
    """Once a UTC day (a ("prune", day) event, claimed once however many workers run): forget
    the events told more than EVENT_RETENTION ago that can never be told again."""
    now = node.now()
    day = now.date().isoformat()
    async with node.engine.connect() as conn:
        if await store.event_claimed(conn, "prune", day):
            return 0  # the usual case: one read per round
    async with node.engine.begin() as conn:
        if await store.claim_event(conn, "prune", day, now) is None:
            return 0
        before, since = now - EVENT_RETENTION, now - RESULT_WINDOW
        return await store.prune_events(conn, before=before, results_since=since)
