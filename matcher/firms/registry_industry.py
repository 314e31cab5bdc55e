"""The industry of a registration — GB/T 4754-2017 division (大类) and section (门类) — from its name and
经营范围.

Classifier: hashed character n-grams (1–3) of the name and of the first :data:`SCOPE_CHARS` characters of
the scope (two feature spaces), sublinear TF-IDF, and a linear model (scikit-learn ``SGDClassifier``,
modified Huber loss, one-vs-rest), trained on **weak labels**: the registrations whose *name* carries an
industry word of :data:`NAME_RULES` (bank 支行 → 66, 餐饮 → 62, 建筑工程 → 47, 服装厂 → 18 …; the words
and their divisions follow the GB/T 4754-2017 definitions and the labelling conventions written in
``data/labels/registry_industry.md`` §2–§4, before any model ran). The model then reads the scope too,
so registrations whose name is generic (``XX科技有限公司``, ``XX实业有限公司``) get a division from the
scope's words that the weakly labelled ones share. Why this model: cheap (the n-grams are hashed with
numpy, no Python loop per character; 3 million rows are scored in chunks), strong on short Chinese
text without a word segmenter, and every weight is inspectable. No ready-labelled training data exists
offline (the listed firms' Shenwan codes describe the parents, not the outlets that make up most of a
registry), so the weak labels are the training data.

Keyword baseline (:func:`keyword_baseline`): the GB/T 4754-2017 names themselves (大类/中类/小类 and
their cores without 制造/种植/服务 …) searched in the name, then in the scope; the longest term found
first wins. It needs no training and measures what the learned model adds.

Accuracy is measured only on the held-out half of ``data/labels/registry_industry.csv``
(``matcher bench registry``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse

#: scope characters the features read (the leading activities come first; the file keeps 120)
SCOPE_CHARS = 60
N_FEATURES = 2**18
NGRAMS = (1, 2, 3)

# --------------------------------------------------------------------------------------------------
# weak labels: industry words of the name

#: words that say the name's unit produces something (GB/T: manufacturing wins over selling the same goods)
PRODUCTION_WORDS = re.compile(r"厂|制造|制品|加工|生产")
_SCOPE_PRODUCTION = re.compile(r"生产|制造|加工|制作")

#: (pattern on the name, division, needs production evidence). First match in this order wins.
#: Written from the GB/T 4754-2017 division definitions and the labelling rule (§2–§4) before any model ran.
NAME_RULES: tuple[tuple[str, str, bool], ...] = (
    # outlets of a known kind of unit (rule §4)
    (r"银行|信用社|信用合作联社|储蓄所|农村合作银行", "66", False),
    (r"小额贷款|典当|融资租赁", "66", False),
    (r"财产保险|人寿保险|保险股份|保险有限|保险公司|保险代理|保险经纪|营销服务部", "68", False),
    (r"证券|期货|基金管理", "67", False),
    (r"融资担保|信用担保", "69", False),
    (r"营业厅|中国移动|中国联通|中国电信|移动通信|广电网络|有线电视|宽带", "63", False),
    (r"加油站|加气站|加油加气", "52", False),
    (r"邮政|快递|速递", "60", False),
    (r"烟草", "51", False),
    (r"药房|药店|医药连锁", "52", False),
    (r"农资|农业生产资料|生产资料", "51", False),
    (r"超市|便利|百货商店|商店|门市部|专卖店|分店|门店|连锁|购物广场|商场|电子商务", "52", False),
    (r"医院|诊所|卫生室|卫生院|门诊|口腔|中医馆", "84", False),
    (r"养老院|敬老院|养老服务|护理院|福利院", "85", False),
    (r"幼儿园|学校|培训学校|培训中心|驾驶员培训|驾校|教育培训", "83", False),
    (r"旅行社", "72", False),
    (r"劳务派遣|人力资源|职业介绍", "72", False),
    (r"保安服务", "72", False),
    (r"会计师事务所|律师事务所|税务师事务所", "72", False),
    (r"广告", "72", False),
    (r"宾馆|旅馆|招待所|客栈|旅社|酒店", "61", False),
    (r"餐饮|餐厅|饭店|酒家|酒楼|小吃|快餐|火锅|面馆|饭馆|食府|烧烤", "62", False),
    (r"旅游开发|景区|风景区", "78", False),
    (r"投资咨询|财务咨询", "67", False),
    (r"投资管理|资产管理|投资发展|投资有限|企业管理|管理咨询|商务咨询|信息咨询", "72", False),
    (r"房地产开发|置业|房地产|地产", "70", False),
    (r"物业", "70", False),
    (r"园林绿化|绿化工程|市政工程|路桥|公路工程|水利工程|水电工程|电力工程|通信工程|管道工程|桥梁", "48", False),
    (r"装饰|装修|装潢|幕墙|防水工程", "50", False),
    (r"建筑劳务|劳务分包|工程劳务", "50", False),
    (r"安装工程|机电安装|消防工程|水电安装|暖通|智能化工程", "49", False),
    (r"建筑工程|建设工程|建筑安装|建工|建筑有限|建筑公司|建筑集团|建设集团|施工", "47", False),
    (r"工程设计|建筑设计|勘察|勘测|监理|造价|检测|测绘|认证|检验|项目管理|工程管理", "74", False),
    (r"研究院|研究所", "73", False),
    (r"软件|信息技术|系统集成|计算机网络|网络技术|数据服务|信息系统", "65", False),
    (r"货运代理|国际货运|船务代理|报关|物流代理", "58", False),
    (r"仓储|冷库|仓库", "59", False),
    (r"船务|航运|海运", "55", False),
    (r"运输|货运|客运|出租汽车|出租车|公交|物流", "54", False),
    (r"汽车维修|汽修|汽车修理|修理厂|维修", "81", False),
    (r"美容|美发|理发|洗浴|足浴|摄影|婚庆|家政|洗衣|干洗", "80", False),
    (r"保洁|清洁服务", "82", False),
    (r"网吧|网络会所|歌舞|娱乐|游乐|KTV", "90", False),
    (r"健身|体育", "89", False),
    (r"影视|影城|电影", "87", False),
    (r"发电|电力|光伏|热力|供热|风电", "44", False),
    (r"燃气|天然气|液化气", "45", False),
    (r"自来水|供水|污水处理|水务", "46", False),
    (r"汽车销售|汽车贸易|汽车服务", "52", False),
    (r"再生资源|废旧物资|废品|回收", "51", False),
    (r"渔业|水产养殖|水产苗种", "04", False),
    (r"养殖|畜牧|牧业|养猪|养牛|养羊|养鸡|禽业", "03", False),
    (r"苗木|林业|造林|林场", "02", False),
    (r"农民专业合作社|专业合作社|合作社|家庭农场|农场|种植|蔬菜|果业|果蔬|花卉|茶叶种植|农业", "01", False),
    (r"农机|植保", "05", False),
    (r"煤矿|煤业", "06", False),
    (r"采石|砂石|石料|石场|矿业|采矿", "10", False),
    # manufacturing words: only with production evidence (rule §1.2)
    (r"葡萄酒|酒业|酿酒|酒厂|饮料|纯净水|矿泉水|茶厂", "15", True),
    (r"米业|面粉|粮油|饲料|屠宰|肉类|油脂|榨油|淀粉", "13", True),
    (r"食品|糕点|调味|豆制品", "14", True),
    (r"纺织|织造|棉纺|毛纺|印染", "17", True),
    (r"服装|制衣|服饰|被服", "18", True),
    (r"鞋业|制鞋|皮革|箱包", "19", True),
    (r"木业|木材|竹木|板材", "20", True),
    (r"家具", "21", True),
    (r"纸业|纸箱|纸制品|造纸", "22", True),
    (r"印刷|印务|彩印", "23", False),
    (r"化工|涂料|油漆", "26", True),
    (r"制药|药业|药品", "27", True),
    (r"塑料|塑胶|塑业|橡胶", "29", True),
    (r"水泥|砖|瓦|陶瓷|玻璃|石材|混凝土|预制|建材", "30", True),
    (r"钢铁|炼钢|轧钢|钢材", "31", True),
    (r"铝业|冶炼|有色金属", "32", True),
    (r"五金|金属制品|门窗|钢结构|铸件|紧固件|铸造|锻造", "33", True),
    (r"汽车配件|汽车零部件|汽配|汽车部件", "36", True),
    (r"船舶|造船|修船", "37", True),
    (r"阀门|泵|轴承|齿轮|锅炉|起重|机械|机电设备|通用设备", "34", True),
    (r"医疗器械|专用设备|农机具|矿山机械", "35", True),
    (r"电器|电气|电缆|电线|电机|灯具|照明|电池|变压器", "38", True),
    (r"电子|通信设备|计算机设备", "39", True),
    (r"仪器|仪表", "40", True),
    # trade (rule §2.4: an unqualified 销售 by a company is wholesale)
    (r"商贸|贸易|经贸|进出口|经销|批发|供销|物资", "51", False),
)
_RULE_RE = [(re.compile(p), d, prod) for p, d, prod in NAME_RULES]


def weak_label(name: str, scope: str | None) -> str | None:
    """The division an industry word of the name gives (see :data:`NAME_RULES`), or None."""
    if not isinstance(name, str):
        return None
    scope_head = scope[:30] if isinstance(scope, str) else ""
    for pat, div, needs_prod in _RULE_RE:
        if pat.search(name):
            if needs_prod and not (PRODUCTION_WORDS.search(name) or _SCOPE_PRODUCTION.search(scope_head)):
                continue
            return div
    return None


def weak_labels(names: Sequence[str], scopes: Sequence[str | None]) -> np.ndarray:
    return np.array([weak_label(n, s) for n, s in zip(names, scopes, strict=True)], dtype=object)


# --------------------------------------------------------------------------------------------------
# features: hashed character n-grams, vectorised with numpy


def _codepoints(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """All texts as one code-point array, separated by 0; and each position's document index."""
    joined = "\x00".join(t if isinstance(t, str) else "" for t in texts) + "\x00"
    cp = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    doc = np.cumsum(cp == 0) - (cp == 0)
    return cp, doc


