"""Firm × place pairs and their features, as pure functions over frames and arrays.

A *unit* is the place a firm could land: a county-level unit for the navigation map, a prefecture
city for the relocation benchmark. Everything a pair feature needs about a unit is precomputed once
into :class:`UnitTables` — dense ``industry × unit`` matrices (local counts, RCA, relatedness density,
chain complementarity, momentum, provincial and neighbouring presence, curated targets/constraints)
plus unit coordinates — and everything about a firm into :class:`FirmArrays` (industry index,
coordinates, province, standing). A pair feature is then a row lookup ``M[industry(firm), unit]``
or a broadcast, so a block of firms × all units is computed as a 2-D grid without any join.

Why grids: the same code serves three callers. :func:`pair_features` returns the long (tidy) frame
for small universes (navmap: all firms × 9 counties); :func:`top_k_pairs` walks firms in chunks and
keeps only the best ``k`` per unit or per firm, so 500k firms × 2,900 counties never materialises;
the relocation benchmark scores movers × cities. Each function is pure (inputs → new outputs), so a
distributed engine could run :func:`feature_grid` per partition of firms with the tables broadcast.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from matcher import relatedness
from matcher.geo.distance import distance_grid

#: Features that vary with the unit (the ones that can rank places for one firm).
PLACE_FEATURES: tuple[str, ...] = (
    "chain_customers",   # local firms in industries the firm's industry supplies (edge-weighted, log counts)
    "chain_suppliers",   # local firms in industries that supply the firm's industry
    "density",           # relatedness density of the firm's industry in the unit (0..1)
    "rca",               # log1p revealed comparative advantage of the firm's industry in the unit
    "local_count",       # log1p same-industry firms in the unit
    "province_count",    # log1p same-industry firms in the unit's province
    "neighbour_count",   # log1p same-industry firms in units of other cities within `neighbour_km`
    "momentum",          # log1p same-industry entries in the unit during the last `recent_years`
    "unit_size",         # log1p all firms in the unit
    "distance_km",       # great-circle distance firm home → unit
    "log_distance",      # log1p(distance_km)
    "travel_hours",      # rough travel-time estimate (see :func:`travel_hours`), not a measured time
    "same_province",     # 1 when the unit is in the firm's home province
    "same_region",       # 1 when the unit is in the firm's home macro-region (first adcode digit)
    "is_target",         # 1 when the unit's curated targets include the firm's industry or chain
    "is_excluded",       # 1 when the unit's curated constraints exclude the firm's industry
    "anchor_chain",      # log1p curated anchor firms of the firm's chain in the unit (unlisted ones included)
    "size_x_unit_size",  # firm size (standardised) × unit size: big firms go to big places
)

#: Features of the firm alone (rank firms for a place; constant across the places of one firm).
FIRM_FEATURES: tuple[str, ...] = (
    "firm_size",         # log1p employees
    "firm_assets",       # log1p total assets (亿元)
    "firm_valuation",    # log1p valuation (USD bn, unicorns)
    "is_listed",
    "is_unicorn",
    "is_little_giant",
    "fortune500",        # (501 - best 财富中国500强 rank) / 500, 0 when never ranked
    "is_soe",            # controller type is a state-owned enterprise (地方国企 / 中央国企 / 国资)
)

FEATURES: tuple[str, ...] = PLACE_FEATURES + FIRM_FEATURES

#: a list of codes: any sequence of str, or an object array of them
Codes = Sequence[str] | np.ndarray

#: adcode first digit → macro region (the six large administrative regions the codes were built on)
MACRO_REGIONS: dict[str, str] = {"1": "华北", "2": "东北", "3": "华东", "4": "中南", "5": "西南", "6": "西北"}


# --------------------------------------------------------------------------------------------------
# small vector helpers
# --------------------------------------------------------------------------------------------------



def travel_hours(distance_km: np.ndarray) -> np.ndarray:
    """A rough door-to-door travel time from great-circle distance, in hours.

    An assumption, not a measurement (no road or rail network is available offline): the faster of
    road (1.25 × straight-line distance at 70 km/h) and high-speed rail or air (1.5 h access plus
    1.2 × distance at 250 km/h). It only orders places; it is not a timetable.
    """
    d = np.asarray(distance_km, dtype=np.float64)
    return np.minimum(1.25 * d / 70.0, 1.5 + 1.2 * d / 250.0)


def industry_prefix(code: str) -> str:
    """The significant prefix of a Shenwan code: '370000' → '37', '370100' → '3701'."""
    code = str(code)
    while len(code) > 2 and code.endswith("00"):
        code = code[:-2]
    return code


def to_level(codes: pd.Series, level: int) -> pd.Series:
    """Shenwan 2021 codes (6 digits) cut to level 1, 2 or 3: '370101' → '370000' / '370100' / '370101'.

    Non-six-digit labels (e.g. 2015 industry names) pass through unchanged.
    """
    s = codes.astype("string")
    is_code = s.str.fullmatch(r"\d{6}").fillna(False).astype(bool)
    keep = {1: 2, 2: 4, 3: 6}[level]
    cut = s.str[:keep] + "0" * (6 - keep)
    return s.where(~is_code, cut)


def region_of(province_code: str | None) -> str | None:
    """Macro region of a province adcode: its first digit ('1' 华北 … '6' 西北), see :data:`MACRO_REGIONS`."""
    return province_code[0] if province_code else None


def _str_array(values: Iterable[object]) -> np.ndarray:
    """Values as an object array of str, missing → None (vectorised for pandas input)."""
    if isinstance(values, pd.Series | pd.Index):
        return np.asarray(pd.Series(values).astype("string").to_numpy(dtype=object, na_value=None), dtype=object)  # type: ignore[call-overload]
    return np.array([None if (v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))) else str(v) for v in values], dtype=object)


# --------------------------------------------------------------------------------------------------
# unit tables
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class UnitTables:
    """Everything pair features need about the candidate units, aligned to ``unit_codes`` / ``industries``.

    Matrices are ``(n_industries + 1, n_units)``: the extra last row is the "unknown industry" row of
    zeros, so firms without an industry get neutral industry features instead of an error.
    """

    unit_codes: np.ndarray
    unit_names: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    province: np.ndarray
    city: np.ndarray
    industries: np.ndarray
    unit_size: np.ndarray
    matrices: dict[str, np.ndarray]
    #: integer ids of province / city / macro region per unit (fast pair comparisons), and their vocabularies
    province_id: np.ndarray
    city_id: np.ndarray
    region_id: np.ndarray
    vocab: dict[str, dict[str, int]]
    chains: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))
    chain_target: np.ndarray | None = None  # (n_chains + 1, n_units)
    chain_anchor: np.ndarray | None = None  # (n_chains + 1, n_units): log1p anchor firms per chain

    @property
    def n_units(self) -> int:
        return len(self.unit_codes)

    def industry_index(self, codes: Iterable[object]) -> np.ndarray:
        """Row index of each industry code; unknown/missing → the zero row."""
        pos = {c: i for i, c in enumerate(self.industries)}
        unknown = len(self.industries)
        return np.array([pos.get(c, unknown) if c is not None else unknown for c in _str_array(codes)], dtype=np.int64)

    def ids(self, kind: str, values: np.ndarray) -> np.ndarray:
        """Integer ids of ``values`` in this table's ``kind`` vocabulary ('province', 'city', 'region');
        unknown → -1, which equals no unit's id."""
        voc = self.vocab[kind]
        return np.array([voc.get(v, -1) if v is not None else -1 for v in values], dtype=np.int64)

    def chain_index(self, chains: Iterable[object]) -> np.ndarray:
        pos = {c: i for i, c in enumerate(self.chains)}
        unknown = len(self.chains)
        return np.array([pos.get(c, unknown) if c is not None else unknown for c in _str_array(chains)], dtype=np.int64)


def presence_matrix(presence: pd.DataFrame, unit_codes: Codes, industries: Codes, *, unit_col: str, industry_col: str) -> np.ndarray:
    """Counts of rows (firms) per industry × unit; rows whose unit or industry is not listed are ignored."""
    upos = {u: j for j, u in enumerate(unit_codes)}
    ipos = {c: i for i, c in enumerate(industries)}
    out = np.zeros((len(industries), len(unit_codes)), dtype=np.float64)
    if len(presence) == 0:
        return out
    u = [upos.get(x, -1) for x in _str_array(presence[unit_col])]
    i = [ipos.get(x, -1) for x in _str_array(presence[industry_col])]
    ui = np.array(u, dtype=np.int64)
    ii = np.array(i, dtype=np.int64)
    ok = (ui >= 0) & (ii >= 0)
    np.add.at(out, (ii[ok], ui[ok]), 1.0)
    return out


def rca_matrix(count: np.ndarray) -> np.ndarray:
    """Balassa RCA of each industry (row) in each unit (column), by :func:`matcher.relatedness.rca`."""
    return relatedness.rca(pd.DataFrame(count.T)).to_numpy().T


def relatedness_density(count: np.ndarray) -> np.ndarray:
    """Relatedness density (Hidalgo et al. 2007) of each industry (row) in each unit (column), with the
    units as the reference, by :func:`matcher.relatedness.density_from_counts`; in [0, 1]."""
    dens, _ = relatedness.density_from_counts(pd.DataFrame(count.T))
    return dens.to_numpy().T


