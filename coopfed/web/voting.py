"""`POST /proposals/{slug}/vote`: a signed-in member's ballot, through `services.votes.cast_vote`.

The voter is the member bound to the signed-in person's actor IRI, the same entry remote votes
take. A proxy holder's form for a grantor carries `on_behalf_of` (the grantor's member id); its
"Same as mine" button (`action=same_as_mine`) casts the holder's own latest ballot for her.
The answer is the proposal page again with the outcome: counted or replaced (with the receipt,
the ballot's entry hash), or why not, next to the ballot: in the engine's words on an English
page, in the page's language from the refusal's typed reason otherwise (`outcome_message`; an
invalid choice keeps the method's own words, which are English only).
"""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coopfed.governance.errors import GovernanceError
from coopfed.i18n import DEFAULT
from coopfed.services.proposal_pages import ProposalPage, load_page
from coopfed.services.votes import ABSTAIN, VoteOutcome, VoteRefusal, VoteStatus, cast_vote
from coopfed.web.ballot_forms import BallotFormError, ballot_form, read_ballot
from coopfed.web.csrf import csrf_protected
from coopfed.web.errors import error_response
from coopfed.web.proposal_pages import proposal_page, reader_of
from coopfed.web.sessions import require_member
from coopfed.web.state import node_of
from coopfed.web.translate import N_, Translator, page_translator

# Refusals about the ballot itself are shown at the ballot; the rest at the top of the form.
STATUS_OF = {
    VoteRefusal.UNKNOWN_PROPOSAL: 404,
    VoteRefusal.NOT_A_MEMBER: 403,
    VoteRefusal.NOT_IN_ELECTORATE: 403,
    VoteRefusal.NO_LONGER_MEMBER: 403,
    VoteRefusal.AUTHOR_MAY_NOT_VOTE: 403,
    VoteRefusal.INVALID_CHOICE: 400,
    VoteRefusal.NO_PROXY: 403,
}
MEMBER_ID_MAX = 32  # members.member_id is String(32)
# The page text of refusals whose reason says it all (`%(name)s`: the grantor voted for).
REFUSAL_TEXT = {
    VoteRefusal.UNKNOWN_PROPOSAL: N_("there is no such proposal here"),
    VoteRefusal.NOT_A_MEMBER: N_("only members' votes count"),
    VoteRefusal.NOT_OPEN: N_("this proposal is not open for voting"),
    VoteRefusal.LATE: N_("voting has closed"),
    VoteRefusal.NOT_IN_ELECTORATE: N_(
        "you are not in this proposal's electorate (frozen when it opened)"
    ),
    VoteRefusal.NO_LONGER_MEMBER: N_("you are no longer a member, so you cannot vote"),
    VoteRefusal.AUTHOR_MAY_NOT_VOTE: N_("the charter forbids the author to vote"),
    VoteRefusal.CHANGE_NOT_ALLOWED: N_("the charter does not allow changing a ballot"),
    VoteRefusal.NO_PROXY: N_("you hold no proxy in force from this member for this proposal"),
    VoteRefusal.GRANTOR_VOTED: N_("%(name)s has voted herself: her own ballot counts"),
}


def grantor_name(page: ProposalPage, member_id: str | None) -> str:
    """The handle of the grantor a proxy ballot was for (her id when the page lacks her)."""
    held = page.voter.proxies if page.voter is not None else ()
    names = {proxy.grantor_id: proxy.grantor_label for proxy in held}
    return names.get(member_id or "", member_id or "")


def outcome_message(outcome: VoteOutcome, tr: Translator, grantor: str) -> str:
    """What the page says of a ballot counted for a grantor, or of a refusal. English pages
    keep the engine's own words (the CLI and the inbox share them)."""
    if tr.language == DEFAULT:
        return outcome.message
    if outcome.stored and outcome.status is not VoteStatus.INVALID:
        if outcome.status is VoteStatus.REPLACED:
            return tr.gettext("your ballot for %(name)s replaces your earlier one", name=grantor)
        return tr.gettext("your ballot for %(name)s counts", name=grantor)
    text = REFUSAL_TEXT.get(outcome.reason) if outcome.reason is not None else None
    return outcome.message if text is None else tr.gettext(text, name=grantor)


@csrf_protected
async def vote(request: Request, form: FormData) -> Response:
    """Read the ballot form, cast it, show the page with the outcome."""
    viewer = await require_member(request)
    node = node_of(request)
    tr = await page_translator(request)
    slug = request.path_params["slug"]
    page = await load_page(node, slug, await reader_of(request))
    if page is None:
        return error_response(404, "not_found", "no such proposal")
    on_behalf_of = form.get("on_behalf_of") or None
    if on_behalf_of is not None and (
        not isinstance(on_behalf_of, str) or len(on_behalf_of) > MEMBER_ID_MAX
    ):
        return error_response(400, "bad_request", "on_behalf_of is not a member id")
    extra: dict[str, object] = {"posted_for": on_behalf_of}
    if on_behalf_of is not None and form.get("action") == "same_as_mine":
        mine = page.voter
        if mine is None or not mine.receipts:
            first = tr.gettext("vote yourself first, then copy your ballot")
            refused = {**extra, "errors": {"ballot": first}}
            return await proposal_page(request, slug, refused, status=409)
        choice = ABSTAIN if mine.latest_kind == "abstain" else mine.latest_choice
        reason = mine.latest_reason
    else:
        try:
            ballot = read_ballot(
                ballot_form(page.record.proposal.method, page.record.proposal.spec, tr), form
            )
        except BallotFormError as error:
            refused = {**extra, "errors": error.errors, "choice": error.submitted}
            return await proposal_page(request, slug, refused, status=400)
        except GovernanceError:
            return error_response(409, "conflict", "this proposal's ballot cannot be shown")
        choice, reason = ballot.choice, ballot.reason
    outcome = await cast_vote(
        node,
        slug,
        node.uris.actor(viewer.username),
        choice,
        reason=reason,
        keep_invalid=False,  # a form can be corrected: say what is wrong instead of logging it
        on_behalf_of=on_behalf_of,
    )
    extra["outcome"] = outcome
    message = outcome_message(outcome, tr, grantor_name(page, on_behalf_of))
    extra["outcome_message"] = message
    if outcome.status is VoteStatus.REFUSED:
        extra["choice"] = choice
        if outcome.reason is VoteRefusal.INVALID_CHOICE:
            extra["errors"] = {"ballot": message}
        status = STATUS_OF.get(outcome.reason or VoteRefusal.NOT_OPEN, 409)
        return await proposal_page(request, slug, extra, status=status)
    return await proposal_page(request, slug, extra)


routes = [Route("/proposals/{slug}/vote", vote, methods=["POST"])]