def hashed_ngrams(texts: Sequence[str], salt: int, n_features: int = N_FEATURES, ngrams: Sequence[int] = NGRAMS
                  ) -> sparse.csr_matrix:
    """Counts of character n-grams of each text, hashed into ``n_features`` columns (``salt`` keeps
    the name's and the scope's n-grams apart)."""
    n_docs = len(texts)
    cp, doc = _codepoints(texts)
    sep = cp == 0
    rows, cols = [], []
    mask_bits = np.uint64(0xFFFFFFFFFFFF)
    for n in ngrams:
        if len(cp) < n:
            continue
        m = len(cp) - n + 1
        h = np.full(m, np.uint64(salt * 1000003 + n), dtype=np.uint64)
        ok = np.ones(m, dtype=bool)
        for k in range(n):
            part = cp[k:k + m]
            h = ((h * np.uint64(1000003)) ^ part) & mask_bits
            ok &= ~sep[k:k + m]
        rows.append(doc[:m][ok])
        cols.append((h[ok] % np.uint64(n_features)).astype(np.int64))
    r = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    c = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    mat = sparse.csr_matrix((np.ones(len(r), dtype=np.float32), (r, c)), shape=(n_docs, n_features))
    mat.sum_duplicates()
    return mat


def scope_head(scopes: Sequence[str | None], chars: int = SCOPE_CHARS) -> list[str]:
    return [s[:chars] if isinstance(s, str) else "" for s in scopes]


