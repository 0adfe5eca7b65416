"""The "Your ballots" section of /me: every ballot the member cast, with its receipt.

Importing this module registers the section in `me.SECTIONS` (once: modules load once).
"""

from __future__ import annotations

from coopfed.node import Node
from coopfed.services.proposal_pages import ballots_of
from coopfed.web import me
from coopfed.web.sessions import Viewer
from coopfed.web.translate import N_


async def ballots_section(node: Node, viewer: Viewer) -> me.PersonalSection | None:
    ballots = await ballots_of(node, node.uris.actor(viewer.username))
    if ballots is None:
        return None  # not a member: nothing to show
    return me.PersonalSection(
        "ballots", N_("Your ballots"), "me/ballots.html", {"ballots": ballots}
    )


if ballots_section not in me.SECTIONS:
    me.SECTIONS.append(ballots_section)
