"""Server-rendered bar charts: geometry for an inline SVG, no chart library, no inline styles.

The template draws each bar as a `<rect>` with presentation attributes (x, y, width, height)
and classes from site.css; the numbers are also in a table next to the chart, so the chart is
a picture of the table, never the only place a count is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

WIDTH = 320
LABEL_WIDTH = 110
VALUE_WIDTH = 56
ROW_HEIGHT = 28
BAR_HEIGHT = 18
MAX_LABEL = 16


@dataclass(frozen=True)
class Bar:
    label: str  # shortened for the picture
    full_label: str
    value: str
    x: int
    y: int
    width: int
    height: int
    text_y: int
    value_x: int
    leading: bool


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: tuple[Bar, ...]
    width: int
    height: int

    @property
    def description(self) -> str:
        return "; ".join(f"{bar.full_label}: {bar.value}" for bar in self.bars)


def number(value: object) -> Fraction:
    """Counts are ints, "p/q" fractions or 5-decimal strings (STV); anything else is 0."""
    if isinstance(value, bool):
        return Fraction(0)
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, str):
        try:
            return Fraction(Decimal(value)) if "/" not in value else Fraction(value)
        except (ValueError, ZeroDivisionError, InvalidOperation):
            return Fraction(0)
    return Fraction(0)


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


def bar_chart(title: str, values: Iterable[tuple[str, object]]) -> BarChart:
    """Horizontal bars scaled to the largest value; the largest bars are marked `leading`."""
    items = [(label, value, number(value)) for label, value in values]
    largest = max((amount for _, _, amount in items), default=Fraction(0))
    room = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    bars = []
    for row, (label, value, amount) in enumerate(items):
        width = 0 if largest <= 0 else round(room * amount / largest)
        y = row * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) // 2
        bars.append(
            Bar(
                label=_short(label),
                full_label=label,
                value=str(value),
                x=LABEL_WIDTH,
                y=y,
                width=max(width, 1 if amount > 0 else 0),
                height=BAR_HEIGHT,
                text_y=y + BAR_HEIGHT - 4,
                value_x=LABEL_WIDTH + max(width, 0) + 6,
                leading=largest > 0 and amount == largest,
            )
        )
    return BarChart(title, tuple(bars), WIDTH, max(len(bars), 1) * ROW_HEIGHT)
