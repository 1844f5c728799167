"""The SVG charts: round axis values, points where the figures put them, gaps where a week is
missing, and a name a screen reader reads."""

import re
import xml.etree.ElementTree as ET

from mqis.reports import svgcharts
from mqis.reports.svgcharts import Interval, Series, bar_chart, line_chart, nice_ticks

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def circles(root: ET.Element) -> list[tuple[float, float]]:
    return [(float(c.get("cx", "")), float(c.get("cy", ""))) for c in root.iter(f"{SVG}circle")]


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def test_it_picks_round_axis_values_that_cover_the_figures() -> None:
    assert nice_ticks(0, 87.3) == [0, 25, 50, 75, 100]
    assert nice_ticks(81.2, 88.9) == [80, 82, 84, 86, 88, 90]
    assert nice_ticks(0, 3, whole=True) == [0, 1, 2, 3]
    assert nice_ticks(0, 1234) == [0, 500, 1000, 1500]
    assert nice_ticks(5, 5) == [5, 5.2, 5.4, 5.6]  # one value: a small range above it
    assert nice_ticks(0, 0, whole=True) == [0, 1]


def test_it_labels_the_axis_with_the_unit() -> None:
    assert svgcharts.tick_label(80, "%") == "80%"
    assert svgcharts.tick_label(2.5, "%") == "2.5%"
    assert svgcharts.tick_label(1500, "") == "1,500"


def test_a_line_chart_puts_the_highest_point_at_the_top_of_its_axis() -> None:
    root = parse(line_chart("c", "Occupancy", ["2 Nov", "9 Nov", "16 Nov"], [Series("Occupancy", [50.0, 75.0, 100.0])],
                            unit="%"))
    points = circles(root)
    assert len(points) == 3
    xs = [x for x, _ in points]
    assert xs == sorted(xs) and xs[0] == svgcharts.LEFT and xs[-1] == svgcharts.WIDTH - svgcharts.RIGHT
    (_, y50), (_, y75), (_, y100) = points
    assert y100 == svgcharts.TOP  # 100% is the top of the axis
    assert abs((y50 - y75) - (y75 - y100)) < 0.2  # equal steps for equal differences
    assert "100%" in texts(root) and "0%" in texts(root)


def test_a_missing_week_breaks_the_line() -> None:
    root = parse(line_chart("c", "Absence", ["a", "b", "c", "d"], [Series("All staff", [10.0, None, 12.0, 14.0])]))
    paths = [p.get("d", "") for p in root.iter(f"{SVG}path")]
    assert len(paths) == 2  # one point alone, then a line of two
    assert paths[0].count("L") == 0 and paths[1].count("L") == 1
    assert len(circles(root)) == 3


def test_each_line_has_its_own_colour_dash_and_legend_key() -> None:
    root = parse(line_chart("c", "Absence by role", ["a", "b"], [
        Series("All staff", [10.0, 12.0]), Series("Nurses", [20.0, 25.0]), Series("Care workers", [5.0, 6.0])]))
    paths = list(root.iter(f"{SVG}path"))
    assert [p.get("stroke") for p in paths] == svgcharts.COLOURS[:3]
    assert [p.get("stroke-dasharray") for p in paths] == [None, "7 4", "2 3"]
    assert {"All staff", "Nurses", "Care workers"} <= set(texts(root))


def test_it_names_the_chart_for_screen_readers_and_escapes_text() -> None:
    svg = line_chart("chart-x", "Beds & <homes>", ["1 Nov"], [Series("Beds", [3.0])])
    root = parse(svg)
    assert root.get("role") == "img" and root.get("aria-labelledby") == "chart-x-title"
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == "Beds & <homes>" and title.get("id") == "chart-x-title"
    assert "<homes>" not in svg


def test_a_chart_with_no_figures_says_so() -> None:
    root = parse(line_chart("c", "Occupancy", ["a", "b"], [Series("Occupancy", [None, None])]))
    assert texts(root) == ["No figures to draw yet."]
    assert texts(parse(bar_chart("b", "Bands", ["Low"], [0]))) == ["No figures to draw yet."]


def test_an_interval_is_shaded_between_its_bounds() -> None:
    root = parse(line_chart("c", "Forecast", ["a", "b", "c"], [Series("Forecast", [100.0, 110.0, 120.0])],
                            interval=Interval("80% range", [None, 100.0, 105.0], [None, 120.0, 135.0])))
    polygon = root.find(f"{SVG}polygon")
    assert polygon is not None
    corners = re.findall(r"([\d.]+),([\d.]+)", polygon.get("points", ""))
    assert len(corners) == 4  # two weeks of upper bounds, then the same two of lower bounds
    assert "80% range" in texts(root)


def test_bars_are_as_long_as_their_values() -> None:
    root = parse(bar_chart("b", "Bands", ["Low", "High", "Critical"], [4, 2, 0], colours=["#00703c", "#f47738"]))
    widths = [float(r.get("width", "")) for r in root.iter(f"{SVG}rect")]
    assert widths[0] == 2 * widths[1] and widths[2] == 0
    assert [r.get("fill") for r in root.iter(f"{SVG}rect")] == ["#00703c", "#f47738", "#00703c"]
    assert ["Low", "4", "High", "2", "Critical", "0"] == texts(root)
