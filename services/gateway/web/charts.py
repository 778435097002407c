"""The dashboard's charts: small pure functions from plain values to inline SVG, each in a <figure> with the same
numbers as a visually hidden table beside it (people who cannot see the chart read the table).

Everything is markup the page's Content-Security-Policy allows: presentation attributes (fill=, stroke=) and no
style= or script. Every text that came from data is escaped here, so the result is safe Markup. Colour is never
the only cue: cells say their RAG or risk level in words, series differ by dash pattern and marker shape and are
named in a legend. The charts plot what the services computed (RAG, CPI, SPI, levels); they compute nothing
but positions. The SVG has a viewBox and no fixed size, so it scales to the width of a phone.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape

# viewBox widths: a chart is drawn at this many units across and scaled to its column, so on a phone (about 360
# CSS px) its 13-unit text stays near 10 px. Text-heavy charts are narrow; the time series need more room.
WIDTH = 400
LINE_WIDTH = 480
HEAT_WIDTH = 420
INK = "#1f2328"  # text and axes: 15.8:1 on white
MUTED = "#57606a"  # grid, reference lines: 6.4:1 on white
EMPTY_FILL = "#eaeef2"

# RAG fills with the text colour that keeps at least 4.5:1 on each (WCAG AA for small text).
RAG_COLOURS: dict[str, tuple[str, str]] = {
    "GREEN": ("#1a7f37", "#ffffff"), "AMBER": ("#f0b400", INK), "RED": ("#c62828", "#ffffff"),
}
RAG_WORDS = {"GREEN": "Green", "AMBER": "Amber", "RED": "Red"}
RAG_DIMENSIONS = ("Overall", "Schedule", "Scope", "Cost", "Resources")

LEVEL_COLOURS: dict[str, tuple[str, str]] = {
    "LOW": ("#cfe8cf", INK), "MEDIUM": ("#ffe08a", INK), "HIGH": ("#f08c3a", INK), "CRITICAL": ("#a4161a", "#ffffff"),
}
LEVEL_WORDS = {"LOW": "Low", "MEDIUM": "Medium", "HIGH": "High", "CRITICAL": "Critical"}

# Series in order of appearance: colour, dash pattern and marker shape all differ, so each line is told apart in
# grey print and by people who do not see the colours.
SERIES_STYLES = (("#0b5cad", "", "circle"), ("#8a3ffc", "6 4", "square"), ("#b35900", "2 3", "diamond"))


@dataclass(frozen=True)
class RagRow:
    """One project's health as the service rated it: each a Rag name without prefix (GREEN...) or "" when unset."""
    label: str
    overall: str
    schedule: str
    scope: str
    cost: str
    resources: str


@dataclass(frozen=True)
class Point:
    day: dt.date
    value: Decimal


@dataclass(frozen=True)
class Series:
    label: str
    points: Sequence[Point]


@dataclass(frozen=True)
class Reference:
    """A horizontal line the reader compares the series with (CPI/SPI 1.0: on plan)."""
    value: Decimal
    label: str


@dataclass(frozen=True)
class HeatCell:
    probability: int  # 1..5
    impact: int  # 1..5
    count: int
    level: str  # a RiskLevel name without prefix (LOW...) or "" when the matrix gives none


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal | None  # None: nothing to plot, `note` says why
    note: str = ""


@dataclass(frozen=True)
class Plot:
    """The drawing area inside a chart's viewBox: where the axes' scales map values."""
    left: float
    top: float
    width: float
    height: float

    @property
    def bottom(self) -> float:
        return self.top + self.height

    @property
    def right(self) -> float:
        return self.left + self.width


LINE_LEGEND_ROW = 18
LINE_PLOT = Plot(left=56, top=2 * LINE_LEGEND_ROW + 16, width=LINE_WIDTH - 56 - 20, height=180)
LINE_HEIGHT = LINE_PLOT.bottom + 44
# Roughly how wide a character of 12-unit text is: enough to keep labels from overlapping, not a text layout.
CHAR_WIDTH = 7


