"""Council maps: every North West council drawn, small enough to send inline, shaded honestly.

The shading tests use made-up figures for the 23 councils in the boundary file; the
rendering tests parse the SVG the partial produces, as a browser would read it.
"""

import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.template.loader import render_to_string

from mqis.oversight import maps
from mqis.registry.models import Council
from mqis.registry.reference import load_reference_councils

NORTH_WEST = "E12000002"
MANCHESTER, SALFORD, BOLTON, WIGAN = "E08000003", "E08000006", "E08000001", "E08000010"
LIVERPOOL, CUMBRIA, CHESHIRE_EAST = "E08000012", "E10000006", "E06000049"
SVG = "{http://www.w3.org/2000/svg}"


def boundary_file() -> dict[str, str]:
    features = json.loads(maps.GEOJSON.read_text(encoding="utf-8"))["features"]
    return {f["properties"]["code"]: f["properties"]["name"] for f in features}


def points(d: str) -> list[tuple[float, float]]:
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", d)]
    return list(zip(numbers[0::2], numbers[1::2], strict=True))


def size() -> tuple[float, float]:
    _, _, width, height = (float(n) for n in maps.view_box().split())
    return width, height


def all_councils(value_of=lambda i: 5.0 + i) -> dict[str, float | None]:
    """A different figure for each council: 5.0, 6.0, … in the boundary file's order."""
    return {gss: value_of(i) for i, gss in enumerate(boundary_file())}


def links_for(codes) -> dict[str, str]:
    return {gss: f"/councils/{gss}/" for gss in codes}


def draw(values, **kwargs):
    kwargs.setdefault("links", links_for(values))
    kwargs.setdefault("names", {})
    kwargs.setdefault("measure_label", "staff absence")
    return maps.choropleth(values, **kwargs)


def area(map_: dict, gss: str) -> maps.Area:
    return next(a for a in map_["areas"] if a.gss == gss)


def legend_range(label: str) -> tuple[float, float]:
    numbers = [float(n.replace(",", "")) for n in re.findall(r"[\d,]+\.\d", label)]
    return numbers[0], numbers[-1]


# The shapes


def test_every_council_in_the_boundary_file_is_drawn() -> None:
    shapes = maps.council_shapes()
    assert set(shapes) == set(boundary_file())
    assert len(shapes) == 23
    assert shapes[MANCHESTER].name == "Manchester"
    for shape in shapes.values():
        assert re.fullmatch(r"(M[\d. L]+Z)+", shape.d), shape.name


def test_the_whole_map_is_small_enough_to_send_in_the_page() -> None:
    assert sum(len(shape.d) for shape in maps.council_shapes().values()) < 60_000


def test_the_map_fits_its_view_box_the_right_way_up() -> None:
    width, height = size()
    assert width == 600
    assert 1.5 * width < height < 3 * width  # the North West is over twice as tall as wide
    shapes = maps.council_shapes()
    for shape in shapes.values():
        for x, y in points(shape.d):
            assert 0 <= x <= width and 0 <= y <= height, shape.name
        assert 0 <= shape.label[0] <= width and 0 <= shape.label[1] <= height
    assert shapes[CUMBRIA].label[1] < shapes[MANCHESTER].label[1] < shapes[CHESHIRE_EAST].label[1]
    assert shapes[LIVERPOOL].label[0] < shapes[MANCHESTER].label[0]


def test_even_the_smallest_council_is_big_enough_to_see_and_point_at() -> None:
    for shape in maps.council_shapes().values():
        xs, ys = zip(*points(shape.d), strict=True)
        assert max(xs) - min(xs) >= 10 and max(ys) - min(ys) >= 10, shape.name


def test_neighbours_share_their_border_so_no_gap_shows_between_them() -> None:
    shapes = maps.council_shapes()
    manchester, salford = set(points(shapes[MANCHESTER].d)), set(points(shapes[SALFORD].d))
    assert len(manchester & salford) >= 5


def test_the_boundary_file_parses_once_per_process() -> None:
    assert maps.council_shapes() == maps.council_shapes()
    assert maps._geometry() is maps._geometry()


@pytest.mark.django_db
def test_the_map_has_exactly_the_north_west_councils_in_the_register() -> None:
    load_reference_councils()
    registered = dict(Council.objects.filter(region__code=NORTH_WEST).values_list("gss_code", "name"))
    assert registered == {gss: shape.name for gss, shape in maps.council_shapes().items()}


# The shading


