"""The on-time share by month as the geometry of a small bar chart, drawn by the report page as
inline SVG (no script, no external asset, no inline style: the console's CSP allows none)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.staff import texts_vi as T

WIDTH = 320  # the view box; about the width it is shown at on a phone (text stays legible)
HEIGHT = 200
LEFT = 38  # room for the axis labels
TOP = 20  # room for the value above a full bar
PLOT = 134  # height of 100 %
BASE = TOP + PLOT
GAP = 0.3  # of each slot, between bars


@dataclass(frozen=True, slots=True)
class Bar:
    """One month: results handed down (result ready, returned, rejected) and those on time."""

    month: date
    resolved: int
    on_time: int

    @property
    def share(self) -> float | None:
        """On time, in percent (None: nothing resolved)."""
        return 100 * self.on_time / self.resolved if self.resolved else None


@dataclass(frozen=True, slots=True)
class Shape:
    x: float
    y: float
    width: float
    height: float
    centre: float
    month: str  # "11"
    year: str  # "2026" under each January (and the first month, unless December), else ""
    value: str  # "88" (percent), "—" when nothing was resolved
    title: str  # the full sentence, for screen readers and hovering
    empty: bool  # nothing resolved that month: no bar


@dataclass(frozen=True, slots=True)
class Chart:
    width: int
    height: int
    base: float
    top: float
    left: int
    shapes: list[Shape]
    grid: list[tuple[float, str]]  # (y, "50 %")
    summary: str  # one sentence for the figure's label


def on_time_chart(bars: Sequence[Bar]) -> Chart:
    """Bars of the on-time share, one per month, oldest first."""
    slot = (WIDTH - LEFT) / max(len(bars), 1)
    shapes = []
    for i, bar in enumerate(bars):
        share = bar.on_time / bar.resolved if bar.resolved else None
        height = PLOT * (share or 0.0)
        x = LEFT + i * slot + slot * GAP / 2
        if share is None:
            value, title = T.EMPTY, T.CHART_NONE.format(month=f"{bar.month:%m/%Y}")
        else:
            value = str(round(share * 100))
            title = T.CHART_BAR.format(
                month=f"{bar.month:%m/%Y}",
                resolved=f"{bar.resolved:,}".replace(",", "."),
                on_time=f"{bar.on_time:,}".replace(",", "."),
                share=f"{share * 100:.1f}".replace(".", ","),
            )
        shapes.append(
            Shape(
                x=round(x, 1),
                y=round(BASE - height, 1),
                width=round(slot * (1 - GAP), 1),
                height=round(height, 1),
                centre=round(LEFT + i * slot + slot / 2, 1),
                month=str(bar.month.month),
                # Each January says its year; so does the first month, unless a January
                # follows at once (no room for two; December is then plainly the year before).
                year=str(bar.month.year)
                if bar.month.month == 1 or (i == 0 and bar.month.month != 12)
                else "",
                value=value,
                title=title,
                empty=share is None,
            )
        )
    grid = [(round(BASE - PLOT * f, 1), f"{round(f * 100)} %") for f in (0.0, 0.5, 1.0)]
    shown = [b for b in bars if b.resolved]
    resolved = sum(b.resolved for b in shown)
    on_time = sum(b.on_time for b in shown)
    summary = T.CHART_SUMMARY.format(
        months=len(bars),
        share=f"{100 * on_time / resolved:.1f}".replace(".", ",") if resolved else T.EMPTY,
    )
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        base=BASE,
        top=TOP,
        left=LEFT,
        shapes=shapes,
        grid=grid,
        summary=summary,
    )
