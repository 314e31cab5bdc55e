"""Entity resolution, step 4 (cluster): records of many lists grouped into firms, complete linkage.
See :mod:`matcher.firms.resolve`."""

from __future__ import annotations

import pandas as pd

from matcher.firms.classify import DEFAULT_THRESHOLD
from matcher.firms.compare import score_pairs
from matcher.firms.index import _ensure_prepared

# ----------------------------------------------------------------------------------------------
# clustering


def cluster(
    records: pd.DataFrame,
    links: pd.DataFrame,
    threshold: float = DEFAULT_THRESHOLD,
    *,
    source_col: str = "source",
    pair_scores: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Cluster ids ``[rec_id, cluster_id]`` for ``records`` of several sources given pairwise ``links``.

    With ``pair_scores`` (``[left_id, right_id, score]`` of every judged candidate pair, e.g. the
    :class:`EvidenceModel` probabilities) the complete-linkage check reads those scores only, and a
    cross pair that was never a candidate counts as failing.

    Links are merged in descending score (exact keys first). Two clusters merge only when they share
    no source (one record per list per firm) and every cross pair of their members scores at least
    ``threshold`` (or is an exact-key link) — complete linkage: A~B and B~C never pull in an
    unrelated C. ``cluster_id`` is the smallest ``rec_id`` of the cluster.
    """
    rec = _ensure_prepared(records)
    ids = rec["rec_id"].tolist()
    src = dict(zip(ids, rec[source_col] if source_col in rec.columns else ids, strict=True))
    by_id = rec.set_index("rec_id")
    members: dict[str, list[str]] = {i: [i] for i in ids}
    owner: dict[str, str] = {i: i for i in ids}
    exact = {
        frozenset((a, b))
        for a, b, m in zip(links["left_id"], links["right_id"], links["method"], strict=True)
        if str(m).startswith("exact")
    }
    known: dict = {}
    if pair_scores is not None:
        known = {frozenset((a, b)): s for a, b, s in zip(pair_scores["left_id"], pair_scores["right_id"], pair_scores["score"], strict=True)}
    for a, b, s_ in zip(links["left_id"], links["right_id"], links["score"], strict=True):
        known[frozenset((a, b))] = max(s_, known.get(frozenset((a, b)), s_))
    order = links.assign(_ex=links["method"].astype(str).str.startswith("exact")).sort_values(
        ["_ex", "score", "left_id", "right_id"], ascending=[False, False, True, True], kind="mergesort"
    )
    for a, b in zip(order["left_id"], order["right_id"], strict=True):
        if a not in owner or b not in owner:
            continue
        ca, cb = owner[a], owner[b]
        if ca == cb:
            continue
        ma, mb = members[ca], members[cb]
        if {src[x] for x in ma} & {src[x] for x in mb}:
            continue
        if not _all_pairs_ok(ma, mb, by_id, known, exact, threshold, rescore=pair_scores is None):
            continue
        keep, drop = (ca, cb) if ca < cb else (cb, ca)
        members[keep] = sorted(members[keep] + members[drop])
        for x in members[drop]:
            owner[x] = keep
        del members[drop]
    return pd.DataFrame({"rec_id": ids, "cluster_id": [owner[i] for i in ids]})


def _all_pairs_ok(
    ma: list[str], mb: list[str], by_id: pd.DataFrame, known: dict, exact: set, threshold: float, rescore: bool = True
) -> bool:
    todo = []
    for x in ma:
        for y in mb:
            key = frozenset((x, y))
            if key in exact:
                continue
            if key in known:
                if known[key] < threshold:
                    return False
                continue
            todo.append((x, y))
    if not todo:
        return True
    if not rescore:
        return False
    pairs = pd.DataFrame({"left_id": [x for x, _ in todo], "right_id": [y for _, y in todo]})
    sub = by_id.reset_index()
    scored = score_pairs(pairs, sub[sub["rec_id"].isin(pairs["left_id"])], sub[sub["rec_id"].isin(pairs["right_id"])])
    for (x, y), s in zip(todo, scored["score"], strict=True):
        known[frozenset((x, y))] = s
    return bool((scored["score"] >= threshold).all())


