"""Proxy voting rules: who may hold whose vote, for what, and whose ballot counts.

A grant is for one proposal, for the proposals on one assembly's agenda (the caller reads
the agenda and hands it in), or for every proposal until a date. Pure: the store keeps
grants, services/votes.py asks these rules. A proxy adds no vote: the
electorate and quorum are unchanged, and the grantor's own ballot always overrides the holder's
ballot cast for her, whichever came first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from coopfed.governance.errors import GovernanceError


class ProxyRefused(GovernanceError):
    """A grant or a proxy ballot the charter does not allow; the message says why."""


@dataclass(frozen=True, slots=True)
class ProxyPolicy:
    """The charter's proxy settings. Off by default: a co-op turns proxies on in its charter."""

    allowed: bool = False
    cap_per_holder: int = 2
    same_class: bool = False

    def __post_init__(self) -> None:
        if self.cap_per_holder < 1:
            raise ProxyRefused("the proxy cap per holder must be at least 1")


@dataclass(frozen=True, slots=True)
class ProxyGrant:
    """A grantor lets a holder vote for her on one proposal, on the proposals on one
    assembly's agenda (`agenda`, their ids as the caller read them), or on every proposal
    until a date."""

    grantor: str
    holder: str
    granted_at: datetime
    proposal_id: str | None = None
    until: datetime | None = None
    assembly_id: str | None = None
    agenda: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.grantor == self.holder:
            raise ProxyRefused("a member cannot hold her own proxy")
        if self.proposal_id is not None and self.assembly_id is not None:
            raise ProxyRefused("a proxy is for one proposal or for one assembly, not both")
        if self.assembly_id is None and self.agenda:
            raise ProxyRefused("only a proxy for an assembly has an agenda")
        if self.until is not None and self.until <= self.granted_at:
            raise ProxyRefused("a proxy must last until a date after it is granted")

    def covers(self, proposal_id: str, at: datetime) -> bool:
        """True when this grant lets the holder vote on `proposal_id` at `at`."""
        if at < self.granted_at:
            return False
        scope = self.scope()
        if scope is not None and proposal_id not in scope:
            return False
        return self.until is None or at < self.until

    def scope(self) -> frozenset[str] | None:
        """The proposals this grant covers; None for every proposal."""
        if self.proposal_id is not None:
            return frozenset({self.proposal_id})
        if self.assembly_id is not None:
            return self.agenda
        return None


def _overlaps(a: ProxyGrant, b: ProxyGrant) -> bool:
    # Two grants compete for the cap unless no proposal is covered by both: two different
    # single proposals, or a single proposal not on an assembly's agenda. Two grants for one
    # assembly always overlap, even while its agenda is still empty.
    if a.assembly_id is not None and a.assembly_id == b.assembly_id:
        return True
    scope_a, scope_b = a.scope(), b.scope()
    return scope_a is None or scope_b is None or bool(scope_a & scope_b)


def check_grant(
    policy: ProxyPolicy,
    grant: ProxyGrant,
    active: Iterable[ProxyGrant],
    classes: Mapping[str, str],
    names: Mapping[str, str] | None = None,
) -> None:
    """Raise `ProxyRefused` unless `grant` may join the `active` grants; `classes` maps member
    to class, `names` (optional) member id to how the refusal names her."""

    def name(member_id: str) -> str:
        return (names or {}).get(member_id, member_id)

    if not policy.allowed:
        raise ProxyRefused("the charter does not allow proxies")
    if policy.same_class and classes.get(grant.grantor) != classes.get(grant.holder):
        raise ProxyRefused(
            f"the charter requires a proxy holder of the same class "
            f"({classes.get(grant.grantor)!r}, not {classes.get(grant.holder)!r})"
        )
    current = [g for g in active if _overlaps(g, grant)]
    if any(g.grantor == grant.grantor for g in current):
        raise ProxyRefused(f"{name(grant.grantor)} has already granted a proxy for this")
    if any(g.grantor == grant.holder for g in current):
        raise ProxyRefused(f"{name(grant.holder)} has granted her own proxy and cannot hold one")
    if any(g.holder == grant.grantor for g in current):
        # The other half of "no chains": a holder giving hers on would pass votes along.
        raise ProxyRefused(f"{name(grant.grantor)} holds a proxy and cannot grant her own")
    held = sum(1 for g in current if g.holder == grant.holder)
    if held >= policy.cap_per_holder:
        raise ProxyRefused(
            f"{name(grant.holder)} already holds {held} proxies, the charter's cap per holder"
        )


def holder_for(
    grants: Iterable[ProxyGrant], grantor: str, proposal_id: str, at: datetime
) -> str | None:
    """The member who holds `grantor`'s proxy on `proposal_id` at `at`, if any. Should two
    grants cover it (a proposal put on an assembly's agenda after she gave a proxy for it
    alone), the first one given, in `grants`' order, wins."""
    for grant in grants:
        if grant.grantor == grantor and grant.covers(proposal_id, at):
            return grant.holder
    return None


def check_proxy_ballot(
    policy: ProxyPolicy,
    grants: Iterable[ProxyGrant],
    *,
    grantor: str,
    holder: str,
    proposal_id: str,
    at: datetime,
    names: Mapping[str, str] | None = None,
) -> None:
    """Raise `ProxyRefused` unless `holder` may cast `grantor`'s ballot on `proposal_id` at
    `at`: the proposal's charter allows proxies and a grant in force covers it."""

    def name(member_id: str) -> str:
        return (names or {}).get(member_id, member_id)

    if not policy.allowed:
        raise ProxyRefused("this proposal's charter does not allow proxies")
    grants = list(grants)
    if holder_for(grants, grantor, proposal_id, at) != holder:
        reason = f"{name(holder)} holds no proxy of {name(grantor)} for this proposal"
        if any(
            g.grantor == grantor
            and g.holder == holder
            and g.assembly_id is not None
            and proposal_id not in g.agenda
            for g in grants
        ):
            reason += ": it is not on the agenda of the assembly her proxy is for"
        raise ProxyRefused(reason)


@dataclass(frozen=True, slots=True)
class CastBallot:
    """One ballot in log order: `voter` is whose vote it is, `cast_by` who cast it."""

    voter: str
    cast_by: str
    choice: str

    @property
    def by_proxy(self) -> bool:
        return self.voter != self.cast_by


def effective_ballots(ballots: Iterable[CastBallot]) -> dict[str, CastBallot]:
    """The ballot that counts for each voter: her own latest one if she cast any, else the
    holder's latest one cast for her. One voter, one counted ballot."""
    counted: dict[str, CastBallot] = {}
    for ballot in ballots:
        previous = counted.get(ballot.voter)
        if ballot.by_proxy and previous is not None and not previous.by_proxy:
            continue  # the grantor's own ballot overrides, cast before or after
        counted[ballot.voter] = ballot
    return counted
