"""Entity resolution: which records of different lists are the same real firm.

This module is the public face of four modules that follow recordlinkage's verbs —
:mod:`matcher.firms.index` (prepare, block), :mod:`matcher.firms.compare` (similarities, scores),
:mod:`matcher.firms.classify` (links, thresholds, the evidence model, measures against truth) and
:mod:`matcher.firms.cluster` — and re-exports their public names. The benchmark (truth from stock
codes, synthetic scaling) is :mod:`matcher.bench.er`.

* :func:`prepare` — normalise a record frame once (names through :mod:`matcher.firms.names`).
* :func:`candidate_pairs` — blocking. Every record gets tokens: the character bigrams of its
  normalised core name and short name, plus ``city|bigram`` tokens (a common bigram such as 科技
  is useless globally but discriminating inside one city), plus word / trigram tokens of its English
  name. Tokens shared by more than ``max_df`` records are dropped, so the work per record is bounded
  and the total grows about linearly with the number of records. Candidates are each record's
  ``top_k`` records of the other list by IDF-weighted token overlap, both directions (one sparse
  matrix product per chunk).
* :func:`score_pairs` — rapidfuzz similarities of legal names, short names, short-in-legal
  containment and English names; the name score is the best comparison the two records allow
  (:func:`name_score`), then location (same city / other province) and industry shift it a little.
  Two names whose only difference is their region (湖南有色金属 / 铜陵有色金属) are compared in full.
* :func:`link` — exact keys first (stock code, unified social credit code), then one-to-one
  links: a pair is kept only when each record is the other's best candidate and the score reaches
  the threshold. :func:`choose_threshold` picks it on labelled pairs.
* :func:`cluster` — groups records of many lists: merges in descending score order, never two
  records of one source in a cluster, and every cross pair of the merged cluster must itself
  score at least the threshold (complete linkage), so weak links cannot chain unrelated firms.
* :func:`evaluate_links` — precision, recall, false merges and false splits against truth.

Attributes other than names (never codes): records may carry ``list_date``, ``setup_date`` and
``address``. :func:`candidate_pairs` then also blocks on the listing date (:func:`date_block_pairs`:
a firm renamed between two lists shares no name bigram but keeps its listing date), and
:func:`score_pairs` adds date / address comparisons. The rule ``score`` ignores them; an
:class:`EvidenceModel` (:func:`fit_evidence_model`, a logistic regression over
:func:`evidence_matrix`, fitted on labelled pairs) turns names, dates and location into one
probability, linked one-to-one by :func:`model_links` (``link(..., model=...)``). Measured by
``matcher bench er`` with model and threshold from the train half of
the codes.

Record frames carry ``rec_id`` (unique string) and any of ``legal_name``, ``short_name``,
``name_en``, ``province``, ``city``, ``industry``, ``list_date``, ``setup_date``, ``address``,
``stock_code``, ``uscc``, ``source``. ``stock_code`` and ``uscc`` are only ever exact keys of
:func:`link`, never comparison features.
"""

from matcher.firms.classify import (
    DEFAULT_THRESHOLD,
    EVIDENCE_FEATURES,
    LINK_COLUMNS,
    EvidenceModel,
    choose_threshold,
    evaluate_links,
    evidence_matrix,
    fit_evidence_model,
    link,
    model_links,
    mutual_best,
)
from matcher.firms.cluster import cluster
from matcher.firms.compare import NAME_WEIGHTS, compare, name_score, score_pairs
from matcher.firms.index import (
    RECORD_COLUMNS,
    BlockingConfig,
    candidate_pairs,
    date_block_pairs,
    prepare,
    record_tokens,
    regions_conflict,
)

__all__ = [
    "DEFAULT_THRESHOLD", "EVIDENCE_FEATURES", "LINK_COLUMNS", "NAME_WEIGHTS", "RECORD_COLUMNS", "BlockingConfig",
    "EvidenceModel", "candidate_pairs", "choose_threshold", "cluster", "compare", "date_block_pairs",
    "evaluate_links", "evidence_matrix", "fit_evidence_model", "link", "model_links", "mutual_best", "name_score",
    "prepare", "record_tokens", "regions_conflict", "score_pairs",
]
