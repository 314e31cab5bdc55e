"""The one great-circle distance of the project (haversine, mean Earth radius 6371.0088 km)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

EARTH_RADIUS_KM = 6371.0088


def haversine_km(lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike) -> Any:
    """Great-circle distance in km between (lon1, lat1) and (lon2, lat2), degrees; numpy-broadcasting."""
    x1, y1, x2, y2 = (np.radians(np.asarray(v, dtype=np.float64)) for v in (lon1, lat1, lon2, lat2))
    a = np.sin((y2 - y1) / 2) ** 2 + np.cos(y1) * np.cos(y2) * np.sin((x2 - x1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
