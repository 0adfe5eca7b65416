"""Dates on pages are in the co-op's time zone and read as words."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import httpx
import pytest

from coopfed.node import Node
from coopfed.services import members
from coopfed.web.dates import day_text, moment_text
from coopfed.web.templating import templates
from tests.support.governance import open_yes_no, use_clock
from tests.web.conftest import HTML

WINTER = datetime(2026, 12, 4, 14, 30, tzinfo=UTC)
SUMMER = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)


def test_times_read_in_the_zone_with_its_abbreviation() -> None:
    assert moment_text(WINTER, "Europe/Paris") == "Friday 4 December 2026, 15:30 CET"
    assert moment_text(SUMMER, "Europe/Paris") == "Thursday 2 July 2026, 01:30 CEST"
    assert moment_text(WINTER, "UTC") == "Friday 4 December 2026, 14:30 UTC"
    assert day_text(SUMMER, "America/Montreal") == "1 July 2026"


def test_a_naive_stored_time_is_utc() -> None:
    assert moment_text(WINTER.replace(tzinfo=None), "Europe/Paris").endswith("15:30 CET")


def test_the_filters_read_the_coops_zone() -> None:
    class Coop:
        time_zone = "Asia/Tokyo"

    rendered = templates.env.from_string("{{ t | when }} / {{ t | day }}").render(
        t=WINTER, coop=Coop()
    )
    assert rendered == "Friday 4 December 2026, 23:30 JST / 4 December 2026"


@pytest.mark.usefixtures("accounts")
async def test_the_proposal_page_shows_closing_time_in_the_coops_zone(
    node: Node, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_clock(node)
    await members.add_member(node, local_username="bea")
    record = await open_yes_no(node)
    closes = record.proposal.closes_at
    assert closes is not None
    paris = replace(node.settings.coop, time_zone="Europe/Paris")
    monkeypatch.setattr(node, "settings", replace(node.settings, coop=paris))
    page = await client.get(f"/proposals/{record.slug}", headers=HTML)
    assert moment_text(closes, "Europe/Paris") in page.text
    assert moment_text(closes, "Europe/Paris") != moment_text(closes, "UTC")
