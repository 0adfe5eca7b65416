"""A proposal's paragraphs do not depend on the line endings the text arrived with."""

from hypothesis import given
from hypothesis import strategies as st

from coopfed.governance.proposal_text import normalise_newlines, paragraphs


def test_crlf_cr_and_lf_give_the_same_paragraphs() -> None:
    lf = "One\ntwo.\n\nThree.\n  \nFour."
    assert paragraphs(lf) == ["One\ntwo.", "Three.", "Four."]
    assert paragraphs(lf.replace("\n", "\r\n")) == paragraphs(lf)
    assert paragraphs(lf.replace("\n", "\r")) == paragraphs(lf)


def test_blank_text_has_no_paragraphs() -> None:
    assert paragraphs("") == [] and paragraphs("\r\n \r\n") == []


words = st.text(alphabet="ab .", min_size=1, max_size=8).filter(lambda w: w.strip())


@given(st.lists(words, min_size=1, max_size=6), st.sampled_from(["\n", "\r\n", "\r"]))
def test_any_line_ending_splits_where_a_blank_line_is(parts: list[str], newline: str) -> None:
    text = (newline * 2).join(parts)
    assert paragraphs(text) == [part.strip() for part in parts]
    assert "\r" not in normalise_newlines(text)
