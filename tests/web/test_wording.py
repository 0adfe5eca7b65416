"""Counts read as words ("1 member", not "1 members")."""

from fractions import Fraction

import pytest

from coopfed.governance.charter import Charter
from coopfed.web.proposal_pages import quorum_text
from coopfed.web.templating import templates
from coopfed.web.wording import counted


@pytest.mark.parametrize(
    ("count", "noun", "text"),
    [(0, "member", "0 members"), (1, "member", "1 member"), (2, "member", "2 members"),
     (1, "entry", "1 entry"), (3, "entry", "3 entries"), (1, "voter", "1 voter")],
)  # fmt: skip
def test_counted(count: int, noun: str, text: str) -> None:
    assert counted(count, noun) == text


def test_the_filter_is_there_for_templates() -> None:
    rendered = templates.env.from_string('{{ n | counted("voter") }}').render(n=1)
    assert rendered == "1 voter"


def test_a_quorum_of_one_member_reads_singular() -> None:
    text = quorum_text(Charter(quorum=Fraction(1, 2)), 1)
    assert "1 of 1 member, must vote" in text
