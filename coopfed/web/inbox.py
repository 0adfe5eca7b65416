"""Inbox endpoints (per-actor and shared). Being built (issue 3)."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
