"""Council maps: an SVG choropleth drawn on the server, with nothing fetched from elsewhere.

The boundaries are the 23 North West councils in `mqis/registry/data/geo` (ONS, Open
Government Licence), read once per process: projected flat, fitted to a view box and
simplified so that the whole map is a few tens of kilobytes of path data. Neighbours'
shared borders are simplified identically, so no gaps open between councils.

The map is a visual extra: every page that shows one also has the figures in a table.
"""

import functools
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GEOJSON = Path(__file__).resolve().parent.parent / "registry" / "data" / "geo" / "nw_councils_2020.geojson"
WIDTH = 600
PADDING = 4
# Douglas–Peucker tolerance in view-box units: under a pixel at the widths the map is shown
# (it is 600 units wide), and it keeps the path data near 45 KB.
TOLERANCE = 1.0
# Islands and holes smaller than this, in square view-box units, are left out; each
# council's largest ring is always kept, so every council can be seen.
MIN_RING_AREA = 4.0

# ColorBrewer "Blues" (Cynthia Brewer, Apache licence 2.0), classes 2 to 6 of its 7:
# colour-blind safe, the lightest still distinct from the greys below, and the darkest
# light enough for the black outline to show against it (3.8:1).
PALETTE = ("#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5")
CLASSES = len(PALETTE)
NOT_IN_VIEW_FILL = "#f3f2f1"  # GOV.UK light grey
NO_DATA = "No data"
NOT_IN_VIEW = "Not in your view"

Point = tuple[float, float]
Ring = list[Point]


@dataclass(frozen=True)
class Shape:
    """One council's outline: SVG path data in view-box units, and a point to label it."""

    gss: str
    name: str
    d: str
    label: Point


@dataclass(frozen=True)
class Area:
    """One council as drawn on a choropleth."""

    gss: str
    name: str
    d: str
    fill: str
    value: str
    number: float | None
    url: str | None
    title: str
    in_view: bool
    has_data: bool


@dataclass(frozen=True)
class LegendEntry:
    label: str
    fill: str
    count: int


@dataclass(frozen=True)
class _Geometry:
    width: int
    height: int
    shapes: dict[str, Shape]


def council_shapes() -> dict[str, Shape]:
    """Every council on the map by GSS code, in the boundary file's order."""
    return dict(_geometry().shapes)


def view_box() -> str:
    geometry = _geometry()
    return f"0 0 {geometry.width} {geometry.height}"


# Reading and projecting


def _rings(geometry: dict[str, Any]) -> list[Ring]:
    """A Polygon's or MultiPolygon's rings, outer and holes alike, without the closing point."""
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    rings = []
    for polygon in polygons:
        for ring in polygon:
            points = [(float(lon), float(lat)) for lon, lat in ring]
            if len(points) > 1 and points[0] == points[-1]:
                points.pop()
            if len(points) >= 3:
                rings.append(points)
    return rings


def _area(ring: Iterable[Point]) -> float:
    """Signed area by the shoelace formula."""
    points = list(ring)
    return 0.5 * sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True))


def _centroid(ring: Ring) -> Point:
    area = _area(ring)
    if not area:
        return (sum(x for x, _ in ring) / len(ring), sum(y for _, y in ring) / len(ring))
    cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    return (cx / (6 * area), cy / (6 * area))


# Simplifying


def _douglas_peucker(points: Ring, tolerance: float) -> list[int]:
    """The indices to keep of a line: its ends and each point further than tolerance from the rest."""
    keep = {0, len(points) - 1}
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (ax, ay), (bx, by) = points[first], points[last]
        dx, dy = bx - ax, by - ay
        length = math.hypot(dx, dy)
        worst, index = 0.0, -1
        for i in range(first + 1, last):
            px, py = points[i]
            distance = abs(dx * (py - ay) - dy * (px - ax)) / length if length else math.hypot(px - ax, py - ay)
            if distance > worst:
                worst, index = distance, i
        if worst > tolerance:
            keep.add(index)
            stack += [(first, index), (index, last)]
    return sorted(keep)


def _simplify_arc(keys: list[Point], points: Ring, tolerance: float) -> list[int]:
    """Douglas–Peucker in a fixed direction, so a border shared by two rings comes out the same in both."""
    if keys[::-1] < keys:
        last = len(points) - 1
        return sorted(last - i for i in _douglas_peucker(points[::-1], tolerance))
    return _douglas_peucker(points, tolerance)