def raw_features(names: Sequence[str], scopes: Sequence[str | None]) -> sparse.csr_matrix:
    """Name n-grams + scope-head n-grams (counts), one hashed space."""
    a = hashed_ngrams(list(names), salt=1)
    b = hashed_ngrams(scope_head(scopes), salt=2)
    return (a + b).tocsr()


# --------------------------------------------------------------------------------------------------
# the model


@dataclass
class IndustryModel:
    """Fitted TF-IDF weights and linear model; :meth:`predict` returns (division, score)."""

    idf: np.ndarray
    classes: np.ndarray
    coef: sparse.csr_matrix | np.ndarray
    intercept: np.ndarray
    info: dict[str, object] = field(default_factory=dict)

    def transform(self, names: Sequence[str], scopes: Sequence[str | None]) -> sparse.csr_matrix:
        x = raw_features(names, scopes)
        x.data = np.log1p(x.data)
        x = x.multiply(self.idf[None, :]).tocsr()
        norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sparse.diags(1.0 / norms) @ x

    def decision(self, names: Sequence[str], scopes: Sequence[str | None]) -> np.ndarray:
        x = self.transform(names, scopes)
        out = x @ self.coef.T
        out = out.toarray() if sparse.issparse(out) else np.asarray(out)
        return out + self.intercept[None, :]

    def predict(self, names: Sequence[str], scopes: Sequence[str | None], chunk: int = 100_000
                ) -> tuple[np.ndarray, np.ndarray]:
        """(division, margin of the best over the second class) for every row, in chunks."""
        divs, margins = [], []
        for i in range(0, len(names), chunk):
            d = self.decision(names[i:i + chunk], scopes[i:i + chunk])
            top2 = np.partition(d, -2, axis=1)[:, -2:] if d.shape[1] > 1 else np.hstack([d, d])
            divs.append(self.classes[d.argmax(axis=1)])
            margins.append(top2[:, 1] - top2[:, 0])
        if not divs:
            return np.array([], dtype=object), np.array([], dtype=float)
        return np.concatenate(divs), np.concatenate(margins)


