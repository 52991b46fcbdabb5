"""Great-circle distances for the "sites near me" rules.

Haversine on a spherical Earth is off by at most ~0.5 % against the ellipsoid, far below the
precision of a subscriber's "within 150 km", so nothing heavier is warranted.
"""
from __future__ import annotations

import math

# IUGG mean Earth radius; the choice moves distances by well under 1 %.
EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance in km between two points given in decimal degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    # min() guards against a rounding error pushing a slightly above 1 for antipodal points.
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def coordinates(obj: dict | None) -> tuple[float, float] | None:
    """(lat, lon) of a site dict, or None when missing or not numeric.

    Sites without geocodes are common on ClinicalTrials.gov; they simply never match a place.
    """
    if not obj:
        return None
    lat, lon = obj.get("lat"), obj.get("lon")
    try:
        lat_f, lon_f = float(lat), float(lon)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if math.isnan(lat_f) or math.isnan(lon_f):
        return None
    if not (-90 <= lat_f <= 90 and -180 <= lon_f <= 180):
        return None
    return lat_f, lon_f
