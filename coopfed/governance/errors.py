"""Typed failures of the governance core; callers show `str(error)` to people."""


class GovernanceError(Exception):
    """Base of every error raised by coopfed.governance."""
