"""Bar chart geometry: scaled to the largest value, every count format understood."""

from __future__ import annotations

from fractions import Fraction

from coopfed.web.charts import LABEL_WIDTH, VALUE_WIDTH, WIDTH, bar_chart, number


def test_bars_scale_to_the_largest_value() -> None:
    chart = bar_chart("Votes", [("yes", 4), ("no", 2), ("block", 0)])
    room = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    assert [bar.width for bar in chart.bars] == [room, room // 2, 0]
    assert [bar.leading for bar in chart.bars] == [True, False, False]
    assert len({bar.y for bar in chart.bars}) == 3 and chart.height == 3 * 28
    assert chart.description == "yes: 4; no: 2; block: 0"


def test_counts_in_every_format() -> None:
    assert number("4.99998") == Fraction(499998, 100000)
    assert number("5/2") == Fraction(5, 2)
    assert number(True) == 0 and number(None) == 0 and number("junk") == 0


def test_empty_and_all_zero_charts_draw_no_bars() -> None:
    assert bar_chart("Votes", []).bars == ()
    zero = bar_chart("Votes", [("a", 0)])
    assert zero.bars[0].width == 0 and not zero.bars[0].leading


def test_long_labels_are_shortened_in_the_picture_only() -> None:
    bar = bar_chart("Votes", [("A very long option name indeed", 1)]).bars[0]
    assert len(bar.label) == 16 and bar.label.endswith("…")
    assert bar.full_label == "A very long option name indeed"
