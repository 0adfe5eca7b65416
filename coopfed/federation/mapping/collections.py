"""Paginated collections as `OrderedCollection` (summary + `first`) and `OrderedCollectionPage`.

Pages are numbered from 1 (`?page=N`); the summary carries `totalItems` and links to the first
and last pages, as Mastodon's collections do.
"""

from __future__ import annotations

from typing import Any

from coopfed.activitypub.vocab import AS_NS

PAGE_SIZE = 20


def page_count(total: int, page_size: int = PAGE_SIZE) -> int:
    return max(1, -(-total // page_size))


def collection_to_ap(collection_id: str, total: int, page_size: int = PAGE_SIZE) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": AS_NS,
        "id": collection_id,
        "type": "OrderedCollection",
        "totalItems": total,
    }
    if total:
        document["first"] = f"{collection_id}?page=1"
        document["last"] = f"{collection_id}?page={page_count(total, page_size)}"
    else:
        document["orderedItems"] = []
    return document


def collection_page_to_ap(
    collection_id: str,
    page: int,
    items: list[Any],
    total: int,
    page_size: int = PAGE_SIZE,
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": AS_NS,
        "id": f"{collection_id}?page={page}",
        "type": "OrderedCollectionPage",
        "partOf": collection_id,
        "totalItems": total,
        "orderedItems": items,
    }
    if page > 1:
        document["prev"] = f"{collection_id}?page={page - 1}"
    if page < page_count(total, page_size):
        document["next"] = f"{collection_id}?page={page + 1}"
    return document
