"""Plane geometry for routing by place: point in polygon, distances, bounding boxes.

Framework-free. At the scale of a city a polygon's edges are short enough to treat longitude
and latitude as plane coordinates for "is this point inside"; distances use the haversine.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

EARTH_RADIUS_M = 6_371_008.8

Ring = Sequence[Sequence[float]]  # [[lon, lat], ...], closed or not


def in_ring(lon: float, lat: float, ring: Ring) -> bool:
    """Ray casting: does the horizontal ray from the point cross the ring an odd number of times."""
    inside = False
    n = len(ring)
    j = n - 1
    for i in range(n):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def in_polygon(lon: float, lat: float, rings: Sequence[Ring]) -> bool:
    """GeoJSON Polygon: inside the outline and outside every hole."""
    if not rings or not in_ring(lon, lat, rings[0]):
        return False
    return not any(in_ring(lon, lat, hole) for hole in rings[1:])


def bounds(rings: Sequence[Ring]) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) of a polygon's outline."""
    lons = [p[0] for p in rings[0]]
    lats = [p[1] for p in rings[0]]
    return min(lats), max(lats), min(lons), max(lons)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def box_around(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) of a box that holds every point within `radius_m`."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    dlon = math.degrees(radius_m / (EARTH_RADIUS_M * max(math.cos(math.radians(lat)), 1e-6)))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon
