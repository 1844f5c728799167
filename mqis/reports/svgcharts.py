"""Small line and bar charts as SVG, drawn in Python.

WeasyPrint runs no JavaScript, so the PDF's charts are SVG made here; the web report
uses the same SVG. Every chart is a self-contained `<svg role="img">` named by its
`<title>`; the page puts the same figures in a table beside it.
"""

import math
from dataclasses import dataclass
from html import escape

# GOV.UK colours; each line is also told apart by its dash pattern.
COLOURS = ["#1d70b8", "#d4351c", "#00703c", "#f47738", "#4c2c92"]
DASHES = ["", "7 4", "2 3", "10 3 2 3", "4 2"]
TEXT = "#0b0c0c"
SECONDARY = "#505a5f"
GRID = "#b1b4b6"
FONT = "Arial, 'Liberation Sans', Helvetica, sans-serif"

WIDTH = 600
HEIGHT = 220
LEFT, RIGHT, TOP = 52, 14, 12
AXIS_SPACE = 22  # below the plot: the x labels
LEGEND_ROW = 18
MAX_X_LABELS = 7


@dataclass
class Series:
    name: str
    values: list[float | None]


@dataclass
class Interval:
    """A shaded range around a line, e.g. a forecast's 80% interval."""

    name: str
    lower: list[float | None]
    upper: list[float | None]


def nice_step(rough: float) -> float:
    """The step of 1, 2, 2.5 or 5 times a power of ten at or above `rough`."""
    if rough <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(rough))
    for factor in (1, 2, 2.5, 5, 10):
        if rough <= factor * power * (1 + 1e-9):
            return factor * power
    return 10 * power


def nice_ticks(low: float, high: float, count: int = 5, *, whole: bool = False) -> list[float]:
    """Evenly spaced round values from at or below `low` to at or above `high`."""
    if high < low:
        low, high = high, low
    if high == low:
        high = low + (1 if whole or low == 0 else abs(low) * 0.1)
    step = nice_step((high - low) / max(count - 1, 1))
    if whole:
        step = max(1.0, float(math.ceil(step)))
    first = math.floor(low / step + 1e-9) * step
    last = math.ceil(high / step - 1e-9) * step
    steps = round((last - first) / step)
    return [round(first + i * step, 10) for i in range(steps + 1)]


def tick_label(value: float, unit: str) -> str:
    shown = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}".rstrip("0").rstrip(".")
    return f"{shown}{unit}"


def _known(values: list[float | None]) -> list[float]:
    return [v for v in values if v is not None]


def _y_ticks(series: list[Series], interval: Interval | None, unit: str, from_zero: bool) -> list[float]:
    values = [v for s in series for v in _known(s.values)]
    if interval:
        values += _known(interval.lower) + _known(interval.upper)
    low, high = min(values), max(values)
    if from_zero:
        low = min(low, 0.0)
    ticks = nice_ticks(low, high, whole=unit != "%" and all(float(v).is_integer() for v in values))
    if unit == "%":
        ticks = [t for t in ticks if 0 <= t <= 100] or ticks
    return ticks


class _Frame:
    """Where the plot area sits and how values map into it."""

    def __init__(self, points: int, ticks: list[float], legend_rows: int) -> None:
        self.points = points
        self.low, self.high = ticks[0], ticks[-1]
        self.bottom = HEIGHT - AXIS_SPACE - legend_rows * LEGEND_ROW
        self.right = WIDTH - RIGHT

    def x(self, index: int) -> float:
        if self.points == 1:
            return (LEFT + self.right) / 2
        return LEFT + index * (self.right - LEFT) / (self.points - 1)

    def y(self, value: float) -> float:
        span = (self.high - self.low) or 1.0
        clipped = min(max(value, self.low), self.high)
        return self.bottom - (clipped - self.low) * (self.bottom - TOP) / span


def _f(number: float) -> str:
    return f"{number:.1f}"


def _text(x: float, y: float, content: str, anchor: str = "start", colour: str = SECONDARY, size: int = 11) -> str:
    return (f'<text x="{_f(x)}" y="{_f(y)}" text-anchor="{anchor}" fill="{colour}" '
            f'font-size="{size}">{escape(content)}</text>')


def _grid(frame: _Frame, ticks: list[float], unit: str) -> list[str]:
    parts = []
    for tick in ticks:
        y = frame.y(tick)
        parts.append(f'<line x1="{LEFT}" y1="{_f(y)}" x2="{frame.right}" y2="{_f(y)}" stroke="{GRID}" '
                     f'stroke-width="{1 if tick == ticks[0] else 0.5}"/>')
        parts.append(_text(LEFT - 6, y + 4, tick_label(tick, unit), "end"))
    return parts


def _x_labels(frame: _Frame, labels: list[str]) -> list[str]:
    every = max(1, math.ceil(len(labels) / MAX_X_LABELS))
    shown = set(range(0, len(labels), every)) | {len(labels) - 1}
    # The last label stands alone when the one before would touch it.
    shown -= {i for i in shown if i != len(labels) - 1 and len(labels) - 1 - i < every}
    anchor = {0: "start", len(labels) - 1: "end"} if len(labels) > 1 else {}
    return [_text(frame.x(i), frame.bottom + 15, labels[i], anchor.get(i, "middle")) for i in sorted(shown)]


