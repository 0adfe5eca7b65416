"""`POST /proposals/{slug}/vote`: a signed-in member's ballot, through `services.votes.cast_vote`.

The voter is the member bound to the signed-in person's actor IRI, the same entry remote votes
take. A proxy holder's form for a grantor carries `on_behalf_of` (the grantor's member id); its
"Same as mine" button (`action=same_as_mine`) casts the holder's own latest ballot for her.
The answer is the proposal page again with the outcome: counted or replaced (with the receipt,
the ballot's entry hash), or why not, in the engine's words, next to the ballot.
"""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coopfed.governance.errors import GovernanceError
from coopfed.services.proposal_pages import load_page
from coopfed.services.votes import ABSTAIN, VoteRefusal, VoteStatus, cast_vote
from coopfed.web.ballot_forms import BallotFormError, ballot_form, read_ballot
from coopfed.web.csrf import csrf_protected
from coopfed.web.errors import error_response
from coopfed.web.proposal_pages import proposal_page, reader_of
from coopfed.web.sessions import require_member
from coopfed.web.state import node_of

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


@csrf_protected
async def vote(request: Request, form: FormData) -> Response:
    """Read the ballot form, cast it, show the page with the outcome."""
    viewer = await require_member(request)
    node = node_of(request)
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
            refused = {**extra, "errors": {"ballot": "vote yourself first, then copy your ballot"}}
            return await proposal_page(request, slug, refused, status=409)
        choice = ABSTAIN if mine.latest_kind == "abstain" else mine.latest_choice
        reason = mine.latest_reason
    else:
        try:
            ballot = read_ballot(
                ballot_form(page.record.proposal.method, page.record.proposal.spec), form
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
    if outcome.status is VoteStatus.REFUSED:
        extra["choice"] = choice
        if outcome.reason is VoteRefusal.INVALID_CHOICE:
            extra["errors"] = {"ballot": outcome.message}
        status = STATUS_OF.get(outcome.reason or VoteRefusal.NOT_OPEN, 409)
        return await proposal_page(request, slug, extra, status=status)
    return await proposal_page(request, slug, extra)


routes = [Route("/proposals/{slug}/vote", vote, methods=["POST"])]
