"""Every canonical IRI this node mints. Nothing else builds our URLs by hand.

IRIs are opaque to peers but must stay stable forever once published, so their shapes live in
one place. Local actors (the co-op, members, projects, the instance actor) share one namespace.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote


@dataclass(frozen=True)
class Uris:
    base: str  # scheme://host[:port], no trailing slash

    def actor(self, username: str) -> str:
        return f"{self.base}/actors/{quote(username)}"

    def actor_key(self, username: str) -> str:
        return f"{self.actor(username)}#main-key"

    def actor_ed25519_key(self, username: str) -> str:
        return f"{self.actor(username)}#ed25519-key"

    def inbox(self, username: str) -> str:
        return f"{self.actor(username)}/inbox"

    def outbox(self, username: str) -> str:
        return f"{self.actor(username)}/outbox"

    def followers(self, username: str) -> str:
        return f"{self.actor(username)}/followers"

    def following(self, username: str) -> str:
        return f"{self.actor(username)}/following"

    def members(self, username: str) -> str:
        return f"{self.actor(username)}/members"

    def shared_inbox(self) -> str:
        return f"{self.base}/inbox"

    def profile_page(self, username: str) -> str:
        return f"{self.base}/@{quote(username)}"

    def member_record(self, member_id: str) -> str:
        return f"{self.base}/members/{quote(member_id)}"

    def proposal(self, proposal_id: str) -> str:
        return f"{self.base}/proposals/{quote(proposal_id)}"

    def assembly(self, assembly_id: str) -> str:
        """A general assembly: the Event servers read, the page browsers read."""
        return f"{self.base}/assemblies/{quote(assembly_id)}"

    def comment(self, comment_id: str) -> str:
        """A comment written on the site: the Note its author's actor published."""
        return f"{self.base}/comments/{quote(comment_id)}"

    def discussion(self, discussion_id: str) -> str:
        """A discussion: its page, and the Note the co-op's Group published."""
        return f"{self.base}/discussions/{quote(discussion_id)}"

    def discussion_comment(self, comment_id: str) -> str:
        """A comment written on the site in a discussion: its author's Note."""
        return f"{self.base}/discussion-comments/{quote(comment_id)}"

    def outcome(self, proposal_id: str) -> str:
        """A decided proposal's outcome statement: the Group's Note replying to the Question."""
        return f"{self.proposal(proposal_id)}/outcome"

    def activity(self, activity_id: str) -> str:
        return f"{self.base}/activities/{quote(activity_id)}"

    def nodeinfo(self) -> str:
        return f"{self.base}/nodeinfo/2.1"
