"""Access to the per-process `Node` from a request."""

from __future__ import annotations

from starlette.requests import Request

from coopfed.node import Node


def node_of(request: Request) -> Node:
    node = request.app.state.node
    assert isinstance(node, Node)
    return node
