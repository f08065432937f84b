"""Clustering quality against labelled data: NMI, ARI, outlier rate (pure; used by `qunsheng eval cluster`)."""
from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from nlp.cluster import OUTLIER, Clusterer, HdbscanClusterer, outlier_rate
from nlp.embed.base import Embedder


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
                        clusterer: Clusterer | None = None) -> dict:
    """Embed, cluster and compare with the labels; ``seconds`` covers embedding and clustering."""
    start = time.perf_counter()
    found = (clusterer or HdbscanClusterer()).fit_predict(embedder.fit_embed(texts))
    seconds = time.perf_counter() - start
    return score_clustering(labels, found) | {"seconds": round(seconds, 2)}
