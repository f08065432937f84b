"""Group message vectors into themes: hdbscan (optionally after UMAP), then guarded merges of
near-twin themes and outliers reassigned to the nearest theme when close enough."""
from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

OUTLIER = -1


class Clusterer(ABC):
    @abstractmethod
    def fit_predict(self, vectors: np.ndarray) -> np.ndarray:
        """One label per row: 0..k-1 for themes, -1 for outliers."""


@dataclass(frozen=True)
class Clustering:
    """What one clustering run found: the labels and the figures a run record keeps."""

    labels: np.ndarray
    #: share of rows left as outliers after reassignment (the figure to record per run)
    outlier_rate: float
    #: share hdbscan left as outliers before reassignment
    raw_outlier_rate: float
    n_themes: int
    #: themes hdbscan found before near-twins were merged
    raw_themes: int
    parameters: dict = field(default_factory=dict)


def outlier_rate(labels: np.ndarray) -> float:
    """Share of rows labelled OUTLIER (0.0 for no rows)."""
    return float(np.mean(np.asarray(labels) == OUTLIER)) if len(labels) else 0.0


@dataclass
class HdbscanClusterer(Clusterer):
    """hdbscan after a seeded UMAP reduction (``reduce_to`` components; None or 0: hdbscan on
    the vectors as they are). Corpora under ``reduce_from`` rows skip UMAP: its neighbour
    graph needs many more points than neighbours, and on a few dozen it scattered themes.

    Sizes scale with the corpus: ``min_cluster_size`` defaults to ``size_factor * sqrt(n)``
    (at least ``floor``). Above ``max_fit`` rows the reduction and hdbscan are fitted on a
    seeded sample and every other row joins its nearest theme (by centroid cosine, under
    the same ``reassign_similarity`` rule as outliers), so cost stays bounded at a million
    messages. Defaults and their measurements: docs/DESIGN.md, docs/RESULTS.md (Themes).

    After hdbscan, two themes merge when their centroids reach ``merge_similarity`` AND
    each theme's members are, on average, nearly as close to the other centroid as to their
    own (``merge_cohesion``), AND (when token lists are given to ``fit``) their top
    c-TF-IDF keywords share at least ``merge_shared_keywords`` words. A shared everyday
    word ("早上") lifts centroid cosine but fails the other two guards. Outliers whose
    cosine to the nearest theme centroid reaches ``reassign_similarity`` join it (None:
    never). Deterministic for a given input and ``seed``.
    """

    min_cluster_size: int | None = None
    min_samples: int | None = 3
    floor: int = 8
    size_factor: float = 0.5
    reduce_to: int | None = 5
    reduce_from: int = 1000
    neighbors: int = 15
    seed: int = 0
    reassign_similarity: float | None = 0.5
    merge_similarity: float = 0.6
    merge_cohesion: float = 0.75
    merge_shared_keywords: int = 2
    selection: str = "eom"
    max_fit: int = 20_000

    def size_for(self, n: int) -> int:
        return self.min_cluster_size or max(self.floor, round(self.size_factor * math.sqrt(n)))

    def fit_predict(self, vectors: np.ndarray, tokens: Sequence[Sequence[str]] | None = None) -> np.ndarray:
        return self.fit(vectors, tokens).labels

    def fit(self, vectors: np.ndarray, tokens: Sequence[Sequence[str]] | None = None) -> Clustering:
        """Cluster ``vectors`` (rows of unit length); ``tokens`` (one list per row) guard merges."""
        vectors = np.asarray(vectors, dtype=np.float32)
        n = len(vectors)
        fit_rows = self._fit_rows(n)
        size = self.size_for(len(fit_rows))
        parameters = asdict(self) | {"min_cluster_size": size, "n": n, "fitted_on": len(fit_rows)}
        if len(fit_rows) < 2 * size:
            labels = np.full(n, OUTLIER)
            return Clustering(labels, outlier_rate(labels), outlier_rate(labels), 0, 0, parameters)
        raw = self._hdbscan(self._reduce(vectors[fit_rows]), size)
        labels = np.full(n, OUTLIER)
        labels[fit_rows] = raw
        raw_rate = outlier_rate(labels) if len(fit_rows) == n else outlier_rate(raw)
        raw_themes = int(raw.max()) + 1
        labels = merge_close(vectors, labels, self.merge_similarity, cohesion=self.merge_cohesion,
                             tokens=tokens, shared_keywords=self.merge_shared_keywords)
        if self.reassign_similarity is not None:
            labels = reassign_outliers(vectors, labels, self.reassign_similarity)
        return Clustering(labels, outlier_rate(labels), raw_rate, int(labels.max()) + 1, raw_themes, parameters)

    def _fit_rows(self, n: int) -> np.ndarray:
        if n <= self.max_fit:
            return np.arange(n)
        return np.sort(np.random.default_rng(self.seed).choice(n, self.max_fit, replace=False))

    def _reduce(self, vectors: np.ndarray) -> np.ndarray:
        if not self.reduce_to or self.reduce_to >= vectors.shape[1] or len(vectors) < max(self.reduce_from,
                                                                                            self.reduce_to + 2):
            return vectors
        import umap  # lazily: numba compiles on first use

        reducer = umap.UMAP(n_neighbors=min(self.neighbors, len(vectors) - 1), n_components=self.reduce_to,
                            min_dist=0.0, metric="cosine", random_state=self.seed, n_jobs=1)
        return reducer.fit_transform(vectors)

    def _hdbscan(self, points: np.ndarray, size: int) -> np.ndarray:
        import hdbscan

        min_samples = None if self.min_samples is None else min(self.min_samples, size)
        return hdbscan.HDBSCAN(min_cluster_size=size, min_samples=min_samples,
                               cluster_selection_method=self.selection).fit_predict(points.astype(np.float64))


