"""The dashboard's SVG charts: well-formed markup, values where the axes say, names escaped, an accessible name and
a table of the same numbers beside each chart, and an explicit sentence when there is nothing to draw."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from services.gateway.web import charts
from services.gateway.web.charts import Bar, HeatCell, Point, RagRow, Reference, Series

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert("x")</script> & co'
JAN, FEB, MAR = dt.date(2026, 1, 31), dt.date(2026, 2, 28), dt.date(2026, 3, 31)


def parse(markup) -> ET.Element:
    return ET.fromstring(str(markup))


def every_chart(label: str = "ERP rollout") -> list:
    return [
        charts.rag_grid("rag", "Health", [RagRow(label, "RED", "GREEN", "AMBER", "", "RED")]),
        charts.line_chart("evm", f"CPI and SPI of {label}", "Cost and schedule performance",
                          [Series("CPI", [Point(JAN, Decimal("0.5")), Point(MAR, Decimal("1.0"))]),
                           Series("SPI", [Point(FEB, Decimal("1.2"))])],
                          y_label="Index", reference=Reference(Decimal(1), "1.0 on plan")),
        charts.heat_map("heat", f"Risk heat map of {label}", [HeatCell(p, i, p + i, "LOW") for p in range(1, 6)
                                                  for i in range(1, 6)]),
        charts.bar_chart("sat", "Client satisfaction", "1 to 5", [Bar(label, Decimal(4))], maximum=Decimal(5)),
    ]


def points_of(figure: ET.Element, series: str) -> dict[str, tuple[float, float]]:
    group = next(g for g in figure.iter(f"{SVG}g") if g.get("data-series") == series)
    return {p.get("data-day"): (float(p.get("data-cx")), float(p.get("data-cy")))
            for p in group if p.get("class") == "point"}


@pytest.mark.parametrize("index", range(4), ids=["rag", "line", "heat", "bars"])
def test_each_chart_is_well_formed_with_an_accessible_name_and_a_table_of_its_numbers(index):
    figure = parse(every_chart()[index])
    svg = figure.find(f"{SVG}svg")
    assert svg.get("role") == "img"
    assert svg.get("aria-label") and svg.find(f"{SVG}title").text == svg.get("aria-label")
    assert svg.find(f"{SVG}desc").text
    assert svg.get("viewBox").startswith("0 0 ") and svg.get("width") is None  # scales to its column's width
    assert figure.find("div").get("class") == "visually-hidden"
    table = figure.find("div/table")
    assert table.find("caption").text == svg.get("aria-label")
    assert table.find("tbody/tr") is not None


def test_nothing_in_a_chart_uses_inline_style_or_script_the_csp_forbids():
    for chart in every_chart():
        for element in parse(chart).iter():
            assert "style" not in element.attrib
            assert not element.tag.endswith("script")
            assert not any(name.startswith("on") for name in element.attrib)


def test_a_project_name_with_markup_is_text_in_every_chart_never_an_element():
    for chart in every_chart(HOSTILE):
        figure = parse(chart)
        assert not [e for e in figure.iter() if e.tag.endswith("script")]
        texts = ["".join(e.itertext()) for e in figure.iter() if e.tag in (f"{SVG}text", f"{SVG}title", "th", "td")]
        assert any(HOSTILE in text for text in texts)
        assert "<script>" not in str(chart)


def test_line_points_sit_on_the_value_axis_scale_and_the_time_axis_spaced_by_days():
    figure = parse(every_chart()[1])
    reference = next(e for e in figure.iter(f"{SVG}line") if e.get("class") == "reference")
    one = float(reference.get("y1"))
    zero = charts.LINE_PLOT.bottom  # the axis starts at 0
    cpi = points_of(figure, "CPI")
    assert cpi[MAR.isoformat()][1] == pytest.approx(one)  # CPI 1.0 lies on the 1.0 reference line
    assert cpi[JAN.isoformat()][1] == pytest.approx(zero + (one - zero) * 0.5, abs=0.1)
    spi = points_of(figure, "SPI")
    assert spi[FEB.isoformat()][1] == pytest.approx(zero + (one - zero) * 1.2, abs=0.1)
    left, right = charts.LINE_PLOT.left, charts.LINE_PLOT.right
    assert cpi[JAN.isoformat()][0] == left and cpi[MAR.isoformat()][0] == right
    share = (FEB - JAN).days / (MAR - JAN).days  # 28 of 59 days, not the middle of three dates
    assert spi[FEB.isoformat()][0] == pytest.approx(left + (right - left) * share, abs=0.1)
    ticks = [float(t.get("data-value")) for t in figure.iter(f"{SVG}text") if t.get("class") == "y-tick"]
    assert min(ticks) == 0 and max(ticks) >= 1.2  # the axis reaches every value


def test_a_series_without_figures_is_named_in_the_legend_and_the_table_says_no_figure():
    chart = charts.line_chart("evm", "CPI and SPI", "d", [Series("CPI", [Point(JAN, Decimal("0.9"))]),
                                                          Series("SPI", [])], y_label="Index")
    figure = parse(chart)
    assert "SPI (no figures)" in ["".join(t.itertext()) for t in figure.iter(f"{SVG}text")]
    assert [[c.text for c in row] for row in figure.find("div/table/tbody")] == [[JAN.isoformat(), "0.9", "no figure"]]


def test_heat_map_cells_carry_their_counts_and_level_words_with_probability_rising_upwards():
    cells = [HeatCell(p, i, 0, "LOW") for p in range(1, 6) for i in range(1, 6)]
    cells[cells.index(HeatCell(5, 4, 0, "LOW"))] = HeatCell(5, 4, 3, "CRITICAL")
    cells[cells.index(HeatCell(1, 2, 0, "LOW"))] = HeatCell(1, 2, 1, "LOW")
    figure = parse(charts.heat_map("heat", "Risk heat map", cells))
    drawn = {(int(g.get("data-probability")), int(g.get("data-impact"))): g
             for g in figure.iter(f"{SVG}g") if g.get("class") == "cell"}
    assert len(drawn) == 25
    hot = drawn[(5, 4)]
    assert ["".join(t.itertext()) for t in hot.iter(f"{SVG}text")] == ["3", "Critical"]
    assert hot.get("data-count") == "3" and drawn[(1, 2)].get("data-count") == "1"
    assert sum(int(g.get("data-count")) for g in drawn.values()) == 4
    y = {k: float(g.find(f"{SVG}rect").get("y")) for k, g in drawn.items()}
    x = {k: float(g.find(f"{SVG}rect").get("x")) for k, g in drawn.items()}
    assert y[(5, 1)] < y[(1, 1)] and x[(1, 5)] > x[(1, 1)]
    assert hot.find(f"{SVG}rect").get("fill") != drawn[(1, 2)].find(f"{SVG}rect").get("fill")
    rows = [[c.text for c in row] for row in figure.find("div/table/tbody")]
    assert rows[0][0] == "Probability 5" and rows[0][4] == "3 (Critical)"


def test_rag_grid_says_each_rating_in_words_not_colour_alone():
    figure = parse(every_chart()[0])
    words = {g.get("data-dimension"): "".join(g.itertext()) for g in figure.iter(f"{SVG}g")
             if (g.get("class") or "").startswith("rag ")}
    assert words == {"overall": "Red", "schedule": "Green", "scope": "Amber", "cost": "Not set", "resources": "Red"}
    assert [c.text for c in figure.find("div/table/tbody/tr")] == ["ERP rollout", "Red", "Green", "Amber", "Not set",
                                                               "Red"]


def test_bar_lengths_follow_the_fixed_maximum_and_a_missing_value_shows_its_note():
    figure = parse(charts.bar_chart("sat", "Client satisfaction", "1 to 5", [
        Bar("Full marks", Decimal(5)), Bar("Half", Decimal("2.5")), Bar("Not reviewed", None, "no review yet")],
        maximum=Decimal(5)))
    bars = {g.get("data-label"): g.find(f"{SVG}rect") for g in figure.iter(f"{SVG}g") if g.get("class") == "bar"}
    assert set(bars) == {"Full marks", "Half"}
    full, half = float(bars["Full marks"].get("width")), float(bars["Half"].get("width"))
    assert half == pytest.approx(full / 2, abs=0.1)
    assert "no review yet" in ["".join(t.itertext()) for t in figure.iter(f"{SVG}text")]
    assert [[c.text for c in row] for row in figure.find("div/table/tbody")][2] == ["Not reviewed", "no review yet"]


@pytest.mark.parametrize("chart", [
    lambda: charts.rag_grid("rag", "Health", []),
    lambda: charts.line_chart("evm", "CPI and SPI", "d", [Series("CPI", []), Series("SPI", [])], y_label="Index"),
    lambda: charts.line_chart("burn", "Budget burn", "d", [], y_label="EUR"),
    lambda: charts.heat_map("heat", "Risk heat map", []),
    lambda: charts.bar_chart("esc", "Open escalations", "d", []),
], ids=["rag", "line-empty-series", "line-no-series", "heat", "bars"])
def test_no_data_renders_a_sentence_saying_so_instead_of_an_empty_frame(chart):
    figure = parse(chart())
    assert figure.find(f"{SVG}svg") is None
    message = figure.find("p")
    assert "chart-empty" in figure.get("class") and message.text.split(": ", 1)[1].startswith(("no ", "nothing"))


def test_a_date_label_too_close_to_the_next_is_left_out_but_its_point_stays():
    nov, dec = dt.date(2026, 11, 30), dt.date(2026, 12, 1)
    figure = parse(charts.line_chart("evm", "CPI", "d", [Series("CPI", [Point(d, Decimal(1)) for d in (
        dt.date(2026, 6, 30), nov, dec)])], y_label="Index"))
    labelled = [t.get("data-day") for t in figure.iter(f"{SVG}text") if t.get("class") == "x-tick"]
    assert sorted(labelled) == ["2026-06-30", dec.isoformat()]
    assert sorted(points_of(figure, "CPI")) == ["2026-06-30", nov.isoformat(), dec.isoformat()]
