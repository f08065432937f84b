"""Group message vectors into themes: hdbscan, then outliers reassigned and near-twins merged."""
from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

OUTLIER = -1


class Clusterer(ABC):
    @abstractmethod
    def fit_predict(self, vectors: np.ndarray) -> np.ndarray:
        """One label per row: 0..k-1 for themes, -1 for outliers."""


@dataclass
class HdbscanClusterer(Clusterer):
    """hdbscan over unit vectors (euclidean distance ranks like cosine there).

    ``min_cluster_size`` defaults to a quarter of the square root of the corpus size (at
    least ``floor``); a small ``min_samples`` lets hdbscan split finely, then themes whose
    centroids reach ``merge_similarity`` merge and outliers whose cosine to the nearest
    theme centroid reaches ``reassign_similarity`` join it. Defaults chosen on the sample
    community (docs/DESIGN.md): 15 of 15 planted themes, 5% outliers.
    """

    min_cluster_size: int | None = None
    min_samples: int = 3
    floor: int = 8
    reassign_similarity: float = 0.5
    merge_similarity: float = 0.6
    selection: str = "eom"

    def size_for(self, n: int) -> int:
        return self.min_cluster_size or max(self.floor, round(0.25 * math.sqrt(n)))

    def fit_predict(self, vectors: np.ndarray) -> np.ndarray:
        import hdbscan

        n = len(vectors)
        size = self.size_for(n)
        if n < 2 * size:
            return np.full(n, OUTLIER)
        labels = hdbscan.HDBSCAN(
            min_cluster_size=size,
            min_samples=min(self.min_samples, size),
            cluster_selection_method=self.selection,
        ).fit_predict(vectors.astype(np.float64))
        labels = merge_close(vectors, labels, self.merge_similarity)
        return reassign_outliers(vectors, labels, self.reassign_similarity)


def centroids(vectors: np.ndarray, labels: np.ndarray) -> np.ndarray:
    k = int(labels.max()) + 1 if len(labels) else 0
    means = np.stack([vectors[labels == c].mean(axis=0) for c in range(k)]) if k else np.zeros((0, vectors.shape[1]))
    norms = np.linalg.norm(means, axis=1, keepdims=True)
    return means / np.where(norms == 0, 1, norms)


def reassign_outliers(vectors: np.ndarray, labels: np.ndarray, min_similarity: float) -> np.ndarray:
    outliers = np.flatnonzero(labels == OUTLIER)
    if labels.max() < 0 or len(outliers) == 0:
        return labels
    similarity = vectors[outliers] @ centroids(vectors, labels).T
    nearest = similarity.argmax(axis=1)
    close = similarity[np.arange(len(outliers)), nearest] >= min_similarity
    labels = labels.copy()
    labels[outliers[close]] = nearest[close]
    return labels


def merge_close(vectors: np.ndarray, labels: np.ndarray, min_similarity: float) -> np.ndarray:
    """Merge themes whose centroids are near-twins; relabel 0..k-1 by first appearance."""
    k = labels.max() + 1
    if k < 2:
        return labels
    similarity = centroids(vectors, labels) @ centroids(vectors, labels).T
    parent = list(range(k))

    def root(c: int) -> int:
        while parent[c] != c:
            c = parent[c]
        return c

    for a, b in zip(*np.nonzero(np.triu(similarity, 1) >= min_similarity)):
        parent[root(b)] = root(a)
    roots = {c: root(c) for c in range(k)}
    order = {r: i for i, r in enumerate(dict.fromkeys(roots[c] for c in labels if c != OUTLIER))}
    return np.array([OUTLIER if c == OUTLIER else order[roots[c]] for c in labels])