def test_the_highest_figure_is_darkest_and_the_lowest_lightest() -> None:
    values = all_councils()
    values[MANCHESTER] = 40.0
    values[SALFORD] = 1.0
    drawn = draw(values)
    assert area(drawn, MANCHESTER).fill == maps.PALETTE[-1]
    assert area(drawn, SALFORD).fill == maps.PALETTE[0]
    assert area(drawn, MANCHESTER).title == "Manchester: 40.0% staff absence"
    assert area(drawn, MANCHESTER).url == f"/councils/{MANCHESTER}/"


def test_when_lower_is_worse_the_lowest_figure_is_darkest() -> None:
    values = all_councils()
    values[SALFORD] = 1.0
    drawn = draw(values, measure_label="returns received", higher_is_worse=False)
    assert area(drawn, SALFORD).fill == maps.PALETTE[-1]
    assert "Darker blue means lower returns received." in drawn["desc"]


def test_a_council_with_no_figure_is_hatched_as_no_data_and_still_linked() -> None:
    values = all_councils()
    values[BOLTON] = None
    drawn = draw(values)
    bolton = area(drawn, BOLTON)
    assert (bolton.fill, bolton.value, bolton.has_data) == (drawn["no_data_fill"], "No data", False)
    assert bolton.fill not in maps.PALETTE
    assert bolton.url == f"/councils/{BOLTON}/"
    assert bolton.title == "Bolton: no data for staff absence"
    assert "1 council has no data." in drawn["desc"]


def test_councils_outside_the_users_view_are_grey_unlinked_and_show_no_figure() -> None:
    values = {MANCHESTER: 12.5, SALFORD: 8.0}
    # A link for Wigan slipped in by mistake is still not drawn: Wigan has no figure here.
    drawn = draw(values, links=links_for([MANCHESTER, SALFORD, WIGAN]))
    wigan = area(drawn, WIGAN)
    assert (wigan.fill, wigan.url, wigan.value, wigan.in_view) == (
        maps.NOT_IN_VIEW_FILL,
        None,
        "Not in your view",
        False,
    )
    assert wigan.title == "Wigan: not in your view"
    assert sum(1 for a in drawn["areas"] if not a.in_view) == 21
    assert drawn["legend"][-1] == maps.LegendEntry(label="Not in your view", fill=maps.NOT_IN_VIEW_FILL, count=21)


def test_names_from_the_register_are_used_where_given() -> None:
    drawn = draw({MANCHESTER: 12.5}, names={MANCHESTER: "Manchester City"})
    assert area(drawn, MANCHESTER).title == "Manchester City: 12.5% staff absence"
    assert area(drawn, SALFORD).name == "Salford"


def test_figures_for_councils_not_on_the_map_are_left_out() -> None:
    drawn = draw({MANCHESTER: 10.0, "E08000035": 90.0})  # Leeds is not in the North West
    assert legend_range(drawn["legend"][0].label) == (10.0, 10.0)
    assert "E08000035" not in {a.gss for a in drawn["areas"]}


# The legend


def test_the_legend_has_five_bands_from_the_lowest_figure_to_the_highest() -> None:
    values = all_councils(lambda i: 2.3 + i * 1.03)
    values[BOLTON] = None
    drawn = draw(values)
    bands, no_data = drawn["legend"][:-1], drawn["legend"][-1]
    figures = [v for v in values.values() if v is not None]
    assert [entry.fill for entry in bands] == list(maps.PALETTE)
    assert legend_range(bands[0].label)[0] == round(min(figures), 1)
    assert legend_range(bands[-1].label)[1] == round(max(figures), 1)
    assert bands[0].label.startswith("2.3% to ")
    # Bands meet without gaps or overlaps, at the one decimal place the figures show.
    for lower, upper in zip(bands, bands[1:], strict=False):
        assert round(legend_range(upper.label)[0] - legend_range(lower.label)[1], 1) == 0.1
    assert sum(entry.count for entry in bands) == len(figures)
    assert no_data == maps.LegendEntry(label="No data", fill=drawn["no_data_fill"], count=1)


def test_every_council_is_shaded_in_the_band_its_figure_falls_in() -> None:
    values = all_councils(lambda i: (i * 7.31) % 23)
    drawn = draw(values)
    by_fill = {entry.fill: legend_range(entry.label) for entry in drawn["legend"][:-1]}
    for shaded in drawn["areas"]:
        low, high = by_fill[shaded.fill]
        assert low <= shaded.number <= high, shaded.name
        assert shaded.value == f"{shaded.number:.1f}%"


def test_when_every_council_has_the_same_figure_there_is_one_band() -> None:
    drawn = draw(all_councils(lambda i: 7.0))
    assert [entry.label for entry in drawn["legend"]] == ["7.0%", "No data"]
    assert drawn["legend"][0].count == 23