def supply_matrix(edges: pd.DataFrame | None, industries: Codes, *, level: int | None = 2) -> np.ndarray:
    """Edge weights W[i, j] = evidence that industry i supplies industry j (upstream → downstream).

    ``edges`` has columns ``from_sw, to_sw, weight`` (as :func:`matcher.chain.industry_supply_edges`
    returns); codes are cut to ``level`` first (None keeps them as they are) and weights summed. Self
    loops are dropped: same-industry presence is its own feature (``local_count``).
    """
    n = len(industries)
    w = np.zeros((n, n), dtype=np.float64)
    if edges is None or len(edges) == 0:
        return w
    e = edges[["from_sw", "to_sw", "weight"]].copy()
    if level is not None:
        e["from_sw"] = to_level(e["from_sw"], level)
        e["to_sw"] = to_level(e["to_sw"], level)
    pos = {c: i for i, c in enumerate(industries)}
    fi = np.array([pos.get(c, -1) for c in _str_array(e["from_sw"])], dtype=np.int64)
    ti = np.array([pos.get(c, -1) for c in _str_array(e["to_sw"])], dtype=np.int64)
    wt = pd.to_numeric(e["weight"], errors="coerce").fillna(0.0).to_numpy(dtype=np.float64)
    ok = (fi >= 0) & (ti >= 0) & (fi != ti) & (wt > 0)
    np.add.at(w, (fi[ok], ti[ok]), wt[ok])
    return w


def _row_normalise(w: np.ndarray) -> np.ndarray:
    s = w.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(s > 0, w / s, 0.0)
    return out


