"""What a service returns for something that arrived in the inbox: acted on, or not.

Every `receive_*` service returns a `Received`; the inbound handlers hand it on unchanged, so
whether an activity was acted on is decided where the decision is made, never read back out of
the note's wording. The note is for operators (kept on the inbox item).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ReceivedState(StrEnum):
    """An inbox item's final state (the values stored in `inbox_items.state`)."""

    DONE = "done"  # acted on, or already so (a replay changes nothing and is not an error)
    IGNORED = "ignored"  # refused or not ours to act on: nothing changed


@dataclass(frozen=True)
class Received:
    state: ReceivedState
    note: str = ""


def done(note: str = "") -> Received:
    return Received(ReceivedState.DONE, note)


def ignored(reason: str) -> Received:
    return Received(ReceivedState.IGNORED, reason)
