"""Wiring only: build the Starlette app from settings; start the in-process worker."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from coopfed.node import Node
from coopfed.settings import Settings, load_settings
from coopfed.web import (
    actors,
    admin,
    admin_charter,
    admin_classes,
    admin_exports,
    admin_members,
    admin_register,
    admin_relations,
    apply,
    assemblies,
    auth,
    collections,
    discovery,
    home,
    inbox,
    mail_pages,
    me,
    me_language,
    me_links,
    me_membership,
    me_notifications,
    me_password,
    me_proxies,
    members,
    metrics,
    password_pages,
    proposals,
    relations,
)
from coopfed.web.body_deadline import BodyDeadline
from coopfed.web.errors import exception_handlers
from coopfed.web.headers import SecurityHeaders
from coopfed.web.templating import STATIC_DIR
from coopfed.worker import Worker


def create_app(
    settings: Settings, *, run_worker: bool | None = None, node: Node | None = None
) -> Starlette:
    node = node or Node.from_settings(settings)
    in_process = settings.worker.in_process if run_worker is None else run_worker

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        stop = asyncio.Event()
        task = asyncio.create_task(Worker(node).run(stop)) if in_process else None
        try:
            yield
        finally:
            stop.set()
            if task is not None:
                await task
            await node.close()

    app = Starlette(
        routes=[
            *home.routes,
            *discovery.routes,
            *actors.routes,
            *inbox.routes,
            *collections.routes,
            *auth.routes,
            *me.routes,
            *me_membership.routes,
            *me_links.routes,
            *me_password.routes,
            *password_pages.routes,
            *me_notifications.routes,
            *me_language.routes,
            *me_proxies.routes,
            *apply.routes,
            *admin.routes,
            *mail_pages.routes,
            *admin_members.routes,
            *admin_exports.routes,  # before admin_register: /admin/members/register.csv
            *admin_register.routes,
            *admin_charter.routes,
            *admin_classes.routes,
            *admin_relations.routes,
            *relations.routes,
            *proposals.routes,
            *assemblies.routes,
            *members.routes,
            *metrics.routes,
            Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
        ],
        middleware=[
            Middleware(BodyDeadline, seconds=settings.server.body_read_timeout),
            Middleware(SecurityHeaders, https=settings.base_url.startswith("https://")),
        ],
        exception_handlers=exception_handlers,
        lifespan=lifespan,
    )
    app.state.node = node
    return app


def app_from_environment() -> Starlette:
    """Factory for `uvicorn --factory coopfed.app:app_from_environment` (several web processes)."""
    return create_app(load_settings())
