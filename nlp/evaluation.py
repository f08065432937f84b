"""Clustering quality against labelled data: NMI, ARI, outlier rate (pure; used by `qunsheng eval cluster`)."""
from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from nlp.cluster import OUTLIER, Clusterer, HdbscanClusterer
from nlp.embed.base import Embedder


def evaluate_clustering(texts: Sequence[str], labels: Sequence[str], embedder: Embedder,
                        clusterer: Clusterer | None = None) -> dict:
    """Embed, cluster and compare with the labels; outliers count as one extra cluster."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    start = time.perf_counter()
    found = (clusterer or HdbscanClusterer()).fit_predict(embedder.fit_embed(texts))
    seconds = time.perf_counter() - start
    return {
        "nmi": round(float(normalized_mutual_info_score(labels, found)), 4),
        "ari": round(float(adjusted_rand_score(labels, found)), 4),
        "outlier_rate": round(float(np.mean(found == OUTLIER)), 4),
        "n_themes": int(found.max() + 1) if len(found) else 0,
        "n": len(texts),
        "seconds": round(seconds, 2),
    }
