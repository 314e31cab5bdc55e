"""A fake :class:`~matcher.workbench.link.MatcherLink` over INVENTED firms and places.

Every firm, city and county here is made up for the tests (测试市 with 甲区, 乙县, 丙开发区; firms
named 测试甲科技有限公司 …); none is a real firm or place, and no figure describes anything real.
Names go through the project's real entity resolution (:func:`matcher.firms.master.name_index`, the
same index the real link asks through the facade), so the hand-typed lead lookup is exercised as in
production.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from matcher.firms.master import name_index
from matcher.workbench.link import (
    EXPANSION_COLUMNS,
    LOCAL_ENTITY_COLUMNS,
    MATCH_COLUMNS,
    RANKING_COLUMNS,
    conform_targets,
    empty,
)

CITY = "测试市"
CITY_CODE = "990100"
UNITS = [("990102", "甲区"), ("990103", "乙县"), ("990171", "丙开发区")]
STEMS = ["甲", "乙", "丙", "丁", "戊", "己", "庚", "辛", "壬", "癸"]
KINDS = ["科技", "材料", "装备", "生物", "能源"]
CHAINS = [("测试新材料链", "上游·测试原料"), ("测试装备链", "中游·测试部件"), ("测试健康链", "下游·测试服务")]
PROVINCES = ["测试东省", "测试西省", "测试南省"]
REGIONS = ["测试甲经济圈", "测试乙经济圈"]


def invented_firms(n: int = 30) -> pd.DataFrame:
    """``n`` invented firms: 测试甲科技有限公司, 测试乙材料有限公司, … (stems and kinds cycle; a number is
    added once the combinations run out)."""
    rows = []
    for i in range(n):
        stem, kind = STEMS[i % len(STEMS)], KINDS[(i // len(STEMS)) % len(KINDS)]
        suffix = "" if i < len(STEMS) * len(KINDS) else str(i)
        short = f"测试{stem}{kind}{suffix}"
        rows.append({
            "firm_id": f"T:{i:05d}", "name": short, "legal_name": f"{short}有限公司", "stock_code": f"9{i:05d}",
            "province": PROVINCES[i % 3], "city": f"测试{STEMS[(i + 3) % 10]}城", "county": "测试区",
            "industry": KINDS[(i // len(STEMS)) % len(KINDS)], "employees": 100 + i, "total_assets_yi": 1.5 + i,
            "tags": "上市" if i % 2 == 0 else "专精特新",
        })
    return pd.DataFrame(rows)


class FakeLink:
    """In-memory link: targets with ranks, one county ranking per firm, entity resolution on names."""

    def __init__(self, n_firms: int = 30, extra_targets: list[dict[str, Any]] | None = None) -> None:
        self.firms = invented_firms(n_firms)
        rows = []
        for i, f in enumerate(self.firms.to_dict("records")):
            chain, seg = CHAINS[i % 3]
            code, county = UNITS[i % 3]
            rows.append({
                "rank": i + 1, "firm_id": f["firm_id"], "stock_code": f["stock_code"], "name": f["name"],
                "legal_name": f["legal_name"], "tags": f["tags"], "home_province": f["province"], "home_city": f["city"],
                "home_region": REGIONS[i % 2],
                "chain": chain, "segment": seg, "industry": f["industry"], "action": ["补链", "强链", "延链"][i % 3],
                "county_code": code, "county_name": county, "score": round(3.0 - i * 0.01, 4),
                "reasons": f"（测试用理由）{county}已有{chain}相关企业", "local_presence": None, "evidence": None,
            })
        for extra in extra_targets or []:
            rows.append(extra)
            self.firms = pd.concat([self.firms, pd.DataFrame([{
                "firm_id": extra["firm_id"], "name": extra["name"], "legal_name": extra.get("legal_name"),
                "stock_code": extra.get("stock_code"), "province": extra.get("home_province"), "city": extra.get("home_city"),
            }])], ignore_index=True)
        self._targets = conform_targets(pd.DataFrame(rows))
        self._names = name_index(self.firms)

    def targets(self, city: str) -> pd.DataFrame:
        return self._targets.copy()

    def units(self, city: str) -> pd.DataFrame:
        return pd.DataFrame(UNITS, columns=["county_code", "county_name"])

    def city_code(self, city: str) -> str:
        return CITY_CODE

    def firm(self, firm_id: str) -> dict[str, Any] | None:
        hit = self.firms[self.firms["firm_id"] == firm_id]
        if hit.empty:
            return None
        return {k: (None if pd.isna(v) else v) for k, v in hit.iloc[0].to_dict().items()}

    def county_ranking(self, city: str, firm_id: str) -> pd.DataFrame:
        t = self._targets[self._targets["firm_id"] == firm_id]
        if t.empty:
            return empty(RANKING_COLUMNS)
        best = str(t["county_code"].iloc[0])
        order = [u for u in UNITS if u[0] == best] + [u for u in UNITS if u[0] != best]
        return pd.DataFrame([{"county_code": c, "county_name": n, "score": round(2.0 - 0.5 * k, 3), "rank": k + 1,
                              "reasons": f"（测试用理由）第{k + 1}选择"} for k, (c, n) in enumerate(order)])

    def match_name(self, text: str, top: int = 5) -> pd.DataFrame:
        text = (text or "").strip()
        if not text:
            return empty(MATCH_COLUMNS)
        return self._names.match([text], candidates=top).dropna(subset=["firm_id"])[MATCH_COLUMNS].reset_index(drop=True)

    def local_entities(self, city: str, firm_id: str) -> pd.DataFrame:
        return empty(LOCAL_ENTITY_COLUMNS)

    def expansion_history(self, firm_id: str) -> pd.DataFrame:
        return empty(EXPANSION_COLUMNS)

    def data_date(self) -> str:
        return "2026-01-01"


#: 秦皇岛's real units (code, name) and the city pack's points for its two zones (data/cities/qinhuangdao.yaml)
GEO_CITY, GEO_CITY_CODE = "秦皇岛", "130300"
GEO_UNITS = [("130302", "海港区"), ("130303", "山海关区"), ("130304", "北戴河区"), ("130306", "抚宁区"),
             ("130321", "青龙满族自治县"), ("130322", "昌黎县"), ("130324", "卢龙县"),
             ("130371", "秦皇岛市经济技术开发区"), ("130372", "北戴河新区")]
GEO_ZONE_POINTS = {"130371": (119.453, 39.8611), "130372": (119.2146, 39.7594)}
GEO_HOMES = [("北京市", "北京市"), ("辽宁省", "大连市"), ("上海市", "上海市"), ("广东省", "深圳市")]


class GeoFakeLink(FakeLink):
    """The INVENTED firms of :class:`FakeLink` placed on a real map, for the maps' tests only: the city is
    秦皇岛 with its real unit codes and names (the zones at the city pack's points), the firms' home
    cities are real prefecture names. Nothing is said about any real firm; the targets and their figures
    stay invented."""

    def __init__(self, n_firms: int = 30) -> None:
        super().__init__(n_firms)
        t = self._targets
        k = range(len(t))
        t["home_province"] = [GEO_HOMES[i % len(GEO_HOMES)][0] for i in k]
        t["home_city"] = [GEO_HOMES[i % len(GEO_HOMES)][1] for i in k]
        t["county_code"] = [GEO_UNITS[i % len(GEO_UNITS)][0] for i in k]
        t["county_name"] = [GEO_UNITS[i % len(GEO_UNITS)][1] for i in k]

    def units(self, city: str) -> pd.DataFrame:
        u = pd.DataFrame(GEO_UNITS, columns=["county_code", "county_name"])
        u["lon"] = u["county_code"].map(lambda c: GEO_ZONE_POINTS.get(c, (None, None))[0])
        u["lat"] = u["county_code"].map(lambda c: GEO_ZONE_POINTS.get(c, (None, None))[1])
        u["profile"] = "主导产业：（测试用概况）"
        return u

    def city_code(self, city: str) -> str:
        return GEO_CITY_CODE
