"""Failures of governance use cases, worded for the admin or member who asked."""

from __future__ import annotations


class ServiceError(ValueError):
    """A request the node refuses; `str(error)` is one line meant for people."""


class NotFound(ServiceError):
    """An unknown member or proposal."""
