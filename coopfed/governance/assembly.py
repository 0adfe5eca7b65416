"""General assemblies: the quorum of attending-or-represented members (docs/governance.md,
rule 18).

An assembly's quorum is its own, separate from the quorum of each proposal on its agenda: it
asks whether enough of the co-op was in the room (or represented by someone who was) for the
meeting to be held at all. Pure: the caller gives the eligible members, who attended, and the
standing proxies it found; nothing here reads a clock or a database.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from coopfed.governance.canonical import fraction_str


@dataclass(frozen=True, slots=True)
class AssemblyQuorum:
    """How the assembly's quorum came out. `needed` is 0 without a quorum."""

    eligible: int
    attended: tuple[str, ...]  # eligible members present, sorted
    represented: tuple[str, ...]  # eligible members absent but represented by one present
    quorum: Fraction | None
    needed: int

    @property
    def present(self) -> int:
        return len(self.attended) + len(self.represented)

    @property
    def met(self) -> bool:
        return self.present >= self.needed

    def quorum_text(self) -> str | None:
        return None if self.quorum is None else fraction_str(self.quorum)


def needed_for(quorum: Fraction | None, eligible: int) -> int:
    """Members who must be present or represented: ceil(quorum × eligible), at least one when
    there is a quorum and anyone is eligible (a quorum of 1% of 10 members is one member)."""
    if quorum is None or quorum == 0 or eligible == 0:
        return 0
    return max(1, math.ceil(quorum * eligible))


def assembly_quorum(
    eligible: Iterable[str],
    attended: Iterable[str],
    proxies: Iterable[tuple[str, str]],
    quorum: Fraction | None,
) -> AssemblyQuorum:
    """`proxies` are (grantor, holder) pairs standing at the assembly. An absent eligible
    grantor is represented when a holder attended; a grantor who attended counts once, as
    present (her own presence overrides the proxy, as her own ballot does). Members who are
    not eligible (a non-voting class, no longer active) count neither way."""
    voters = frozenset(eligible)
    present = frozenset(attended)
    here = tuple(sorted(present & voters))
    holders_present = {grantor for grantor, holder in proxies if holder in present}
    represented = sorted(holders_present & (voters - present))
    return AssemblyQuorum(
        eligible=len(voters),
        attended=here,
        represented=tuple(represented),
        quorum=quorum,
        needed=needed_for(quorum, len(voters)),
    )