def linear(lo: float, hi: float, out_lo: float, out_hi: float) -> Callable[[float], float]:
    """value -> position, lo -> out_lo and hi -> out_hi (a single value maps to the middle)."""
    if hi == lo:
        return lambda _v: (out_lo + out_hi) / 2
    return lambda v: out_lo + (v - lo) * (out_hi - out_lo) / (hi - lo)


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10^k at or above `value` (axis tops people read easily)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 2.5, 5, 10) if step * power >= value * (1 - 1e-9))


def _n(value: float) -> str:
    """A coordinate: one decimal at most, so the markup stays small and stable."""
    return f"{round(value, 1):g}"


def _attrs(**attrs: object) -> Markup:
    return Markup("").join(Markup(' {}="{}"').format(k.rstrip("_").replace("_", "-"), v)
                           for k, v in attrs.items() if v is not None and v != "")


def _tag(name: str, body: str | Markup = "", **attrs: object) -> Markup:
    if body == "":
        return Markup("<{}{} />").format(Markup(name), _attrs(**attrs))
    return Markup("<{0}{1}>{2}</{0}>").format(Markup(name), _attrs(**attrs), body)


def _text(x: float, y: float, body: str, **attrs: object) -> Markup:
    return _tag("text", escape(body), x=_n(x), y=_n(y), fill=attrs.pop("fill", INK), font_size=attrs.pop(
        "font_size", 13), **attrs)


def _figure(chart_id: str, title: str, desc: str, height: float, body: Iterable[Markup], table: Markup,
            width: int = WIDTH) -> Markup:
    svg = _tag("svg", Markup("").join([_tag("title", escape(title)), _tag("desc", escape(desc)), *body]),
               xmlns="http://www.w3.org/2000/svg", viewBox=f"0 0 {width} {_n(height)}", role="img",
               aria_label=title, focusable="false", font_family="system-ui, sans-serif")
    return _tag("figure", svg + table, class_="chart", id=chart_id)


def _empty(chart_id: str, title: str, message: str) -> Markup:
    """No data: a sentence that says so, not an empty frame that looks broken."""
    return _tag("figure", _tag("p", escape(f"{title}: {message}"), class_="chart-empty"), class_="chart chart-empty",
                id=chart_id)


def _table(caption: str, head: Sequence[str], rows: Iterable[Sequence[str]]) -> Markup:
    header = _tag("tr", Markup("").join(_tag("th", escape(h), scope="col") for h in head))
    body = Markup("").join(
        _tag("tr", _tag("th", escape(row[0]), scope="row") + Markup("").join(_tag("td", escape(c)) for c in row[1:]))
        for row in rows)
    # Hidden by its wrapper: a table sizes itself to its content whatever width its own class gives it.
    return _tag("div", _tag("table", _tag("caption", escape(caption)) + _tag("thead", header) + _tag("tbody", body)),
                class_="visually-hidden")


# --- RAG grid ------------------------------------------------------------------------------------------------------

def rag_grid(chart_id: str, title: str, rows: Sequence[RagRow]) -> Markup:
    """One row per project: its name, then a cell per dimension that says Green, Amber, Red or Not set."""
    if not rows:
        return _empty(chart_id, title, "no projects in this portfolio yet.")
    cell_w, cell_h, name_h, gap, head = WIDTH / len(RAG_DIMENSIONS), 28, 20, 10, 24
    body = [_text(i * cell_w + cell_w / 2, 16, dim, text_anchor="middle", font_weight="bold")
            for i, dim in enumerate(RAG_DIMENSIONS)]
    for r, row in enumerate(rows):
        y = head + r * (name_h + cell_h + gap)
        body.append(_text(0, y + 15, row.label, font_weight="bold"))
        for i, rag in enumerate(_rag_values(row)):
            fill, ink = RAG_COLOURS.get(rag, (EMPTY_FILL, INK))
            x = i * cell_w
            body.append(_tag("g", _tag("rect", x=_n(x + 2), y=_n(y + name_h), width=_n(cell_w - 4), height=cell_h,
                                       rx=3, fill=fill, stroke=MUTED if not rag else None)
                             + _text(x + cell_w / 2, y + name_h + 19, _rag_word(rag), text_anchor="middle", fill=ink),
                             class_=f"rag rag-{rag.lower() or 'unset'}", data_dimension=RAG_DIMENSIONS[i].lower()))
    height = head + len(rows) * (name_h + cell_h + gap)
    desc = "; ".join(f"{row.label}: {_rag_word(row.overall)} overall" for row in rows)
    table = _table(title, ("Project", *RAG_DIMENSIONS),
                   ((row.label, *(_rag_word(v) for v in _rag_values(row))) for row in rows))
    return _figure(chart_id, title, desc, height, body, table)