def _segments(frame: _Frame, values: list[float | None]) -> list[list[tuple[float, float]]]:
    """Runs of consecutive known values as points; a missing value breaks the line."""
    runs: list[list[tuple[float, float]]] = [[]]
    for i, value in enumerate(values):
        if value is None:
            runs.append([])
        else:
            runs[-1].append((frame.x(i), frame.y(value)))
    return [run for run in runs if run]


def _line(frame: _Frame, series: Series, index: int) -> list[str]:
    colour, dash = COLOURS[index % len(COLOURS)], DASHES[index % len(DASHES)]
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    parts = []
    for run in _segments(frame, series.values):
        path = " ".join(f"{'M' if i == 0 else 'L'}{_f(x)} {_f(y)}" for i, (x, y) in enumerate(run))
        parts.append(f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2.5"{dashed}/>')
        parts += [f'<circle cx="{_f(x)}" cy="{_f(y)}" r="3" fill="{colour}"/>' for x, y in run]
    return parts


def _band(frame: _Frame, interval: Interval) -> list[str]:
    pairs = [(i, lo, hi) for i, (lo, hi) in enumerate(zip(interval.lower, interval.upper, strict=True))
             if lo is not None and hi is not None]
    if not pairs:
        return []
    upper = [f"{_f(frame.x(i))},{_f(frame.y(hi))}" for i, _, hi in pairs]
    lower = [f"{_f(frame.x(i))},{_f(frame.y(lo))}" for i, lo, _ in reversed(pairs)]
    return [f'<polygon points="{" ".join(upper + lower)}" fill="{COLOURS[0]}" fill-opacity="0.18"/>']


def _legend(names: list[tuple[str, str, str]], top: float) -> list[str]:
    """One row of keys: (name, colour, dash), a dash of "band" draws a shaded box."""
    parts, x = [], float(LEFT)
    for name, colour, dash in names:
        if dash == "band":
            parts.append(f'<rect x="{_f(x)}" y="{_f(top - 6)}" width="22" height="10" fill="{colour}" '
                         f'fill-opacity="0.18"/>')
        else:
            dashed = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(f'<line x1="{_f(x)}" y1="{_f(top - 1)}" x2="{_f(x + 22)}" y2="{_f(top - 1)}" '
                         f'stroke="{colour}" stroke-width="2.5"{dashed}/>')
        parts.append(_text(x + 28, top + 3, name, colour=TEXT))
        x += 40 + 6.2 * len(name)
    return parts


def _svg(chart_id: str, title: str, height: int, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="mqis-svgchart" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" aria-labelledby="{chart_id}-title" '
        f'font-family="{FONT}"><title id="{chart_id}-title">{escape(title)}</title>'
        + "".join(body) + "</svg>"
    )


def no_data(chart_id: str, title: str, message: str = "No figures to draw yet.") -> str:
    return _svg(chart_id, title, 60, [_text(WIDTH / 2, 34, message, "middle", TEXT, 13)])


def line_chart(
    chart_id: str, title: str, labels: list[str], series: list[Series], *,
    unit: str = "", from_zero: bool = True, interval: Interval | None = None,
) -> str:
    """Lines over the labels (oldest first); `unit` is "%" or "" for a count."""
    if not any(_known(s.values) for s in series):
        return no_data(chart_id, title)
    keys = [(s.name, COLOURS[i % len(COLOURS)], DASHES[i % len(DASHES)]) for i, s in enumerate(series)]
    if interval:
        keys.append((interval.name, COLOURS[0], "band"))
    legend_rows = 1 if len(keys) > 1 else 0
    ticks = _y_ticks(series, interval, unit, from_zero)
    frame = _Frame(len(labels), ticks, legend_rows)
    body = _grid(frame, ticks, unit) + (_band(frame, interval) if interval else [])
    for index, one in enumerate(series):
        body += _line(frame, one, index)
    body += _x_labels(frame, labels)
    if legend_rows:
        body += _legend(keys, HEIGHT - LEGEND_ROW / 2)
    return _svg(chart_id, title, HEIGHT, body)


BAR_ROW = 22
BAR_LABELS = 170


def bar_chart(
    chart_id: str, title: str, labels: list[str], values: list[float], *,
    unit: str = "", colours: list[str] | None = None,
) -> str:
    """Horizontal bars, one a label, each with its value at its end."""
    if not values or not any(values):
        return no_data(chart_id, title)
    ticks = nice_ticks(0, max(values), 4, whole=all(float(v).is_integer() for v in values))
    room = WIDTH - RIGHT - BAR_LABELS - 50
    height = TOP + len(values) * BAR_ROW + 8

    def x(value: float) -> float:
        return BAR_LABELS + room * value / (ticks[-1] or 1)

    palette = colours or [COLOURS[0]]
    body = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        top = TOP + i * BAR_ROW
        colour = palette[i % len(palette)]
        body.append(_text(BAR_LABELS - 8, top + 14, label, "end", TEXT))
        body.append(f'<rect x="{BAR_LABELS}" y="{top + 3}" width="{_f(max(x(value) - BAR_LABELS, 0))}" '
                    f'height="{BAR_ROW - 7}" fill="{colour}"/>')
        body.append(_text(x(value) + 6, top + 14, tick_label(value, unit), colour=TEXT))
    body.append(f'<line x1="{BAR_LABELS}" y1="{TOP}" x2="{BAR_LABELS}" y2="{height - 8}" stroke="{TEXT}"/>')
    return _svg(chart_id, title, height, body)