def _simplify_ring(keys: list[Point], points: Ring, owners: dict[Point, frozenset[int]]) -> Ring:
    """Simplify a ring between its junctions: the points where its neighbours change.

    `keys` are the original longitude and latitude (exact, for matching neighbours'
    points) and `points` the same points in view-box units.
    """
    n = len(keys)
    shared = [owners[key] for key in keys]
    junctions = [i for i in range(n) if shared[i] != shared[i - 1] or shared[i] != shared[(i + 1) % n]]
    if not junctions:
        # An island: anchor at its first point and the point furthest from it.
        x0, y0 = points[0]
        junctions = [0, max(range(n), key=lambda i: math.hypot(points[i][0] - x0, points[i][1] - y0))]
    # Start at a junction and go round back to it, so that every arc ends at junctions.
    start = junctions[0]
    keys = keys[start:] + keys[: start + 1]
    points = points[start:] + points[: start + 1]
    stops = [j - start for j in junctions] + [n]
    kept: Ring = []
    for first, last in zip(stops, stops[1:], strict=False):
        arc = points[first : last + 1]
        kept += [arc[i] for i in _simplify_arc(keys[first : last + 1], arc, TOLERANCE)[:-1]]
    return kept


def _path(rings: list[Ring]) -> str:
    """SVG path data, one decimal place: a tenth of a unit is far below a pixel."""
    parts = []
    for ring in rings:
        coords: list[str] = []
        previous = ""
        for x, y in ring:
            pair = f"{x:.1f} {y:.1f}".replace(".0 ", " ").removesuffix(".0")
            if pair != previous:
                coords.append(pair)
                previous = pair
        if len(coords) >= 3:
            parts.append("M" + "L".join(coords) + "Z")
    return "".join(parts)


@functools.cache
def _geometry() -> _Geometry:
    """Read, project, fit and simplify the boundaries: once per process."""
    features = json.loads(GEOJSON.read_text(encoding="utf-8"))["features"]
    councils = [(f["properties"]["code"], f["properties"]["name"], _rings(f["geometry"])) for f in features]
    every_point = [point for _, _, rings in councils for ring in rings for point in ring]
    lons = [lon for lon, _ in every_point]
    lats = [lat for _, lat in every_point]
    # Equirectangular: a degree of longitude is cos(latitude) of a degree of latitude.
    squeeze = math.cos(math.radians((min(lats) + max(lats)) / 2))
    scale = (WIDTH - 2 * PADDING) / ((max(lons) - min(lons)) * squeeze)
    west, north = min(lons), max(lats)
    height = math.ceil(2 * PADDING + (max(lats) - min(lats)) * scale)

    def project(lon: float, lat: float) -> Point:
        return (PADDING + (lon - west) * squeeze * scale, PADDING + (north - lat) * scale)

    # Which rings each point is on, to find where shared borders begin and end.
    owners_sets: dict[Point, set[int]] = {}
    ring_id = 0
    for _, _, rings in councils:
        for ring in rings:
            for point in ring:
                owners_sets.setdefault(point, set()).add(ring_id)
            ring_id += 1
    owners = {point: frozenset(ids) for point, ids in owners_sets.items()}

    shapes = {}
    for gss, name, rings in councils:
        projected = [[project(lon, lat) for lon, lat in ring] for ring in rings]
        largest = max(range(len(rings)), key=lambda i: abs(_area(projected[i])))
        kept = []
        for i, (ring, points) in enumerate(zip(rings, projected, strict=True)):
            simple = _simplify_ring(ring, points, owners)
            if i == largest:
                kept.append(simple if len(simple) >= 3 else points)
            elif len(simple) >= 3 and abs(_area(simple)) >= MIN_RING_AREA:
                kept.append(simple)
        label = _centroid(max(kept, key=lambda ring: abs(_area(ring))))
        shapes[gss] = Shape(gss=gss, name=name, d=_path(kept), label=(round(label[0], 1), round(label[1], 1)))
    return _Geometry(width=WIDTH, height=height, shapes=shapes)


# Shading


def _format(value: float, unit: str, decimals: int) -> str:
    return f"{value:,.{decimals}f}{unit}"


def _classes(steps: list[int]) -> list[tuple[int, int]]:
    """Up to five equal bands of whole display steps (tenths, say) from the least value to the most."""
    low, high = min(steps), max(steps)
    span = high - low + 1
    bounds = sorted({low + round(i * span / CLASSES) for i in range(CLASSES + 1)})
    return [(first, following - 1) for first, following in zip(bounds, bounds[1:], strict=False)]