def test_a_user_who_sees_no_council_on_the_map_gets_a_grey_map() -> None:
    drawn = draw({})
    assert {a.fill for a in drawn["areas"]} == {maps.NOT_IN_VIEW_FILL}
    assert not drawn["has_links"]
    assert [entry.label for entry in drawn["legend"]] == ["No data", "Not in your view"]


def test_other_units_and_precision() -> None:
    drawn = draw({MANCHESTER: 1234.0, SALFORD: 10.0}, unit=" beds", decimals=0, measure_label="vacant")
    assert area(drawn, MANCHESTER).title == "Manchester: 1,234 beds vacant"
    assert drawn["legend"][0].label.startswith("10 beds to ")


# The partial


def rendered(drawn: dict) -> tuple[str, ET.Element]:
    html = render_to_string("oversight/_map.html", {"map": drawn})
    svg = re.search(r'<svg class="mqis-map__svg".*?</svg>', html, re.DOTALL)
    assert svg, html
    return html, ET.fromstring(svg.group(0))


def test_the_partial_draws_every_council_as_a_linked_shape_with_a_tooltip() -> None:
    values = all_councils()
    values[BOLTON] = None
    html, svg = rendered(draw(values))
    assert svg.get("viewBox") == maps.view_box()
    assert len(svg.findall(f".//{SVG}path")) == 23
    links = svg.findall(f"{SVG}a")
    assert len(links) == 23
    assert {a.get("href") for a in links} == set(links_for(values).values())
    manchester = next(a for a in links if a.get("href") == f"/councils/{MANCHESTER}/")
    assert manchester.get("aria-label") == manchester.find(f"{SVG}path/{SVG}title").text
    assert manchester.get("aria-label").startswith("Manchester: ")
    bolton = next(a for a in links if a.get("href") == f"/councils/{BOLTON}/")
    assert bolton.find(f"{SVG}path").get("fill") == "url(#mqis-map-no-data)"
    assert svg.find(f".//{SVG}pattern").get("id") == "mqis-map-no-data"


def test_the_partial_is_labelled_for_screen_readers_and_points_to_the_table() -> None:
    values = all_councils()
    values[MANCHESTER] = 40.0
    html, svg = rendered(draw(values))
    # It holds links, so it is a group: an image's contents are hidden from screen readers.
    assert svg.get("role") == "group"
    title_id, desc_id = svg.get("aria-labelledby").split()
    assert svg.find(f"{SVG}title").get("id") == title_id
    assert svg.find(f"{SVG}title").text == "Map of staff absence by council"
    desc = svg.find(f"{SVG}desc")
    assert desc.get("id") == desc_id
    assert desc.text.endswith("The same figures are in the table below.")
    assert "Highest: Manchester, 40.0%. Lowest: Halton, 5.0%." in desc.text


def test_the_partial_leaves_councils_out_of_view_unlinked() -> None:
    html, svg = rendered(draw({MANCHESTER: 12.5, SALFORD: 8.0}))
    assert [a.get("href") for a in svg.findall(f"{SVG}a")] == [f"/councils/{MANCHESTER}/", f"/councils/{SALFORD}/"]
    unlinked = svg.findall(f"{SVG}path")
    assert len(unlinked) == 21
    assert {p.get("fill") for p in unlinked} == {maps.NOT_IN_VIEW_FILL}
    assert "Wigan: not in your view" in {p.find(f"{SVG}title").text for p in unlinked}


def test_the_partial_shows_the_legend_as_a_list() -> None:
    values = all_councils()
    values[BOLTON] = None
    html, _ = rendered(draw(values))
    legend = re.search(r'<ul class="govuk-list mqis-map__legend".*?</ul>', html, re.DOTALL).group(0)
    items = [re.sub(r"<[^>]+>|\s+", " ", item).strip() for item in re.findall(r"<li>(.*?)</li>", legend, re.DOTALL)]
    assert len(items) == 6
    assert items[0].startswith("5.0% to ")
    assert items[-1] == "No data: 1 council"
    assert "Key: staff absence" in html


def test_the_partial_escapes_names() -> None:
    html, svg = rendered(draw({MANCHESTER: 1.0}, names={MANCHESTER: "Manchester <b>&</b>"}))
    assert "Manchester <b>" not in html
    assert svg.find(f"{SVG}a").get("aria-label") == "Manchester <b>&</b>: 1.0% staff absence"


def test_the_map_scales_to_the_width_of_a_phone() -> None:
    html, svg = rendered(draw({}))
    assert svg.get("class") == "mqis-map__svg"
    assert re.search(r"\.mqis-map__svg \{[^}]*width: 100%;[^}]*height: auto;", html)
    assert re.search(r"\.mqis-map a:focus \.mqis-map__area \{[^}]*fill: #ffdd00;", html)
