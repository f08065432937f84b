"""Clustering quality against labelled data: NMI, ARI, outlier rate (pure; used by `qunsheng eval cluster`)."""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np

from nlp.cluster import OUTLIER, Clusterer, HdbscanClusterer, outlier_rate
from nlp.embed.base import Embedder
from nlp.embed.lsa import LsaEmbedder
from nlp.segment import Segmenter

Step = Callable[..., object]
Report = Callable[[str, int, int], None]


def _call(name: str, function: Callable, *args):
    return function(*args)


def _quiet(what: str, done: int, total: int) -> None:
    pass


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
                        clusterer: Clusterer | None = None, segmenter: Segmenter | None = None,
                        step: Step = _call, report: Report = _quiet) -> dict:
    """Segment, embed, cluster and compare with the labels, as the nightly flow does: the texts'
    jieba keywords shape the clusterer's neighbour graph (weighed as the embedder asks unless a
    clusterer is given), each distinct text is embedded once and the vectors are centred on the
    distinct texts where the embedder asks for it, and an LSA embedder without a segmenter uses
    the same segmenter (fitted on the distinct texts). ``seconds`` covers all three. The themes are
    scored at the top level; ``subthemes`` scores the finer level (``Clustering.fine_labels``:
    sub-themes, and themes that do not split) where the clusterer finds sub-themes.

    ``step(name, function, *args)`` runs each of segment, embed and cluster (a progress bar's
    ``Steps.run``); ``report(what, done, total)`` hears how far the embedding is."""
    start = time.perf_counter()
    segmenter = segmenter or Segmenter()
    if isinstance(embedder, LsaEmbedder) and embedder.segmenter is None:
        embedder.segmenter = segmenter
    tokens = step("segment", segmenter.keywords_all, texts)
    distinct = list(dict.fromkeys(texts))
    vectors = step("embed", _embed, embedder, distinct, report)
    position = {text: i for i, text in enumerate(distinct)}
    vectors = vectors[[position[text] for text in texts]]
    found = step("cluster", (clusterer or HdbscanClusterer(**embedder.keyword_weighting)).fit, vectors, tokens)
    seconds = time.perf_counter() - start
    scores = score_clustering(labels, found.labels) | {"seconds": round(seconds, 2)}
    if found.sub_labels is not None:
        scores["subthemes"] = score_clustering(labels, found.fine_labels)
    return scores


def _embed(embedder: Embedder, texts: list[str], report: Report, chunk: int = 1024) -> np.ndarray:
    """Vectors ready for clustering, embedded ``chunk`` texts at a time, each chunk reported."""
    embedder.fit(texts)
    parts = []
    report("embedding", 0, len(texts))
    for begin in range(0, len(texts), chunk):
        parts.append(embedder.embed(texts[begin:begin + chunk]))
        report("embedding", begin + len(parts[-1]), len(texts))
    return embedder.for_clustering(np.vstack(parts))