def chain_complementarity(w: np.ndarray, count: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(customers, suppliers): edge-weighted mean log1p count of the firm industry's buyers / suppliers per unit.

    customers_iu = Σ_j Ŵ_ij log1p(x_ju) with Ŵ the out-edges of i normalised to sum 1 (the firm's
    output has local buyers); suppliers_iu = Σ_j Ŵ'_ji log1p(x_ju) with Ŵ' the in-edges of i normalised
    (the firm finds local suppliers). Industries without edges get 0.
    """
    logc = np.log1p(count)
    customers = _row_normalise(w) @ logc
    suppliers = _row_normalise(w.T) @ logc
    return customers, suppliers


def neighbour_matrix(lon: np.ndarray, lat: np.ndarray, city: np.ndarray, *, radius_km: float, rows: np.ndarray | None = None) -> np.ndarray:
    """A[u, v] = 1 when unit v lies within ``radius_km`` of unit u and in another city (float32).

    ``rows`` limits u to those indices (the candidate units), so 9 counties against 2,900 cost 9 × 2,900.
    """
    r = np.arange(len(lon)) if rows is None else np.asarray(rows)
    d = distance_grid(lon[r], lat[r], lon, lat)
    same_city = city[r, None] == city[None, :]
    a = (d <= radius_km) & ~same_city & np.isfinite(d)
    return a.astype(np.float32)


def curated_matrix(curated: pd.DataFrame | None, unit_codes: Codes, industries: Codes, kind: str) -> np.ndarray:
    """1 where a curated row of ``kind`` ('target' / 'exclude') for the unit covers the industry (code prefix match).

    ``curated`` columns: ``county_code`` (the unit), ``kind``, ``industry`` (a Shenwan code at any level;
    '370000' covers every 37xxxx). Rows naming only a chain are handled by :func:`chain_matrices`.
    """
    out = np.zeros((len(industries), len(unit_codes)), dtype=np.float64)
    if curated is None or len(curated) == 0 or "industry" not in curated.columns:
        return out
    rows = curated[(curated["kind"].astype("string") == kind) & curated["industry"].notna()]
    upos = {u: j for j, u in enumerate(unit_codes)}
    prefixes = [industry_prefix(c) for c in industries]
    for unit, code in zip(_str_array(rows["county_code"]), _str_array(rows["industry"]), strict=True):
        j = upos.get(unit)
        if j is None or code is None:
            continue
        p = industry_prefix(code)
        # a target covers its sub-industries, and an industry that contains a finer target;
        # an exclusion covers only its own sub-industries (never a whole parent industry)
        hit = np.array([q.startswith(p) or (kind == "target" and p.startswith(q)) for q in prefixes], dtype=bool)
        out[hit, j] = 1.0
    return out


def chain_matrices(curated: pd.DataFrame | None, unit_codes: Codes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(chains, target, anchors) over one chain vocabulary; last row of each matrix = "no chain".

    target[c, u] = 1 when unit u's curated targets name chain c; anchors[c, u] = number of curated
    anchor firms of chain c in unit u (rows of kind 'anchor', listed or not).
    """
    n_u = len(unit_codes)
    if curated is None or len(curated) == 0 or "chain" not in curated.columns:
        return np.array([], dtype=object), np.zeros((1, n_u)), np.zeros((1, n_u))
    rows = curated[curated["chain"].notna()]
    chains = np.array(sorted(set(_str_array(rows["chain"])) - {None}), dtype=object)
    cpos = {c: i for i, c in enumerate(chains)}
    upos = {u: j for j, u in enumerate(unit_codes)}
    target = np.zeros((len(chains) + 1, n_u))
    anchors = np.zeros((len(chains) + 1, n_u))
    for unit, chain, kind in zip(_str_array(rows["county_code"]), _str_array(rows["chain"]), _str_array(rows["kind"]), strict=True):
        if unit in upos and chain in cpos:
            if kind == "target":
                target[cpos[chain], upos[unit]] = 1.0
            elif kind == "anchor":
                anchors[cpos[chain], upos[unit]] += 1.0
    return chains, target, anchors


def build_unit_tables(
    units: pd.DataFrame,
    presence: pd.DataFrame,
    *,
    unit_col: str = "county_code",
    industry_col: str = "sw_l2_code",
    industries: Codes | None = None,
    edges: pd.DataFrame | None = None,
    edge_level: int | None = 2,
    curated: pd.DataFrame | None = None,
    as_of: pd.Timestamp | str | None = None,
    date_col: str = "list_date",
    recent_years: float = 5.0,
    neighbour_km: float = 150.0,
    reference_units: pd.DataFrame | None = None,
) -> UnitTables:
    """Precompute the industry × unit lookup tables for the candidate ``units``.

    Parameters
    ----------
    units : candidate places: ``unit_col``, ``name`` (or ``county_name``), ``lon``, ``lat``,
        ``province_code``, ``city_code``.
    presence : incumbent firms with ``unit_col``, ``industry_col``, ``province_code`` and (for
        momentum) ``date_col``. Only firms dated on/before ``as_of`` count, so the caller controls
        what is "known" (the relocation benchmark passes 2015 data only).
    reference_units : the wider set of units over which RCA, density and provincial/neighbouring
        presence are computed (default: ``units``). Scoring 9 counties still needs the national
        picture: pass every county as reference and the 9 as ``units``.
    """
    ref = units if reference_units is None else reference_units
    ref_codes = _str_array(ref[unit_col])
    pres = _known_by(presence, as_of, date_col)
    inds = _industry_axis(pres, industry_col, industries, edges, edge_level)
    count_ref = presence_matrix(pres, ref_codes, inds, unit_col=unit_col, industry_col=industry_col)

    # provincial presence: every presence row with a province (also firms not placed at unit level)
    ref_prov = _str_array(ref["province_code"])
    prov_codes = sorted({p for p in _str_array(pres["province_code"]) if p is not None} | {p for p in ref_prov if p})
    prov_count = presence_matrix(pres, prov_codes, inds, unit_col="province_code", industry_col=industry_col)
    ppos = {p: k for k, p in enumerate(prov_codes)}
    recent = _recent_counts(pres, ref_codes, inds, unit_col, industry_col, as_of, date_col, recent_years)

    # the candidate units inside the reference
    rpos = {u: j for j, u in enumerate(ref_codes)}
    codes = _str_array(units[unit_col])
    missing = [u for u in codes if u not in rpos]
    if missing:
        raise ValueError(f"units not in reference_units: {missing[:5]}")
    sel = np.array([rpos[u] for u in codes], dtype=np.int64)

    lon_ref = pd.to_numeric(ref["lon"], errors="coerce").to_numpy(dtype=np.float64)
    lat_ref = pd.to_numeric(ref["lat"], errors="coerce").to_numpy(dtype=np.float64)
    city_ref = _str_array(ref["city_code"])
    nb = neighbour_matrix(lon_ref, lat_ref, city_ref, radius_km=neighbour_km, rows=sel)
    neighbour_sel = count_ref @ nb.T.astype(np.float64)  # (industries, candidate units)

    rca = rca_matrix(count_ref)
    dens = relatedness_density(count_ref)
    w = supply_matrix(edges, inds, level=edge_level)
    customers, suppliers = chain_complementarity(w, count_ref)
    prov_units = _str_array(units["province_code"])
    prov_sel = np.array([ppos.get(p, -1) for p in prov_units], dtype=np.int64)
    prov_mat = np.where(prov_sel[None, :] >= 0, prov_count[:, np.clip(prov_sel, 0, None)], 0.0)

    def pad(m: np.ndarray) -> np.ndarray:
        return np.vstack([m, np.zeros((1, m.shape[1]))]).astype(np.float32)

    mats = {
        "chain_customers": pad(customers[:, sel]),
        "chain_suppliers": pad(suppliers[:, sel]),
        "density": pad(dens[:, sel]),
        "rca": pad(np.log1p(rca[:, sel])),
        "local_count": pad(np.log1p(count_ref[:, sel])),
        "province_count": pad(np.log1p(prov_mat)),
        "neighbour_count": pad(np.log1p(neighbour_sel)),
        "momentum": pad(np.log1p(recent[:, sel])),
        "is_target": pad(curated_matrix(curated, codes, inds, "target")),
        "is_excluded": pad(curated_matrix(curated, codes, inds, "exclude")),
        "_count": pad(count_ref[:, sel]),
    }
    return _assemble_tables(units, unit_col, codes, prov_units, inds, mats,
                            np.log1p(count_ref.sum(axis=0)[sel]).astype(np.float32), curated)


# --------------------------------------------------------------------------------------------------
# firm arrays
# --------------------------------------------------------------------------------------------------
SOE_TYPES = ("地方国企", "中央国企", "国资", "国有", "央企")


@dataclass(frozen=True)
class FirmArrays:
    """Per-firm arrays aligned to ``firm_ids`` (see :func:`firm_arrays`)."""

    firm_ids: np.ndarray
    industry_idx: np.ndarray
    chain_idx: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    province: np.ndarray
    city: np.ndarray
    standing: dict[str, np.ndarray]
    size_z: np.ndarray
    province_id: np.ndarray
    city_id: np.ndarray
    region_id: np.ndarray

    def __len__(self) -> int:
        return len(self.firm_ids)

    def take(self, sl: slice | np.ndarray) -> FirmArrays:
        return FirmArrays(
            firm_ids=self.firm_ids[sl], industry_idx=self.industry_idx[sl], chain_idx=self.chain_idx[sl],
            lon=self.lon[sl], lat=self.lat[sl], province=self.province[sl], city=self.city[sl],
            standing={k: v[sl] for k, v in self.standing.items()}, size_z=self.size_z[sl],
            province_id=self.province_id[sl], city_id=self.city_id[sl], region_id=self.region_id[sl],
        )


def _num(frame: pd.DataFrame, col: str) -> np.ndarray:
    if col not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def _flag(frame: pd.DataFrame, col: str) -> np.ndarray:
    if col not in frame.columns:
        return np.zeros(len(frame), dtype=np.float32)
    return frame[col].astype("boolean").fillna(False).to_numpy(dtype=bool).astype(np.float32)


def firm_standing(firms: pd.DataFrame) -> dict[str, np.ndarray]:
    """The firm-only features (:data:`FIRM_FEATURES`) from firm-master columns; missing → 0."""
    emp = _num(firms, "employees")
    assets = _num(firms, "total_assets_yi")
    val = _num(firms, "valuation_usd_bn")
    f500 = _num(firms, "fortune500_best_rank")
    ctrl = firms["controller_type"].astype("string") if "controller_type" in firms.columns else pd.Series(pd.NA, index=firms.index, dtype="string")
    soe = ctrl.str.contains("|".join(SOE_TYPES), regex=True).fillna(False).to_numpy(dtype=bool)
    return {
        "firm_size": np.nan_to_num(np.log1p(np.clip(emp, 0, None)), nan=0.0).astype(np.float32),
        "firm_assets": np.nan_to_num(np.log1p(np.clip(assets, 0, None)), nan=0.0).astype(np.float32),
        "firm_valuation": np.nan_to_num(np.log1p(np.clip(val, 0, None)), nan=0.0).astype(np.float32),
        "is_listed": _flag(firms, "is_listed"),
        "is_unicorn": _flag(firms, "is_unicorn"),
        "is_little_giant": _flag(firms, "is_little_giant"),
        "fortune500": np.nan_to_num(np.clip((501.0 - f500) / 500.0, 0, 1), nan=0.0).astype(np.float32),
        "is_soe": soe.astype(np.float32),
    }


def firm_arrays(
    firms: pd.DataFrame,
    tables: UnitTables,
    *,
    industry_col: str = "sw_l2_code",
    chain_col: str = "chain",
    size_col: str = "firm_size",
) -> FirmArrays:
    """Encode firms for grid scoring against ``tables``. ``size_col`` names the standing feature (or a
    raw numeric column, log1p-transformed) used in the ``size_x_unit_size`` interaction, standardised
    over these firms; 0 where unknown."""
    standing = firm_standing(firms)
    if size_col in standing:
        size = standing[size_col].astype(np.float64)
    elif size_col in firms.columns:  # any raw size column, e.g. the 2015 market value
        size = np.nan_to_num(np.log1p(np.clip(_num(firms, size_col), 0, None)), nan=0.0)
    else:
        size = np.zeros(len(firms))
    known = size > 0
    z = np.zeros(len(firms))
    if known.sum() > 1:
        mu, sd = size[known].mean(), size[known].std()
        z[known] = (size[known] - mu) / (sd if sd > 0 else 1.0)
    chains = firms[chain_col] if chain_col in firms.columns else pd.Series([None] * len(firms))
    province = _str_array(firms["province_code"]) if "province_code" in firms.columns else np.full(len(firms), None, dtype=object)
    city = _str_array(firms["city_code"]) if "city_code" in firms.columns else np.full(len(firms), None, dtype=object)
    return FirmArrays(
        firm_ids=_str_array(firms["firm_id"]),
        industry_idx=tables.industry_index(to_level(firms[industry_col], 2) if industry_col.startswith("sw_") else firms[industry_col]),
        chain_idx=tables.chain_index(chains),
        lon=_num(firms, "lon"),
        lat=_num(firms, "lat"),
        province=province,
        city=city,
        standing=standing,
        size_z=z.astype(np.float32),
        province_id=tables.ids("province", province),
        city_id=tables.ids("city", city),
        region_id=tables.ids("region", np.array([region_of(p) for p in province], dtype=object)),
    )


# --------------------------------------------------------------------------------------------------
# grids, long frames, chunked top-k
# --------------------------------------------------------------------------------------------------
def feature_grid(firms: FirmArrays, tables: UnitTables, names: Iterable[str] = FEATURES) -> dict[str, np.ndarray]:
    """Each requested feature as a float32 array of shape (n_firms, n_units). Pure; no joins.

    Firms without coordinates get NaN distances (→ ``distance_km``/``travel_hours`` NaN); callers
    that score fill them (see :meth:`matcher.model.match.FirmCountyRanker.score_grid`).
    """
    out: dict[str, np.ndarray] = {}
    n, m = len(firms), tables.n_units
    want = list(names)
    dist: np.ndarray | None = None
    for name in want:
        if name in tables.matrices:
            out[name] = tables.matrices[name][firms.industry_idx]
        elif name in ("distance_km", "log_distance", "travel_hours"):
            if dist is None:
                dist = distance_grid(firms.lon, firms.lat, tables.lon, tables.lat)
            out[name] = dist if name == "distance_km" else (np.log1p(dist) if name == "log_distance" else travel_hours(dist).astype(np.float32))
        elif name == "same_province":
            out[name] = (firms.province_id[:, None] == tables.province_id[None, :]).astype(np.float32)
        elif name == "same_region":
            out[name] = (firms.region_id[:, None] == tables.region_id[None, :]).astype(np.float32)
        elif name == "anchor_chain":
            out[name] = tables.chain_anchor[firms.chain_idx] if tables.chain_anchor is not None else np.zeros((n, m), dtype=np.float32)
        elif name == "unit_size":
            out[name] = np.broadcast_to(tables.unit_size[None, :], (n, m))
        elif name == "size_x_unit_size":
            out[name] = (firms.size_z[:, None] * tables.unit_size[None, :]).astype(np.float32)
        elif name in firms.standing:
            out[name] = np.broadcast_to(firms.standing[name][:, None], (n, m))
        else:
            raise KeyError(f"unknown feature {name!r}")
    if "is_target" in out and tables.chain_target is not None and len(tables.chains):
        out["is_target"] = np.maximum(out["is_target"], tables.chain_target[firms.chain_idx])
    return out


def pair_features(firms: pd.DataFrame, tables: UnitTables, *, names: Iterable[str] = FEATURES, exclude_home_city: bool = True, **firm_kw: object) -> pd.DataFrame:
    """The long (tidy) pair frame: one row per firm × unit with ``firm_id, county_code, county_name`` and features.

    With ``exclude_home_city`` a firm is not paired with units of its own city (it is already there).
    Row order: firms as given, units as in ``tables`` — deterministic.
    """
    fa = firm_arrays(firms, tables, **firm_kw)  # type: ignore[arg-type]
    grid = feature_grid(fa, tables, names)
    n, m = len(fa), tables.n_units
    keep = np.ones((n, m), dtype=bool)
    if exclude_home_city:
        keep &= fa.city_id[:, None] != tables.city_id[None, :]
    fi, ui = np.nonzero(keep)
    frame = pd.DataFrame({
        "firm_id": pd.array(fa.firm_ids[fi], dtype="string"),
        "county_code": pd.array(tables.unit_codes[ui], dtype="string"),
        "county_name": pd.array(tables.unit_names[ui], dtype="string"),
    })
    for k, v in grid.items():
        frame[k] = np.asarray(v)[fi, ui].astype(np.float64)
    return frame


def top_k_pairs(
    firms: FirmArrays,
    tables: UnitTables,
    score_grid: Callable[[FirmArrays, UnitTables], np.ndarray],
    *,
    k: int,
    by: str = "unit",
    chunk_size: int = 2000,
    exclude_home_city: bool = True,
) -> pd.DataFrame:
    """The best ``k`` firms per unit (``by='unit'``) or units per firm (``by='firm'``), scored in chunks.

    Only ``chunk_size × n_units`` scores exist at a time, plus a running ``k × n_units`` best list,
    so memory does not grow with the number of firms. Deterministic; among the kept rows ties break
    by firm order (which of several firms tied exactly at the k-th place is kept is not specified).
    Returns ``firm_idx, unit_idx, score, rank`` (rank 1 = best within the group).
    """
    if by not in ("unit", "firm"):
        raise ValueError("by must be 'unit' or 'firm'")
    m = tables.n_units
    parts: list[pd.DataFrame] = []
    best_s = np.full((0, m), -np.inf, dtype=np.float64)
    best_i = np.zeros((0, m), dtype=np.int64)
    for start in range(0, len(firms), chunk_size):
        idx = np.arange(start, min(start + chunk_size, len(firms)))
        chunk = firms.take(idx)
        s = np.asarray(score_grid(chunk, tables), dtype=np.float64)
        if exclude_home_city:
            s = np.where(chunk.city_id[:, None] == tables.city_id[None, :], -np.inf, s)
        if by == "firm":
            kk = min(k, m)
            order = np.argsort(-s, axis=1, kind="stable")[:, :kk]
            rows = np.repeat(idx, kk)
            cols = order.ravel()
            vals = np.take_along_axis(s, order, axis=1).ravel()
            ranks = np.tile(np.arange(1, kk + 1), len(idx))
            part = pd.DataFrame({"firm_idx": rows, "unit_idx": cols, "score": vals, "rank": ranks})
            parts.append(part[np.isfinite(part["score"])])
        else:
            cand_s = np.vstack([best_s, s])
            cand_i = np.vstack([best_i, np.broadcast_to(idx[:, None], s.shape)])
            kk = min(k, cand_s.shape[0])
            if kk < cand_s.shape[0]:
                top = np.argpartition(-cand_s, kk - 1, axis=0)[:kk]
                cand_s = np.take_along_axis(cand_s, top, axis=0)
                cand_i = np.take_along_axis(cand_i, top, axis=0)
            # sort the survivors by (-score, firm index) within each unit
            order = np.lexsort((cand_i, -cand_s), axis=0)
            best_s = np.take_along_axis(cand_s, order, axis=0)
            best_i = np.take_along_axis(cand_i, order, axis=0)
    if by == "firm":
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["firm_idx", "unit_idx", "score", "rank"])
    kk = best_s.shape[0]
    out = pd.DataFrame({
        "firm_idx": best_i.T.ravel(),
        "unit_idx": np.repeat(np.arange(m), kk),
        "score": best_s.T.ravel(),
        "rank": np.tile(np.arange(1, kk + 1), m),
    })
    return out[np.isfinite(out["score"])].reset_index(drop=True)