def centroids(vectors: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Unit-length mean vector of each theme 0..k-1."""
    k = int(labels.max()) + 1 if len(labels) else 0
    if not k:
        return np.zeros((0, vectors.shape[1]), dtype=np.float32)
    members = labels >= 0
    sums = np.zeros((k, vectors.shape[1]), dtype=np.float64)
    np.add.at(sums, labels[members], vectors[members])
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    return (sums / np.where(norms == 0, 1, norms)).astype(np.float32)


def reassign_outliers(vectors: np.ndarray, labels: np.ndarray, min_similarity: float) -> np.ndarray:
    """Each outlier joins the theme whose centroid is most similar, when that cosine reaches ``min_similarity``."""
    outliers = np.flatnonzero(labels == OUTLIER)
    if labels.max() < 0 or len(outliers) == 0:
        return labels
    means = centroids(vectors, labels)
    labels = labels.copy()
    for start in range(0, len(outliers), 8192):  # bounded memory at a million rows
        chunk = outliers[start:start + 8192]
        similarity = vectors[chunk] @ means.T
        nearest = similarity.argmax(axis=1)
        close = similarity[np.arange(len(chunk)), nearest] >= min_similarity
        labels[chunk[close]] = nearest[close]
    return labels


def top_keywords(tokens: Sequence[Sequence[str]], labels: np.ndarray, top: int = 10) -> list[set[str]]:
    """The ``top`` c-TF-IDF words of each theme 0..k-1 (a theme's words weighed against all themes')."""
    k = int(labels.max()) + 1
    counts = [Counter() for _ in range(k)]
    for words, label in zip(tokens, labels):
        if label >= 0:
            counts[label].update(words)
    total = Counter()
    for count in counts:
        total.update(count)
    average = sum(total.values()) / max(k, 1)
    best = []
    for count in counts:
        size = sum(count.values()) or 1
        scored = sorted(count, key=lambda w: (-count[w] / size * math.log(1 + average / total[w]), w))
        best.append(set(scored[:top]))
    return best


def merge_close(vectors: np.ndarray, labels: np.ndarray, min_similarity: float, *, cohesion: float = 0.0,
                tokens: Sequence[Sequence[str]] | None = None, shared_keywords: int = 2) -> np.ndarray:
    """Merge near-twin themes; relabel 0..k-1 by first appearance.

    A pair merges when the centroids' cosine reaches ``min_similarity``, each theme's members
    are on average at least ``cohesion`` times as similar to the other centroid as to their
    own, and (with ``tokens``) the themes' top keywords share ``shared_keywords`` words.
    """
    k = int(labels.max()) + 1
    if k < 2:
        return labels
    means = centroids(vectors, labels)
    similarity = means @ means.T
    candidates = [(a, b) for a, b in zip(*np.nonzero(np.triu(similarity, 1) >= min_similarity))]
    if candidates and cohesion > 0:
        # cross[c, d]: mean cosine of theme c's members to theme d's centroid
        members = labels >= 0
        sums = np.zeros((k, vectors.shape[1]), dtype=np.float64)
        np.add.at(sums, labels[members], vectors[members])
        sizes = np.bincount(labels[members], minlength=k)[:, None]
        cross = (sums / np.maximum(sizes, 1)) @ means.T
        candidates = [(a, b) for a, b in candidates
                      if cross[a, b] >= cohesion * cross[a, a] and cross[b, a] >= cohesion * cross[b, b]]
    if candidates and tokens is not None:
        words = top_keywords(tokens, labels)
        candidates = [(a, b) for a, b in candidates if len(words[a] & words[b]) >= shared_keywords]
    parent = list(range(k))

    def root(c: int) -> int:
        while parent[c] != c:
            c = parent[c]
        return c

    for a, b in candidates:
        parent[root(b)] = root(a)
    roots = np.array([root(c) for c in range(k)])
    order: dict[int, int] = {}
    for c in labels[labels >= 0]:
        order.setdefault(int(roots[c]), len(order))
    mapping = np.array([order.get(int(roots[c]), OUTLIER) for c in range(k)] + [OUTLIER])
    return mapping[labels]  # labels == -1 picks the trailing OUTLIER