def fit_industry_model(names: Sequence[str], scopes: Sequence[str | None], labels: Sequence[str], *,
                       seed: int = 0, alpha: float = 2e-6, epochs: int = 8, kind: str = "sgd") -> IndustryModel:
    """TF-IDF + a linear model on weakly labelled rows: ``sgd`` (``SGDClassifier``, modified Huber) or
    ``nb`` (``ComplementNB``, whose log-weights are a linear model too)."""
    from sklearn.linear_model import SGDClassifier
    from sklearn.naive_bayes import ComplementNB

    x = raw_features(names, scopes)
    df = np.bincount(x.indices, minlength=x.shape[1])
    idf = (np.log((1 + x.shape[0]) / (1 + df)) + 1.0).astype(np.float64)
    model = IndustryModel(idf, np.array([]), np.zeros((0, x.shape[1])), np.array([]))
    x.data = np.log1p(x.data)
    x = x.multiply(idf[None, :]).tocsr()
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    x = (sparse.diags(1.0 / norms) @ x).tocsr()
    y = np.asarray(labels)
    if kind == "nb":
        nb = ComplementNB(alpha=max(alpha, 1e-3)).fit(x, y)
        coef, intercept, classes = nb.feature_log_prob_.astype(np.float32), np.zeros(len(nb.classes_)), nb.classes_
    else:
        clf = SGDClassifier(loss="modified_huber", alpha=alpha, max_iter=epochs, tol=None, random_state=seed, n_jobs=2)
        clf.fit(x, y)
        coef, intercept, classes = clf.coef_.astype(np.float32), clf.intercept_.astype(np.float64), clf.classes_
    model.classes, model.coef, model.intercept = classes.astype(object), coef, intercept
    model.info = {"kind": kind, "rows": int(x.shape[0]), "classes": len(classes), "alpha": alpha, "epochs": epochs,
                  "n_features": N_FEATURES, "ngrams": list(NGRAMS), "scope_chars": SCOPE_CHARS}
    return model


# --------------------------------------------------------------------------------------------------
# keyword baseline: GB/T 4754-2017 names

_CORE_SUFFIXES = ("及相关产品制造", "及相关服务", "制造", "种植", "养殖", "加工", "服务", "批发", "零售", "业",
                  "活动", "开采", "采选", "生产和供应", "生产", "修理", "管理")


def baseline_terms(gbt: pd.DataFrame) -> dict[str, str]:
    """term → division from the GB/T names at levels 2–4 (full names and cores of ≥ 2 characters)."""
    terms: dict[str, str] = {}
    rows = gbt[gbt["level"].astype(int) >= 2]
    for name, div in zip(rows["name"].astype(str), rows["division"].astype(str), strict=True):
        for part in re.split(r"[、，,和及与]", re.sub(r"[(（].*?[)）]", "", name)):
            forms = {part}
            for suf in _CORE_SUFFIXES:
                if part.endswith(suf) and len(part) - len(suf) >= 2:
                    forms.add(part[: -len(suf)])
            for f in forms:
                if len(f) >= 2 and f not in ("其他", "其他未列明"):
                    terms.setdefault(f, div)
    return terms


def keyword_baseline(names: Sequence[str], scopes: Sequence[str | None], gbt: pd.DataFrame) -> np.ndarray:
    """The division of the first GB/T term found (name first, then scope; longest at a position)."""
    terms = baseline_terms(gbt)
    pat = re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)))
    out = []
    for n, s in zip(names, scopes, strict=True):
        hit = None
        for text in (n, s):
            if isinstance(text, str):
                m = pat.search(text)
                if m:
                    hit = terms[m.group()]
                    break
        out.append(hit)
    return np.array(out, dtype=object)


def division_sections(gbt: pd.DataFrame) -> dict[str, str]:
    d = gbt[gbt["level"].astype(int) == 2]
    return dict(zip(d["code"].astype(str), d["section"].astype(str), strict=True))


__all__ = ["IndustryModel", "NAME_RULES", "division_sections", "fit_industry_model", "hashed_ngrams",
           "keyword_baseline", "weak_label", "weak_labels"]