def feature_frame_from_grid(grid: Mapping[str, np.ndarray], fi: np.ndarray, ui: np.ndarray) -> pd.DataFrame:
    """Pick (firm, unit) cells out of a grid into a frame of features."""
    return pd.DataFrame({k: np.asarray(v)[fi, ui].astype(np.float64) for k, v in grid.items()})


def _known_by(presence: pd.DataFrame, as_of: pd.Timestamp | str | None, date_col: str) -> pd.DataFrame:
    """The incumbents known at ``as_of`` (rows without a date count as known)."""
    pres = presence.copy()
    if as_of is not None and date_col in pres.columns:
        dates = pd.to_datetime(pres[date_col], errors="coerce")
        pres = pres[dates.isna() | (dates <= pd.Timestamp(as_of))]
    return pres


def _industry_axis(pres: pd.DataFrame, industry_col: str, industries: Codes | None, edges: pd.DataFrame | None,
                   edge_level: int | None) -> np.ndarray:
    """The industries of the tables: those given, else the incumbents' and every industry the chain links
    (a firm may be the first of its industry)."""
    if industries is None:
        found = {c for c in _str_array(pres[industry_col]) if c is not None}
        if edges is not None and len(edges):
            for col in ("from_sw", "to_sw"):
                ecodes = to_level(edges[col], edge_level) if edge_level is not None else edges[col]
                found |= {c for c in _str_array(ecodes) if c is not None}
        industries = sorted(found)
    return np.array(list(industries), dtype=object)


