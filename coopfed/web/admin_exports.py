"""Downloads for admins: the member register, the share ledger and a decided proposal's result,
as CSV or JSON attachments (services/register_export.py builds the tables).

The CSV starts with a UTF-8 byte-order mark: without it Excel reads the file as the machine's
legacy code page and turns "Zoë" into mojibake; LibreOffice, Numbers and csv readers opened with
`utf-8-sig` skip it. `coopfed member list --csv` (for pipes) prints the same text without it.
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coopfed.services import register_export
from coopfed.services.errors import NotFound, ServiceError
from coopfed.services.register_export import Table
from coopfed.web.sessions import require_admin
from coopfed.web.state import node_of
from coopfed.web.translate import N_

BOM = "\ufeff"
SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


def _attachment(body: str, filename: str, media_type: str) -> Response:
    filename = SAFE_NAME.sub("-", filename)  # slugs are base32 today; a header must stay one
    headers = {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "private, no-store",  # the register names people: no shared caches
    }
    return Response(body.encode("utf-8"), media_type=media_type, headers=headers)


def _table_response(table: Table, extension: str, document: Any = None) -> Response:
    if extension == "csv":
        return _attachment(BOM + register_export.to_csv(table), f"{table.name}.csv", "text/csv")
    body = json.dumps(table.records() if document is None else document, ensure_ascii=False,
                      indent=2, sort_keys=True)  # fmt: skip
    return _attachment(body + "\n", f"{table.name}.json", "application/json")


def _extension(request: Request) -> str:
    extension = str(request.path_params["extension"])
    if extension not in ("csv", "json"):
        raise HTTPException(404, N_("Exports are .csv or .json files."))
    return extension


async def register_download(request: Request) -> Response:
    await require_admin(request)
    extension = _extension(request)
    return _table_response(await register_export.register_table(node_of(request)), extension)


async def ledger_download(request: Request) -> Response:
    await require_admin(request)
    extension = _extension(request)
    return _table_response(await register_export.ledger_table(node_of(request)), extension)


async def result_download(request: Request) -> Response:
    await require_admin(request)
    extension = _extension(request)
    node = node_of(request)
    slug = str(request.path_params["slug"])
    try:
        table = await register_export.result_table(node, slug)
        document = await register_export.result_document(node, slug)
    except NotFound:
        raise HTTPException(404, N_("No proposal has this address.")) from None
    except ServiceError as error:  # not decided yet
        message = str(error)
        raise HTTPException(409, message[:1].upper() + message[1:] + ".") from None
    return _table_response(table, extension, document)


routes = [
    Route("/admin/members/register.{extension}", register_download, methods=["GET"]),
    Route("/admin/members/ledger.{extension}", ledger_download, methods=["GET"]),
    Route("/admin/proposals/{slug}/result.{extension}", result_download, methods=["GET"]),
]
