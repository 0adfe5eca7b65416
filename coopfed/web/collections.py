"""Outbox, followers, following and members collections. Being built (issue 3)."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
