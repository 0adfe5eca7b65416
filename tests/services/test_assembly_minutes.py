"""The minutes' two renderings: members' words stay words (no Markdown markup), and the PDF
takes any title (its Latin-1 font gets plain stand-ins) and stays a readable PDF."""

from __future__ import annotations

import io

from pypdf import PdfReader

from coopfed.services.assembly_minutes import (
    Minutes,
    MinutesItem,
    minutes_markdown,
    minutes_pdf,
    pdf_text,
)

HASH = "ab" * 32


def _minutes(title: str) -> Minutes:
    item = MinutesItem(
        position=1, title=title, proposal_id="http://coop.test/proposals/p1",
        method="proposal@1", state="decided", outcome="passed", winners=("*Ana*",),
        counts="yes 2, no 1", turnout="3 of 4 voted", result_hash=HASH,
    )  # fmt: skip
    return Minutes(
        coop="Río Co-op", title="AGM “2030”", assembly_id="http://coop.test/assemblies/a1",
        when="2030-06-20 18:00 UTC", where="Town hall", quorum="1/2 of 4 eligible: 2 needed",
        present=2, quorum_met=True, attended=("ana", "ben"), represented=("cy",), items=(item,),
    )  # fmt: skip


def test_markdown_keeps_every_character_and_no_markup_from_titles() -> None:
    text = minutes_markdown(_minutes("# Buy *two* [bikes](http://x) — Велосипед"))
    assert "### 1. \\# Buy \\*two\\* \\[bikes\\](http://x) — Велосипед" in text
    assert "# Minutes: AGM “2030”" in text and f"- Result hash: {HASH}" in text
    assert "- Outcome: passed (\\*Ana\\*)" in text  # option names are members' words too
    assert "Represented by proxy (1): cy." in text and "the quorum was met" in text


def test_the_pdf_takes_any_title_with_plain_stand_ins() -> None:
    assert pdf_text("“A” – ‘b’ … Велосипед") == "\"A\" - 'b' ... ?????????"
    data = minutes_pdf(_minutes("Roof — Велосипед"))
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    text = "".join(page.extract_text() for page in reader.pages).replace("\n", "")
    assert "Roof - ?????????" in text and 'AGM "2030"' in text and HASH in text.replace(" ", "")
    assert reader.metadata is not None and reader.metadata.title == 'Minutes: AGM "2030"'
