"""The data files: every area names an entity of the demo region, every receiving unit exists
in that entity's kind of units, districts lie inside their sub-municipality, and the plane
geometry answers as it should."""

from __future__ import annotations

import json

import pytest

from wasl.demo.files import derive_unit_code, load_region
from wasl.reports import geo, services


def unit_codes(specs: list[dict], taken: set[str] | None = None) -> set[str]:
    taken = set() if taken is None else taken
    for spec in specs:
        derive_unit_code(spec, taken)
        unit_codes(spec.get("children", []), taken)
    return taken


def test_every_route_reaches_a_unit_of_the_demo_region():
    region = load_region()
    kinds = {e["code"]: e["type"] for e in region["entities"]}
    areas = json.loads(services.AREAS_FILE.read_text(encoding="utf-8"))["features"]
    categories = json.loads(services.CATEGORIES_FILE.read_text(encoding="utf-8"))["categories"]
    subs = [a["properties"] for a in areas if a["properties"]["kind"] == "sub_municipality"]
    assert len(subs) == 10
    for props in subs:
        kind = kinds[props["entity"]]
        codes = unit_codes(region["units_by_type"][kind])
        for category in categories:
            route = category.get("routes", {}).get(props["code"])
            if route:
                entity_code, _, unit_code = route.partition("/")
                assert unit_code in unit_codes(region["units_by_type"][kinds[entity_code]])
            else:
                assert category["unit"] in codes, (props["code"], category["code"])


def test_districts_lie_inside_their_sub_municipality():
    areas = json.loads(services.AREAS_FILE.read_text(encoding="utf-8"))["features"]
    polygons = {a["properties"]["code"]: a["geometry"]["coordinates"] for a in areas}
    for area in areas:
        props = area["properties"]
        if props["kind"] != "district":
            continue
        ring = area["geometry"]["coordinates"][0]
        # Each corner pulled 1 % towards the centre must lie in the parent.
        cx = sum(p[0] for p in ring[:-1]) / (len(ring) - 1)
        cy = sum(p[1] for p in ring[:-1]) / (len(ring) - 1)
        for x, y in ring:
            px, py = x + (cx - x) * 0.01, y + (cy - y) * 0.01
            assert geo.in_polygon(px, py, polygons[props["parent"]]), (props["code"], x, y)


def test_sub_municipalities_do_not_overlap():
    areas = json.loads(services.AREAS_FILE.read_text(encoding="utf-8"))["features"]
    subs = [a for a in areas if a["properties"]["kind"] == "sub_municipality"]
    for lat in [21.30 + i * 0.005 for i in range(120)]:
        for lon in [39.08 + i * 0.005 for i in range(175)]:
            inside = [a for a in subs if geo.in_polygon(lon, lat, a["geometry"]["coordinates"])]
            assert len(inside) <= 1, (lat, lon, [a["properties"]["code"] for a in inside])


def test_point_in_polygon_with_a_hole():
    square = [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]
    hole = [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]]
    assert geo.in_polygon(2, 2, [square, hole])
    assert not geo.in_polygon(5, 5, [square, hole])
    assert not geo.in_polygon(11, 5, [square, hole])
    assert not geo.in_polygon(5, 5, [])


def test_distance_and_box_agree():
    # One minute of latitude is about 1,853 m.
    assert geo.distance_m(21.0, 39.0, 21.0 + 1 / 60, 39.0) == pytest.approx(1853, rel=0.01)
    _, max_lat, _, max_lon = geo.box_around(21.5, 39.2, 100)
    assert geo.distance_m(21.5, 39.2, max_lat, 39.2) == pytest.approx(100, rel=0.001)
    assert geo.distance_m(21.5, 39.2, 21.5, max_lon) == pytest.approx(100, rel=0.001)