def _rag_values(row: RagRow) -> tuple[str, ...]:
    return row.overall, row.schedule, row.scope, row.cost, row.resources


def _rag_word(rag: str) -> str:
    return RAG_WORDS.get(rag, "Not set")


# --- line chart ----------------------------------------------------------------------------------------------------

def line_chart(chart_id: str, title: str, desc: str, series: Sequence[Series], *, y_label: str,
               reference: Reference | None = None, fmt: Callable[[Decimal], str] = str,
               tick_fmt: Callable[[Decimal], str] | None = None,
               empty: str = "no figures for these dates yet.") -> Markup:
    """Series over dates on one linear time axis (spaced by days, not by index) and a value axis from 0 to a
    round top above every value and the reference (`tick_fmt` writes its ticks, short; `fmt` the values in the
    table, in full). A series with no points is left out of the plot and the
    legend says it has no figures; when no series has any, the chart says so instead."""
    plotted = [s for s in series if s.points]
    if not plotted:
        return _empty(chart_id, title, empty)
    days = sorted({p.day for s in plotted for p in s.points})
    values = [float(p.value) for s in plotted for p in s.points]
    lo = min(0.0, *values)
    hi = nice_ceiling(max([*values, float(reference.value) if reference else 0.0]) * 1.1)
    plot = LINE_PLOT
    x = linear(days[0].toordinal(), days[-1].toordinal(), plot.left, plot.right)
    y = linear(lo, hi, plot.bottom, plot.top)
    body = [_axes(plot, y_label)]
    last_label = -math.inf
    for tick in _ticks(lo, hi):
        ty = y(tick)
        body.append(_tag("line", x1=_n(plot.left), x2=_n(plot.right), y1=_n(ty), y2=_n(ty), stroke=EMPTY_FILL))
        label = (tick_fmt or fmt)(Decimal(str(round(tick, 6))))
        body.append(_text(plot.left - 6, ty + 4, label, text_anchor="end", font_size=12, class_="y-tick",
                          data_value=f"{tick:g}"))
    for day in reversed(days):  # the latest date keeps its label; one too close to the label after it goes
        at = x(day.toordinal())
        if abs(last_label - at) < 6 * CHAR_WIDTH:
            continue
        last_label = at
        body.append(_text(at, plot.bottom + 16, f"{day.day} {day:%b}", text_anchor="middle", font_size=12,
                          class_="x-tick", data_day=day.isoformat()))
    if reference is not None:
        ry = y(float(reference.value))
        body.append(_tag("line", x1=_n(plot.left), x2=_n(plot.right), y1=_n(ry), y2=_n(ry), stroke=MUTED,
                         stroke_width=1.5, stroke_dasharray="1 3", class_="reference"))
        body.append(_text(plot.left + 4, ry - 4, reference.label, font_size=12, fill=MUTED))
    legend_x, legend_y = 0.0, 14.0
    for i, s in enumerate(series):
        colour, dash, marker = SERIES_STYLES[i % len(SERIES_STYLES)]
        entry_w = 34 + len(_legend_label(s)) * CHAR_WIDTH + 16
        if legend_x and legend_x + entry_w > LINE_WIDTH:  # the next row rather than off the edge
            legend_x, legend_y = 0.0, legend_y + LINE_LEGEND_ROW
        body.append(_legend_entry(legend_x, legend_y, s, colour, dash, marker))
        legend_x += entry_w
        if not s.points:
            continue
        points = sorted(s.points, key=lambda p: p.day)
        path = " ".join(f"{_n(x(p.day.toordinal()))},{_n(y(float(p.value)))}" for p in points)
        marks = Markup("").join(
            _marker(marker, x(p.day.toordinal()), y(float(p.value)), colour,
                    data_day=p.day.isoformat(), data_value=str(p.value)) for p in points)
        body.append(_tag("g", _tag("polyline", points=path, fill="none", stroke=colour, stroke_width=2.5,
                                   stroke_dasharray=dash) + marks, class_="series", data_series=s.label))
    rows = [(day.isoformat(), *(_value_at(s, day, fmt) for s in series)) for day in days]
    table = _table(title, ("Date", *(s.label for s in series)), rows)
    return _figure(chart_id, title, desc, LINE_HEIGHT, body, table, LINE_WIDTH)


