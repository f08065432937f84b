"""Clustering quality against labelled data: NMI, ARI, outlier rate (pure; used by `qunsheng eval cluster`)."""
from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from nlp.cluster import OUTLIER, Clusterer, HdbscanClusterer, outlier_rate
from nlp.embed.base import Embedder
from nlp.embed.lsa import LsaEmbedder
from nlp.segment import Segmenter


def score_clustering(labels: Sequence[str], found: np.ndarray) -> dict:
    """NMI, ARI and AMI of found labels against true ones; outliers count as one extra cluster.

    AMI (adjusted for chance) is reported beside NMI because NMI rises with the number of
    clusters on its own: many small clusters of weak vectors score NMI by chance.
    """
    from sklearn.metrics import adjusted_mutual_info_score, adjusted_rand_score, normalized_mutual_info_score

    found = np.asarray(found)
    return {
        "nmi": round(float(normalized_mutual_info_score(labels, found)), 4),
        "ari": round(float(adjusted_rand_score(labels, found)), 4),
        "ami": round(float(adjusted_mutual_info_score(labels, found)), 4),
        "outlier_rate": round(outlier_rate(found), 4),
        "n_themes": len(set(found.tolist()) - {OUTLIER}),
        "n": len(found),
    }


def evaluate_clustering(texts: Sequence[str], labels: Sequence[str], embedder: Embedder,
                        clusterer: Clusterer | None = None, segmenter: Segmenter | None = None) -> dict:
    """Segment, embed, cluster and compare with the labels; as in the nightly flow, the texts'
    jieba keywords shape the clusterer's neighbour graph (weighed as the embedder asks unless a
    clusterer is given), vectors are centred where the embedder asks for it, and an LSA embedder
    without a segmenter uses the same segmenter. ``seconds`` covers all three. The themes are
    scored at the top level; ``subthemes`` scores the finer level (``Clustering.fine_labels``:
    sub-themes, and themes that do not split) where the clusterer finds sub-themes."""
    start = time.perf_counter()
    segmenter = segmenter or Segmenter()
    if isinstance(embedder, LsaEmbedder) and embedder.segmenter is None:
        embedder.segmenter = segmenter
    tokens = segmenter.keywords_all(texts)
    vectors = embedder.for_clustering(embedder.fit_embed(texts))
    found = (clusterer or HdbscanClusterer(**embedder.keyword_weighting)).fit(vectors, tokens)
    seconds = time.perf_counter() - start
    report = score_clustering(labels, found.labels) | {"seconds": round(seconds, 2)}
    if found.sub_labels is not None:
        report["subthemes"] = score_clustering(labels, found.fine_labels)
    return report
