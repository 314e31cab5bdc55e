"""Rail travel times between prefecture cities: a corridor approximation, never a straight line over sea.

The trip planner needs hours between cities. A straight line × detour ÷ speed puts 秦皇岛→大连 at
2.4 h across the Bohai Sea, where no line runs (the real journey goes round by 沈阳). This module
builds a small rail network instead:

- **lines** (``data/travel/lines.csv``): named high-speed / fast lines, each a sequence of the
  prefecture cities it serves (``stops``), with its length and speed as a public page states them
  (``source_url``, ``source_says``; ``length_basis``/``speed_basis`` say which figure it is — 线路全长,
  运营里程, 设计时速, 运营时速 …, or ``未见引用`` where no page was found and a stated default is used).
  Only lengths and speeds come from those pages; no published journey time is used to build the
  network (those are kept apart in ``data/travel/validation.csv`` for the check in
  :mod:`matcher.bench.travel`).
- **edges**: consecutive stops of a line; the line's length is shared out over its edges in proportion
  to their straight-line lengths (so each line keeps its own detour), and an edge takes
  ``km / (speed × speed_share)`` hours (``speed_share``: the scheduled average of a fast train as a share
  of the line speed, stops and acceleration included).
- **changes of line** cost ``transfer_hours`` at the hub where they happen;
- **cities off the network** reach it by an access leg (road or conventional rail) to one of the
  ``access_hubs`` nearest network cities *of the same province* (the nearest overall only where the
  province has none), at ``access_speed_kmh`` over ``access_detour`` × the straight line; two places
  of one province less than ``direct_max_km`` apart may also go directly that way.

A journey is the shortest path (networkx Dijkstra) and is returned with the cities and lines it
uses, so a plan can say "秦皇岛—秦沈客运专线—沈阳—哈大高速铁路—大连". Hours are time on the train
(and on access legs); getting to the station and waiting is the trip planner's own overhead.

City points are the cpca package's city table (``cpca/resources/adcodes.csv``, city-level rows),
or those the caller passes.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import pandas as pd

from matcher import resources
from matcher.geo.distance import haversine_km
from matcher.geo.tables import prefecture_cpca_points

__all__ = [
    "LINES",
    "Journey",
    "RailAssumptions",
    "RailNetwork",
    "TravelError",
    "build_network",
    "city_points",
    "journey",
    "load_lines",
    "normalise_code",
    "rail_time_fn",
]

#: the shipped corridor table (``data/travel/lines.csv``)
LINES = "travel/lines.csv"
_MUNICIPALITIES = {"11", "12", "31", "50"}


class TravelError(ValueError):
    """A place without coordinates or a network without a path; the message names it."""


@dataclass(frozen=True)
class RailAssumptions:
    """What the estimate assumes (fixed before the validation pairs were compared; see bench/travel).

    - ``speed_share`` 0.8: a fast train's scheduled average is about 80% of the line's speed (stops,
      acceleration, slower running through hubs);
    - ``transfer_hours`` 0.25 per change of line (through-trains still stand longer at the junction;
      a real change of train takes longer, so this is the optimistic side);
    - ``default_detour`` 1.25: a line whose length no page gave is 1.25 × the straight line between
      its stops;
    - access legs: 60 km/h over 1.3 × the straight line, to one of the 3 nearest network cities of
      the same province; places of one province under 150 km apart may go directly that way.
    """

    speed_share: float = 0.8
    transfer_hours: float = 0.25
    default_detour: float = 1.25
    access_speed_kmh: float = 60.0
    access_detour: float = 1.3
    access_hubs: int = 3
    direct_max_km: float = 150.0

    def __post_init__(self) -> None:
        for name in ("speed_share", "default_detour", "access_speed_kmh", "access_detour"):
            if not getattr(self, name) > 0:
                raise TravelError(f"{name} must be > 0 (got {getattr(self, name)})")
        if self.transfer_hours < 0 or self.access_hubs < 1 or self.direct_max_km < 0:
            raise TravelError("transfer_hours, direct_max_km must be >= 0 and access_hubs >= 1")

    def describe(self) -> list[str]:
        """The assumptions as sentences a planner reads (Chinese)."""
        return [
            f"城际交通按铁路干线估算：列车沿已开通的高铁、快速铁路线运行，平均速度取线路时速的{self.speed_share:.0%}"
            "（含停站、起停），线路里程取公开报道的线路全长，按沿线城市间直线距离分摊；",
            f"换乘另一条线路每次加{self.transfer_hours:g}小时；",
            f"不在干线上的城市先经公路或普速铁路到本省最近的干线城市（{self.access_speed_kmh:g}公里/小时，"
            f"路程按直线距离×{self.access_detour:g}）；",
            "不跨海取直线：没有铁路的海峡、海湾一律绕行陆上线路；",
            "为估算，非实际车次；不含往返车站和候车时间。",
        ]


def normalise_code(code: object) -> str:
    """A 6-digit city code as :mod:`matcher.geo` writes it: a municipality is its province code (110100 →
    110000), like every other stage."""
    s = str(code).strip()
    if s.endswith(".0"):
        s = s[:-2]
    s = s[:6].ljust(6, "0")
    if s[:2] in _MUNICIPALITIES and s[2:] in ("0000", "0100", "0200"):
        return s[:2] + "0000"
    return s


def city_points() -> dict[str, tuple[float, float]]:
    """Prefecture-city points (code → (lon, lat)), the same points every stage uses
    (:func:`matcher.geo.tables.prefecture_cpca_points`)."""
    return prefecture_cpca_points()


def load_lines(path: str | Path | None = None) -> pd.DataFrame:
    """``data/travel/lines.csv`` with ``stops`` parsed into a list of (name, code)."""
    df = pd.read_csv(path or resources.data_path(LINES), dtype=str).fillna("")
    required = ["line_id", "line_name", "kind", "speed_kmh", "length_km", "stops", "source_url", "source_says"]
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise TravelError(f"{path or LINES}: missing columns {missing}")
    bad = df[(df["source_url"].str.strip() == "") | (df["source_says"].str.strip() == "")]
    if len(bad):
        raise TravelError(f"lines without a cited source: {bad['line_id'].tolist()}")
    df["speed_kmh"] = df["speed_kmh"].astype(float)
    df["length_km"] = pd.to_numeric(df["length_km"].replace("", None), errors="coerce")
    df["stops"] = [[(p.split(":")[0], normalise_code(p.split(":")[1])) for p in s.split("|")] for s in df["stops"]]
    return df


@dataclass
class RailNetwork:
    """Lines, their edges (``line_id, a, b, a_name, b_name, km, hours, km_basis``) and the graph."""

    lines: pd.DataFrame
    edges: pd.DataFrame
    graph: nx.Graph
    names: dict[str, str]
    points: dict[str, tuple[float, float]]
    assumptions: RailAssumptions
    _sssp: dict[str, tuple[dict, dict]] = field(default_factory=dict, repr=False)

    @property
    def cities(self) -> set[str]:
        return set(self.names)

    def _from(self, code: str) -> tuple[dict, dict]:
        if code not in self._sssp:
            self._sssp[code] = nx.single_source_dijkstra(self.graph, ("c", code), weight="hours")
        return self._sssp[code]


def _km(points: Mapping[str, tuple[float, float]], a: str, b: str) -> float:
    (lon1, lat1), (lon2, lat2) = points[a], points[b]
    return float(haversine_km(lon1, lat1, lon2, lat2))


def build_network(
    lines: pd.DataFrame | None = None,
    points: Mapping[str, tuple[float, float]] | None = None,
    assumptions: RailAssumptions | None = None,
) -> RailNetwork:
    """The rail graph from ``lines`` (default: :func:`load_lines`) and city ``points`` (default: cpca)."""
    lines = load_lines() if lines is None else lines
    a = assumptions or RailAssumptions()
    pts = dict(city_points())
    if points:
        pts.update({normalise_code(k): v for k, v in points.items()})
    g = nx.Graph()
    rows = []
    names: dict[str, str] = {}
    for ln in lines.itertuples(index=False):
        stops = list(ln.stops)
        for name, code in stops:
            if code not in pts:
                raise TravelError(f"line {ln.line_id}: no point for stop {name} ({code})")
            names.setdefault(code, name)
        seg = [_km(pts, x[1], y[1]) for x, y in itertools.pairwise(stops)]
        straight = sum(seg)
        if pd.notna(ln.length_km) and float(ln.length_km) > 0:
            factor, basis = float(ln.length_km) / straight, "按线路全长分摊"
        else:
            factor, basis = a.default_detour, f"直线距离×{a.default_detour:g}"
        speed = float(ln.speed_kmh) * a.speed_share
        for (na, ca), (nb, cb), s in zip(stops[:-1], stops[1:], seg, strict=True):
            km = s * factor
            hours = km / speed
            rows.append({"line_id": ln.line_id, "line_name": ln.line_name, "a": ca, "b": cb, "a_name": na,
                         "b_name": nb, "km": km, "hours": hours, "km_basis": basis})
            g.add_edge(("l", ln.line_id, ca), ("l", ln.line_id, cb), hours=hours, km=km, line=ln.line_name)
        for _, code in stops:
            g.add_edge(("c", code), ("l", ln.line_id, code), hours=a.transfer_hours / 2, km=0.0, line="")
    return RailNetwork(lines=lines, edges=pd.DataFrame(rows), graph=g, names=names, points=pts, assumptions=a)


@dataclass
class Journey:
    """One estimated journey: hours, km, the cities passed where the route changes and the lines."""

    from_code: str
    to_code: str
    hours: float
    km: float
    via: list[str]          # city names: origin, the hubs where the line changes, destination
    lines: list[str]        # line names in order ("接驳" for an access leg)
    access_hours: float = 0.0

    def describe(self) -> str:
        """'秦皇岛—秦沈客运专线—沈阳—哈大高速铁路—大连' (约4.1小时)."""
        parts = [self.via[0]]
        for ln, city in zip(self.lines, self.via[1:], strict=False):
            parts += [ln, city]
        return "—".join(parts)


def _entries(net: RailNetwork, code: str) -> list[tuple[str, float, float]]:
    """Network cities a place can start from: (network code, access hours, access km)."""
    if code in net.names:
        return [(code, 0.0, 0.0)]
    if code not in net.points:
        raise TravelError(f"no coordinates for {code!r}")
    a = net.assumptions
    same = [c for c in net.names if c[:2] == code[:2]]
    pool = same or list(net.names)
    near = sorted(pool, key=lambda c: _km(net.points, code, c))[: a.access_hubs]
    out = []
    for c in near:
        km = _km(net.points, code, c) * a.access_detour
        out.append((c, km / a.access_speed_kmh, km))
    return out


def _name(net: RailNetwork, code: str, names: Mapping[str, str] | None) -> str:
    return (names or {}).get(code) or net.names.get(code) or code


def journey(net: RailNetwork, from_code: str, to_code: str, names: Mapping[str, str] | None = None) -> Journey:
    """The shortest estimated journey between two places (city codes; off-network places need a point)."""
    fa, fb = normalise_code(from_code), normalise_code(to_code)
    if fa == fb:
        return Journey(fa, fb, 0.0, 0.0, [_name(net, fa, names)], [])
    a = net.assumptions
    best: tuple[float, Journey] | None = None
    if fa in net.points and fb in net.points and fa[:2] == fb[:2]:
        d = _km(net.points, fa, fb)
        if d <= a.direct_max_km:
            km = d * a.access_detour
            h = km / a.access_speed_kmh
            best = (h, Journey(fa, fb, h, km, [_name(net, fa, names), _name(net, fb, names)], ["接驳"], h))
    for (ea, ha, ka), (eb, hb, kb) in itertools.product(_entries(net, fa), _entries(net, fb)):
        dist, paths = net._from(ea)
        if ("c", eb) not in dist:
            continue
        ride = dist[("c", eb)] - (a.transfer_hours if ea != eb else 0.0)
        total = ha + ride + hb
        if best is not None and total >= best[0] - 1e-12:
            continue
        via, lines_used, km = [_name(net, fa, names)], [], ka + kb
        if ha > 0:
            lines_used.append("接驳")
            via.append(_name(net, ea, names))
        current = None
        for u, v in itertools.pairwise(paths[("c", eb)]):
            e = net.graph.edges[u, v]
            km += e["km"]
            if e["line"]:
                if e["line"] != current:
                    if current is not None:
                        via.append(_name(net, u[2], names))
                    lines_used.append(e["line"])
                    current = e["line"]
        if ea != eb:
            via.append(_name(net, eb, names))
        if hb > 0:
            lines_used.append("接驳")
            via.append(_name(net, fb, names))
        best = (total, Journey(fa, fb, total, km, via, lines_used, ha + hb))
    if best is None:
        raise TravelError(f"no rail path between {fa} and {fb}")
    return best[1]


def rail_time_fn(
    points: Mapping[str, tuple[float, float]] | None = None,
    net: RailNetwork | None = None,
    assumptions: RailAssumptions | None = None,
) -> Callable[[str, str], float]:
    """Hours on the train between two places (code → code), for the trip planner's route and days.

    ``points`` (code → (lon, lat)) places the cities that are not on the network; 0 within a place.
    The planner adds its own overhead per leg (to and from stations, waiting).
    """
    n = net or build_network(points=points, assumptions=assumptions)
    cache: dict[tuple[str, str], float] = {}

    def hours(a: str, b: str) -> float:
        key = (a, b) if a <= b else (b, a)
        if key not in cache:
            cache[key] = journey(n, a, b).hours
        return cache[key]

    return hours


def journeys(net: RailNetwork, pairs: Sequence[tuple[str, str]], names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """One row per pair: from_code, to_code, hours, km, route (Chinese), access_hours."""
    rows = []
    for a, b in pairs:
        j = journey(net, a, b, names)
        rows.append({"from_code": j.from_code, "to_code": j.to_code, "hours": j.hours, "km": j.km,
                     "route": j.describe(), "access_hours": j.access_hours})
    return pd.DataFrame(rows)