def _axes(plot: Plot, y_label: str) -> Markup:
    return (_tag("line", x1=_n(plot.left), x2=_n(plot.left), y1=_n(plot.top), y2=_n(plot.bottom), stroke=INK)
            + _tag("line", x1=_n(plot.left), x2=_n(plot.right), y1=_n(plot.bottom), y2=_n(plot.bottom), stroke=INK)
            + _text(12, plot.top + plot.height / 2, y_label, text_anchor="middle", font_size=12,
                    transform=f"rotate(-90 12 {_n(plot.top + plot.height / 2)})")
            + _text(plot.left + plot.width / 2, plot.bottom + 36, "As of", text_anchor="middle", font_size=12))


def _ticks(lo: float, hi: float, count: int = 4) -> list[float]:
    step = (hi - lo) / count
    return [lo + i * step for i in range(count + 1)]


def _legend_label(s: Series) -> str:
    return s.label if s.points else f"{s.label} (no figures)"


def _legend_entry(x: float, y: float, s: Series, colour: str, dash: str, marker: str) -> Markup:
    return (_tag("line", x1=_n(x), x2=_n(x + 28), y1=_n(y), y2=_n(y), stroke=colour, stroke_width=2.5,
                 stroke_dasharray=dash)
            + _marker(marker, x + 14, y, colour) + _text(x + 34, y + 4, _legend_label(s), font_size=12))


def _marker(shape: str, cx: float, cy: float, colour: str, **data: str) -> Markup:
    if shape == "square":
        return _tag("rect", x=_n(cx - 4), y=_n(cy - 4), width=8, height=8, fill=colour, class_="point", **data,
                    data_cx=_n(cx), data_cy=_n(cy))
    if shape == "diamond":
        points = f"{_n(cx)},{_n(cy - 5)} {_n(cx + 5)},{_n(cy)} {_n(cx)},{_n(cy + 5)} {_n(cx - 5)},{_n(cy)}"
        return _tag("polygon", points=points, fill=colour, class_="point", **data, data_cx=_n(cx), data_cy=_n(cy))
    return _tag("circle", cx=_n(cx), cy=_n(cy), r=4, fill=colour, class_="point", **data, data_cx=_n(cx),
                data_cy=_n(cy))


def _value_at(s: Series, day: dt.date, fmt: Callable[[Decimal], str]) -> str:
    return next((fmt(p.value) for p in s.points if p.day == day), "no figure")


# --- risk heat map -------------------------------------------------------------------------------------------------