def _palette(count: int, higher_is_worse: bool) -> list[str]:
    """`count` colours from light to dark, spread over the palette; reversed when lower is worse."""
    if count == 1:
        colours = [PALETTE[CLASSES // 2]]
    else:
        colours = [PALETTE[round(i * (CLASSES - 1) / (count - 1))] for i in range(count)]
    return colours if higher_is_worse else colours[::-1]


def choropleth(
    values: dict[str, float | None],
    *,
    names: dict[str, str],
    links: dict[str, str],
    measure_label: str,
    unit: str = "%",
    higher_is_worse: bool = True,
    decimals: int = 1,
    html_id: str = "mqis-map",
) -> dict[str, Any]:
    """Everything `oversight/_map.html` needs to draw one measure by council.

    `values` has a figure (or None, for no data) for each council the user may see, by
    GSS code; councils on the map but not in it are drawn grey as not in the user's view.
    `names` and `links` are by GSS code too; a council without a link is drawn unlinked.
    `measure_label` is lower case, as in "Manchester: 12.5% staff absence". The bands
    are equal steps between the least and the most value, darker for worse. `html_id`
    prefixes the SVG's ids: give each map on a page its own.
    """
    geometry = _geometry()
    factor = 10**decimals
    steps = {
        gss: round(value * factor) for gss, value in values.items() if gss in geometry.shapes and value is not None
    }
    bands = _classes(list(steps.values())) if steps else []
    colours = _palette(len(bands), higher_is_worse)
    no_data_fill = f"url(#{html_id}-no-data)"

    def band(step: int) -> int:
        return next(i for i, (_, last) in enumerate(bands) if step <= last)

    areas = []
    for gss, shape in geometry.shapes.items():
        name = names.get(gss, shape.name)
        in_view = gss in values
        if gss in steps:
            value = _format(steps[gss] / factor, unit, decimals)
            fill, title = colours[band(steps[gss])], f"{name}: {value} {measure_label}"
        elif in_view:
            value, fill, title = NO_DATA, no_data_fill, f"{name}: no data for {measure_label}"
        else:
            value, fill, title = NOT_IN_VIEW, NOT_IN_VIEW_FILL, f"{name}: {NOT_IN_VIEW.lower()}"
        areas.append(
            Area(
                gss=gss,
                name=name,
                d=shape.d,
                fill=fill,
                value=value,
                number=steps[gss] / factor if gss in steps else None,
                url=links.get(gss) if in_view else None,
                title=title,
                in_view=in_view,
                has_data=gss in steps,
            )
        )

    counts = [0] * len(bands)
    for step in steps.values():
        counts[band(step)] += 1
    legend = [
        LegendEntry(
            label=_format(first / factor, unit, decimals)
            if first == last
            else f"{_format(first / factor, unit, decimals)} to {_format(last / factor, unit, decimals)}",
            fill=colour,
            count=count,
        )
        for (first, last), colour, count in zip(bands, colours, counts, strict=True)
    ]
    missing = sum(1 for area in areas if area.in_view and not area.has_data)
    legend.append(LegendEntry(label=NO_DATA, fill=no_data_fill, count=missing))
    outside = sum(1 for area in areas if not area.in_view)
    if outside:
        legend.append(LegendEntry(label=NOT_IN_VIEW, fill=NOT_IN_VIEW_FILL, count=outside))

    title = f"Map of {measure_label} by council"
    return {
        "id": html_id,
        "view_box": f"0 0 {geometry.width} {geometry.height}",
        "width": geometry.width,
        "height": geometry.height,
        "title": title,
        "desc": _describe(title, areas, measure_label, higher_is_worse),
        "measure_label": measure_label,
        "areas": areas,
        "legend": legend,
        "no_data_fill": no_data_fill,
        "has_links": any(area.url for area in areas),
    }


def _describe(title: str, areas: list[Area], measure_label: str, higher_is_worse: bool) -> str:
    """The map in words, for the SVG's <desc>."""
    shown = [area for area in areas if area.has_data]
    sentences = [f"{title}, North West England."]
    if shown:
        sentences.append(f"Darker blue means {'higher' if higher_is_worse else 'lower'} {measure_label}.")
        if len(shown) > 1:
            highest = max(shown, key=lambda area: area.number or 0.0)
            lowest = min(shown, key=lambda area: area.number or 0.0)
            sentences.append(f"Highest: {highest.name}, {highest.value}.")
            sentences.append(f"Lowest: {lowest.name}, {lowest.value}.")
    missing = sum(1 for area in areas if area.in_view and not area.has_data)
    if missing:
        sentences.append(f"{missing} council{'s have' if missing != 1 else ' has'} no data.")
    sentences.append("The same figures are in the table below.")
    return " ".join(sentences)