def _recent_counts(pres: pd.DataFrame, ref_codes: np.ndarray, inds: np.ndarray, unit_col: str, industry_col: str,
                   as_of: pd.Timestamp | str | None, date_col: str, recent_years: float) -> np.ndarray:
    """Firms dated within ``recent_years`` before ``as_of`` (momentum), industries × reference units."""
    if as_of is None or date_col not in pres.columns or recent_years <= 0:
        return np.zeros((len(inds), len(ref_codes)))
    cutoff = pd.Timestamp(as_of)
    dates = pd.to_datetime(pres[date_col], errors="coerce")
    start = cutoff - pd.Timedelta(days=365.25 * recent_years)
    return presence_matrix(pres[(dates > start) & (dates <= cutoff)], ref_codes, inds, unit_col=unit_col, industry_col=industry_col)


def _assemble_tables(units: pd.DataFrame, unit_col: str, codes: np.ndarray, prov_units: np.ndarray, inds: np.ndarray,
                     mats: dict[str, np.ndarray], unit_size: np.ndarray, curated: pd.DataFrame | None) -> UnitTables:
    """The :class:`UnitTables` of the candidate units: matrices, names, points and id vocabularies."""
    chains, chain_m, anchor_m = chain_matrices(curated, codes)
    city_units = _str_array(units["city_code"])
    regions = np.array([region_of(p) for p in prov_units], dtype=object)
    vocab = {
        "province": {p: k for k, p in enumerate(sorted({p for p in prov_units if p}))},
        "city": {c: k for k, c in enumerate(sorted({c for c in city_units if c}))},
        "region": {r: k for k, r in enumerate(sorted({r for r in regions if r}))},
    }
    name_col = "name" if "name" in units.columns else ("county_name" if "county_name" in units.columns else unit_col)
    return UnitTables(
        unit_codes=codes,
        unit_names=_str_array(units[name_col]),
        lon=pd.to_numeric(units["lon"], errors="coerce").to_numpy(dtype=np.float64),
        lat=pd.to_numeric(units["lat"], errors="coerce").to_numpy(dtype=np.float64),
        province=prov_units,
        city=city_units,
        industries=inds,
        unit_size=unit_size,
        matrices=mats,
        province_id=np.array([vocab["province"].get(p, -2) for p in prov_units], dtype=np.int64),
        city_id=np.array([vocab["city"].get(c, -2) for c in city_units], dtype=np.int64),
        region_id=np.array([vocab["region"].get(r, -2) for r in regions], dtype=np.int64),
        vocab=vocab,
        chains=chains,
        chain_target=chain_m.astype(np.float32),
        chain_anchor=np.log1p(anchor_m).astype(np.float32),
    )