def heat_map(chart_id: str, title: str, cells: Sequence[HeatCell]) -> Markup:
    """The 5×5 probability × impact grid: each cell its count in large type and its level in words, coloured by
    the level the organization's matrix gives it; probability grows upwards, impact to the right."""
    if not cells:
        return _empty(chart_id, title, "no risk matrix to draw.")
    by_key: Mapping[tuple[int, int], HeatCell] = {(c.probability, c.impact): c for c in cells}
    size, left, top = 68, 56, 8
    body = []
    for p in range(1, 6):
        for i in range(1, 6):
            cell = by_key.get((p, i), HeatCell(p, i, 0, ""))
            fill, ink = LEVEL_COLOURS.get(cell.level, (EMPTY_FILL, INK))
            x, y = left + (i - 1) * size, top + (5 - p) * size
            body.append(_tag(
                "g", _tag("rect", x=_n(x + 1), y=_n(y + 1), width=size - 2, height=size - 2, fill=fill)
                + _text(x + size / 2, y + 36, str(cell.count), text_anchor="middle", font_size=22, fill=ink,
                        font_weight="bold" if cell.count else None, class_="count")
                + _text(x + size / 2, y + 56, LEVEL_WORDS.get(cell.level, ""), text_anchor="middle", font_size=12,
                        fill=ink),
                class_="cell", data_probability=p, data_impact=i, data_count=cell.count,
                data_level=cell.level.lower()))
        body.append(_text(left - 8, top + (5 - p) * size + size / 2 + 5, str(p), text_anchor="end"))
    grid_bottom = top + 5 * size
    body += [_text(left + (i - 1) * size + size / 2, grid_bottom + 18, str(i), text_anchor="middle")
             for i in range(1, 6)]
    body.append(_text(left + 2.5 * size, grid_bottom + 40, "Impact (1 low to 5 high)", text_anchor="middle"))
    mid = top + 2.5 * size
    body.append(_text(16, mid, "Probability (1 low to 5 high)", text_anchor="middle",
                      transform=f"rotate(-90 16 {_n(mid)})"))
    total = sum(c.count for c in cells)
    hot = sum(c.count for c in cells if c.level in ("HIGH", "CRITICAL"))
    desc = f"{total} active risks; {hot} of them rated high or critical."
    rows = [(f"Probability {p}", *(_cell_text(by_key.get((p, i))) for i in range(1, 6))) for p in range(5, 0, -1)]
    table = _table(title, ("", *(f"Impact {i}" for i in range(1, 6))), rows)
    return _figure(chart_id, title, desc, grid_bottom + 52, body, table, HEAT_WIDTH)


def _cell_text(cell: HeatCell | None) -> str:
    if cell is None:
        return "0"
    level = LEVEL_WORDS.get(cell.level)
    return f"{cell.count} ({level})" if level else str(cell.count)


# --- bars ----------------------------------------------------------------------------------------------------------

def bar_chart(chart_id: str, title: str, desc: str, bars: Sequence[Bar], *, maximum: Decimal | None = None,
              fmt: Callable[[Decimal], str] = str, colour: str = "#0b5cad",
              empty: str = "nothing to show yet.") -> Markup:
    """Horizontal bars, each labelled above and its value written at its end (bars are read by their labels, not
    their colour). `maximum` fixes the scale's top (a 1-5 score); else the largest value sets it."""
    if not bars:
        return _empty(chart_id, title, empty)
    top_value = float(maximum) if maximum is not None else max(
        [float(b.value) for b in bars if b.value is not None] or [0.0])
    row_h, bar_left, bar_right = 44, 2, WIDTH - 110  # labels sit above their bars: long names need no margin
    x = linear(0.0, top_value or 1.0, bar_left, bar_right)
    body = []
    for r, bar in enumerate(bars):
        y = r * row_h
        body.append(_text(0, y + 14, bar.label))
        if bar.value is None:
            body.append(_text(bar_left, y + 34, bar.note or "no figure", fill=MUTED, font_style="italic"))
            continue
        end = x(float(bar.value))
        body.append(_tag("g", _tag("rect", x=_n(bar_left), y=_n(y + 20), width=_n(max(end - bar_left, 0)), height=16,
                                   fill=colour)
                         + _text(end + 6, y + 33, fmt(bar.value) + (f" {bar.note}" if bar.note else "")),
                         class_="bar", data_label=bar.label, data_value=str(bar.value), data_end=_n(end)))
    rows = [(b.label, fmt(b.value) if b.value is not None else (b.note or "no figure")) for b in bars]
    table = _table(title, ("", "Value"), rows)
    return _figure(chart_id, title, desc, len(bars) * row_h + 4, body, table)
