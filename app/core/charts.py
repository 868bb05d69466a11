"""Charts drawn on the server, the same on a page and in a PDF, and readable without sight.

A `Chart` is only data (a title, the labels along the bottom, one or more series of numbers). `svg(chart)` draws
it as inline SVG for a page: no script, no CDN, so it works offline and under the CSP, prints, and scales with
large text (the text sizes are in the SVG's own units and the SVG scales to its box). `app/core/pdf.py` draws the
same chart for a PDF (`drawing(chart)`). The page macro `chart` (templates/_charts.html) puts the SVG, marked
as one image with its title, beside a table of the same numbers for screen readers and for anyone who wants them.

Why not a charting library: the charts here are bars and lines of a year by month or by kind; the two drawings
are short, and a vendored JavaScript library would need its own CSP exception and would not reach the PDF.
"""
import logging
from dataclasses import dataclass, field
from html import escape

from markupsafe import Markup

logger = logging.getLogger(__name__)

# Colours told apart by people with the common colour-vision deficiencies (Okabe–Ito), dark enough on white.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
KINDS = ("bar", "line")

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 40, 56  # room for the value axis, the title, the labels and the legend


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float, ...]

    def __init__(self, name: str, values):
        object.__setattr__(self, "name", str(name))
        object.__setattr__(self, "values", tuple(float(v or 0) for v in values))


@dataclass(frozen=True)
class Chart:
    """`labels` along the bottom (months, kinds), each series one value per label; `unit` is said after values;
    `axis` names what the labels are (the data table's first column: 月份, 类型)."""

    title: str
    labels: tuple[str, ...]
    series: tuple[Series, ...] = field(default_factory=tuple)
    kind: str = "bar"
    unit: str = ""
    axis: str = ""

    def __init__(self, title, labels, series=(), kind: str = "bar", unit: str = "", axis: str = ""):
        if kind not in KINDS:
            raise ValueError(f"unknown chart kind {kind}")
        series = tuple(series)
        labels = tuple(str(label) for label in labels)
        for s in series:
            if len(s.values) != len(labels):
                raise ValueError(f"series {s.name} has {len(s.values)} values for {len(labels)} labels")
        object.__setattr__(self, "title", str(title))
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "series", series)
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "unit", str(unit))
        object.__setattr__(self, "axis", str(axis))

    @property
    def empty(self) -> bool:
        return not any(any(s.values) for s in self.series)

    def rows(self) -> list[list]:
        """The data table: one row per label, one column per series."""
        return [[label, *(number(s.values[i]) for s in self.series)] for i, label in enumerate(self.labels)]

    def as_dict(self) -> dict:
        return {"title": self.title, "kind": self.kind, "unit": self.unit, "axis": self.axis,
                "labels": list(self.labels),
                "series": [{"name": s.name, "values": [number(v) for v in s.values]} for s in self.series]}

    @classmethod
    def from_dict(cls, data: dict) -> "Chart":
        return cls(data["title"], data["labels"], [Series(s["name"], s["values"]) for s in data.get("series", ())],
                   kind=data.get("kind", "bar"), unit=data.get("unit", ""), axis=data.get("axis", ""))


def number(value: float):
    """A whole number as an int (12, not 12.0), else rounded to two places."""
    return int(value) if float(value).is_integer() else round(value, 2)


def nice_step(value: float, whole: bool = False) -> float:
    """The gap between the value axis' lines: 1, 2 or 5 times a power of ten, so that about four of them reach
    `value`; at least 1 for whole numbers (a count never shows 2.5)."""
    if value <= 0:
        return 1
    raw = value / 4
    power = 1.0
    while power * 10 <= raw:
        power *= 10
    while power > raw:
        power /= 10
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return max(step, 1) if whole else step


def nice_top(value: float, whole: bool = False) -> float:
    """The axis' top: the first line at or above the largest value."""
    step = nice_step(value, whole)
    lines = max(1, -(-value // step)) if value > 0 else 1
    return number(lines * step)


def whole(chart: Chart) -> bool:
    """Every value a whole number (counts): the axis then steps by whole numbers too."""
    return all(float(v).is_integer() for s in chart.series for v in s.values)


def geometry(chart: Chart):
    largest = max((v for s in chart.series for v in s.values), default=0)
    top = nice_top(largest, whole(chart))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(chart.labels), 1)
    return top, plot_w, plot_h, slot


def ticks(top: float, whole_numbers: bool) -> list[float]:
    """The value axis' lines from 0 to `top` (which nice_top made a multiple of the step)."""
    step = nice_step(top, whole_numbers)
    count = int(round(top / step))
    return [number(step * i) for i in range(count + 1)]


def svg(chart: Chart) -> Markup:
    """The chart as an inline SVG element (role img, labelled by its title; the numbers are in the table beside)."""
    top, plot_w, plot_h, slot = geometry(chart)
    base = TOP + plot_h
    out = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(chart.title)}" '
           f'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid meet">',
           f'<text x="{LEFT}" y="22" class="chart-title">{escape(chart.title)}</text>']
    for tick in ticks(top, whole(chart)):
        y = base - plot_h * tick / top
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" class="chart-grid"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" class="chart-axis">'
                   f'{escape(str(number(tick)))}</text>')
    count = max(len(chart.series), 1)
    every = max(1, round(len(chart.labels) / 12))  # at most about twelve labels along the bottom
    for i, label in enumerate(chart.labels):
        if i % every == 0:
            out.append(f'<text x="{LEFT + slot * (i + .5):.1f}" y="{base + 18}" text-anchor="middle" '
                       f'class="chart-axis">{escape(label)}</text>')
    for n, s in enumerate(chart.series):
        colour = PALETTE[n % len(PALETTE)]
        if chart.kind == "bar":
            width = slot * .8 / count
            for i, value in enumerate(s.values):
                h = plot_h * value / top
                x = LEFT + slot * i + slot * .1 + width * n
                out.append(f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{width:.1f}" height="{h:.1f}" '
                           f'fill="{colour}"/>')
        else:
            points = " ".join(f"{LEFT + slot * (i + .5):.1f},{base - plot_h * v / top:.1f}"
                              for i, v in enumerate(s.values))
            out.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="3"/>')
            for i, v in enumerate(s.values):
                out.append(f'<circle cx="{LEFT + slot * (i + .5):.1f}" cy="{base - plot_h * v / top:.1f}" r="4" '
                           f'fill="{colour}"/>')
    x = LEFT
    for n, s in enumerate(chart.series):  # the legend, along the bottom
        out.append(f'<rect x="{x}" y="{HEIGHT - 18}" width="12" height="12" fill="{PALETTE[n % len(PALETTE)]}"/>')
        out.append(f'<text x="{x + 16}" y="{HEIGHT - 8}" class="chart-axis">{escape(s.name)}</text>')
        x += 28 + 14 * len(s.name)
    out.append("</svg>")
    return Markup("".join(out))
