"""Group message vectors into themes: hdbscan after UMAP over a neighbour graph that weighs the
messages' keywords beside their vectors, then guarded merges of near-twin themes and outliers
joined to the nearest theme when as close as its own members; and, one level down, each
theme's sub-themes (hdbscan again on the same layout at a finer size)."""
from __future__ import annotations

import functools
import math
import warnings
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

OUTLIER = -1


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
    #: each row's sub-theme 0..m-1 (every sub-theme inside one theme), OUTLIER for outliers and
    #: members of a theme that does not split; None: sub-themes not asked for
    sub_labels: np.ndarray | None = None
    #: True for the rows hdbscan itself placed in a theme, False for outliers and for those the
    #: outlier rule joined to one afterwards (a theme's edge); None: every member is core
    core: np.ndarray | None = None

    @property
    def fine_labels(self) -> np.ndarray:
        """The finer of the two levels as one flat clustering: each row's sub-theme, or its theme
        where the theme does not split (numbered after the sub-themes); outliers stay OUTLIER."""
        if self.sub_labels is None:
            return self.labels
        whole = np.where(self.labels >= 0, int(self.sub_labels.max()) + 1 + self.labels, OUTLIER)
        return np.where(self.sub_labels >= 0, self.sub_labels, whole)


class Clusterer(ABC):
    @abstractmethod
    def fit(self, vectors: np.ndarray, tokens: Sequence[Sequence[str]] | None = None) -> Clustering:
        """Themes (0..k-1, -1 for outliers) and, where the clusterer finds them, sub-themes;
        ``tokens`` (each row's keywords) may be used or ignored."""

    def fit_predict(self, vectors: np.ndarray, tokens: Sequence[Sequence[str]] | None = None) -> np.ndarray:
        """One label per row: 0..k-1 for themes, -1 for outliers."""
        return self.fit(vectors, tokens).labels


def outlier_rate(labels: np.ndarray) -> float:
    """Share of rows labelled OUTLIER (0.0 for no rows)."""
    return float(np.mean(np.asarray(labels) == OUTLIER)) if len(labels) else 0.0


@dataclass
class HdbscanClusterer(Clusterer):
    """hdbscan after a seeded UMAP reduction (``reduce_to`` components; None or 0: hdbscan on
    the vectors as they are). Corpora under ``reduce_from`` rows skip UMAP (its neighbour
    graph needs many more points than neighbours).

    With token lists (``fit(vectors, tokens)``: each message's keywords), the similarity of
    two messages is ``word_share`` x the cosine of their keyword TF-IDF (words and, with
    ``keyword_chars``, the words' characters) + the rest x the cosine of their vectors. With
    ``keywords_full``, the keyword cosine is scaled down for messages with fewer distinct keywords
    than that (``keyword_matrix``): short messages lean on their vectors, long ones on their words.
    UMAP reads its neighbour graph from it (exact neighbours, computed here) and outliers
    are judged by it: short texts sharing a rare word are neighbours even where a
    corpus-fitted vector space blurs them; the vectors break ties and place messages
    without keywords. Without tokens, everything is read from the vectors.

    Sizes scale with the corpus: ``min_cluster_size`` defaults to ``size_factor * sqrt(n)``
    (at least ``floor``); no theme hdbscan selects may hold more than ``max_share`` of the
    rows (hdbscan otherwise sometimes keeps one giant cluster). Above ``max_fit`` rows UMAP
    and hdbscan are fitted on a seeded sample and every other row joins its nearest theme
    under the outlier rule below, so cost stays bounded at a million messages.

    After hdbscan, two themes merge when their centroids reach ``merge_similarity`` AND
    each theme's members are, on average, nearly as close to the other centroid as to their
    own (``merge_cohesion``), AND (with tokens) their top c-TF-IDF keywords share at least
    ``merge_shared_keywords`` words: a shared everyday word ("早上") lifts centroid cosine
    but fails the other two guards. An outlier joins the theme whose centroid it is most
    similar to when it is at least as similar as the theme's own members, each measured
    against the theme without itself, at quantile ``reassign_quantile`` (0: the least
    typical member; None: no such bound) and at least ``reassign_similarity`` (None:
    outliers stay), so a loose theme takes looser messages than a tight one; or, with
    ``reassign_separation``, when it is more similar to the theme than that share of the other
    themes' members are and (with tokens) says one of the theme's ``reassign_keywords`` top
    keywords (a tight theme still takes a message that nothing belonging elsewhere comes as
    close to). Deterministic for a given input and ``seed``. Defaults and
    their measurements: docs/DESIGN.md, docs/RESULTS.md (Themes).

    Sub-themes (``sub_share``; None: none): hdbscan once more on the same UMAP layout with
    ``sub_share`` x the theme size; a theme splits when at least two of those finer clusters
    hold half that size of its core members each (``Clustering.core``: those hdbscan placed, not
    those the outlier rule joined), and then every other member of it joins the nearest of them
    (vector centroids). A theme that holds fewer stays whole.
    """

    min_cluster_size: int | None = None
    min_samples: int | None = 10
    floor: int = 8
    size_factor: float = 0.5
    reduce_to: int | None = 5
    reduce_from: int = 100
    neighbors: int = 15
    seed: int = 0
    word_share: float = 0.9
    keyword_chars: bool = True
    keywords_full: int | None = None
    reassign_similarity: float | None = 0.0
    reassign_quantile: float | None = 0.02
    reassign_separation: float | None = 0.97
    reassign_keywords: int = 20
    merge_similarity: float = 0.6
    merge_cohesion: float = 0.75
    merge_shared_keywords: int = 2
    selection: str = "eom"
    max_share: float | None = 0.5
    max_fit: int = 20_000
    sub_share: float | None = 0.6

    def size_for(self, n: int) -> int:
        return self.min_cluster_size or max(self.floor, round(self.size_factor * math.sqrt(n)))

    def fit(self, vectors: np.ndarray, tokens: Sequence[Sequence[str]] | None = None) -> Clustering:
        """Cluster ``vectors`` (rows of unit length); ``tokens`` (one keyword list per row) shape
        the neighbour graph, guard merges and help judge outliers."""
        vectors = np.asarray(vectors, dtype=np.float32)
        n = len(vectors)
        fit_rows = self._fit_rows(n)
        size = self.size_for(len(fit_rows))
        parameters = asdict(self) | {"min_cluster_size": size, "n": n, "fitted_on": len(fit_rows),
                                     "keywords": tokens is not None}
        if len(fit_rows) < 2 * size:
            labels = np.full(n, OUTLIER)
            return Clustering(labels, outlier_rate(labels), outlier_rate(labels), 0, 0, parameters,
                              labels.copy() if self.sub_share else None)
        words = (keyword_matrix(tokens, self.keyword_chars, self.keywords_full)
                 if tokens is not None and self.word_share else None)
        fit_words = None if words is None else words[fit_rows]
        points = self._reduce(vectors[fit_rows], fit_words)
        raw = self._hdbscan(points, size)
        labels = np.full(n, OUTLIER)
        labels[fit_rows] = raw
        raw_rate = outlier_rate(labels) if len(fit_rows) == n else outlier_rate(raw)
        raw_themes = int(raw.max()) + 1
        labels = merge_close(vectors, labels, self.merge_similarity, cohesion=self.merge_cohesion,
                             tokens=tokens, shared_keywords=self.merge_shared_keywords)
        core = labels >= 0
        if self.reassign_similarity is not None:
            labels = reassign_outliers(vectors, labels, self.reassign_similarity, quantile=self.reassign_quantile,
                                       separation=self.reassign_separation, words=words, word_share=self.word_share,
                                       tokens=tokens, top=self.reassign_keywords)
        sub_labels = None
        if self.sub_share:
            sub_size = max(5, round(self.sub_share * size))
            finer = np.full(n, OUTLIER)
            finer[fit_rows] = self._hdbscan(points, sub_size)
            sub_labels = split_themes(vectors, labels, finer, least=sub_size // 2, core=core)
            parameters["sub_theme_size"] = sub_size
        return Clustering(labels, outlier_rate(labels), raw_rate, int(labels.max()) + 1, raw_themes, parameters,
                          sub_labels, core)

    def _fit_rows(self, n: int) -> np.ndarray:
        if n <= self.max_fit:
            return np.arange(n)
        return np.sort(np.random.default_rng(self.seed).choice(n, self.max_fit, replace=False))

    def _reduce(self, vectors: np.ndarray, words=None) -> np.ndarray:
        if not self.reduce_to or self.reduce_to >= vectors.shape[1] or len(vectors) < max(self.reduce_from,
                                                                                            self.reduce_to + 2):
            return vectors
        import umap  # lazily: numba compiles on first use

        cache_umap_kernels()
        k = min(self.neighbors, len(vectors) - 1)
        graph = (None, None, None) if words is None else nearest_neighbours(vectors, words, k, self.word_share)
        # PCA, not spectral, start: on keyword graphs (many loosely joined parts) the spectral
        # start's eigensolver gave different layouts from run to run with the same seed
        reducer = umap.UMAP(n_neighbors=k, n_components=self.reduce_to, min_dist=0.0, metric="cosine",
                            random_state=self.seed, n_jobs=1, precomputed_knn=graph, init="pca")
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="precomputed_knn")  # no search index: nothing is transformed
            return reducer.fit_transform(vectors)

    def _hdbscan(self, points: np.ndarray, size: int) -> np.ndarray:
        import hdbscan

        # at most half the size: 60 short texts in themes of 8, each needing 8 dense neighbours, made no theme
        min_samples = None if self.min_samples is None else min(self.min_samples, max(1, size // 2))
        largest = int(self.max_share * len(points)) if self.max_share else 0  # 0: no limit
        return hdbscan.HDBSCAN(min_cluster_size=size, min_samples=min_samples, cluster_selection_method=self.selection,
                               max_cluster_size=max(largest, 2 * size) if largest else 0
                               ).fit_predict(points.astype(np.float64))


@functools.cache
def cache_umap_kernels() -> None:
    """Keep numba's compiled code for the two UMAP kernels umap-learn leaves uncached (the
    neighbour graph's weights) on disk, as it keeps the rest: each new process (each
    `qunsheng run`) otherwise compiles them again: about 6 s of the sample's 17 s LSA run."""
    from umap import umap_

    for kernel in (umap_.smooth_knn_dist, umap_.compute_membership_strengths):
        try:
            kernel.enable_caching()  # a numba dispatcher, as in every umap-learn release so far
        except (AttributeError, RuntimeError):  # not one; or nowhere writable to keep it: compile as before
            pass


def split_themes(vectors: np.ndarray, labels: np.ndarray, finer: np.ndarray, least: int,
                 core: np.ndarray | None = None) -> np.ndarray:
    """Sub-themes from a finer clustering ``finer`` of the same rows: a theme splits where at
    least two finer clusters hold ``least`` of its ``core`` members each (None: all members; a
    theme's edge, joined by the outlier rule, makes no part of it); every other member of a split
    theme joins the nearest of those (cosine to their vector centroids), the rest stay OUTLIER.
    Numbered 0..m-1 theme by theme."""
    sub_labels = np.full(len(labels), OUTLIER)
    next_id = 0
    for theme in range(int(labels.max()) + 1):
        rows = np.flatnonzero(labels == theme)
        own = finer[rows] if core is None else np.where(core[rows], finer[rows], OUTLIER)
        parts, counts = np.unique(own, return_counts=True)
        parts = parts[(parts != OUTLIER) & (counts >= least)]
        if len(parts) < 2:
            continue
        local = np.full(len(rows), OUTLIER)
        for number, part in enumerate(parts):
            local[own == part] = number
        rest = local == OUTLIER
        local[rest] = (vectors[rows[rest]] @ centroids(vectors[rows], local).T).argmax(axis=1)
        sub_labels[rows] = next_id + local
        next_id += len(parts)
    return sub_labels


def keyword_chars(words: Sequence[str]) -> list[str]:
    """The keywords and, marked apart, their characters (手机壳 also counts 手, 机, 壳)."""
    return [*words, *(f"{char}\x00" for word in words for char in word)]


def keyword_matrix(tokens: Sequence[Sequence[str]], chars: bool = False, full: int | None = None):
    """One row per message: the TF-IDF (sublinear tf) of its keywords (and, with ``chars``, their
    characters), counting features found in at least 2 messages (1 under 50 messages), at unit
    length; a message without any is all zero. With ``full``, a message with fewer distinct keywords
    than that has its row shortened to sqrt(keywords / ``full``), so the keyword cosine of two
    messages is scaled by how much each has to say: two titles sharing one word of three agree
    less surely than two descriptions sharing a third of their words."""
    from scipy.sparse import csr_matrix, diags
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(analyzer=keyword_chars if chars else list, sublinear_tf=True,
                                 min_df=2 if len(tokens) >= 50 else 1)
    try:
        rows = vectorizer.fit_transform(tokens).astype(np.float32)
    except ValueError:  # not one word kept
        return csr_matrix((len(tokens), 1), dtype=np.float32)
    if not full:
        return rows
    said = np.array([len(set(words)) for words in tokens], dtype=np.float32)
    return (diags(np.sqrt(np.minimum(1.0, said / full))) @ rows).tocsr().astype(np.float32)


def nearest_neighbours(vectors: np.ndarray, words, k: int, word_share: float) -> tuple[np.ndarray, np.ndarray, None]:
    """Each row's ``k`` nearest rows (itself first), exactly, with distances 1 - similarity under
    ``word_share`` x keyword cosine + (1 - ``word_share``) x vector cosine, as UMAP's
    ``precomputed_knn`` (no search index)."""
    n = len(vectors)
    indices = np.empty((n, k), dtype=np.int32)
    distances = np.empty((n, k), dtype=np.float32)
    words_t = words.T.tocsr()
    for start in range(0, n, 1024):  # a 1024 x n block at a time
        stop = min(n, start + 1024)
        similarity = (1 - word_share) * (vectors[start:stop] @ vectors.T)
        similarity += word_share * (words[start:stop] @ words_t).toarray()
        rows = np.arange(stop - start)[:, None]
        similarity[rows[:, 0], rows[:, 0] + start] = np.inf  # itself first
        nearest = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
        nearest = np.take_along_axis(nearest, np.argsort(-similarity[rows, nearest], axis=1, kind="stable"), axis=1)
        indices[start:stop] = nearest
        distances[start:stop] = np.clip(1 - similarity[rows, nearest], 0, None)
    return indices, distances, None


def theme_sums(vectors: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """The sum of each theme 0..k-1's rows (float64)."""
    k = int(labels.max()) + 1 if len(labels) else 0
    members = labels >= 0
    sums = np.zeros((k, vectors.shape[1]), dtype=np.float64)
    np.add.at(sums, labels[members], vectors[members])
    return sums


def centroids(vectors: np.ndarray, labels: np.ndarray, sums: np.ndarray | None = None) -> np.ndarray:
    """Unit-length mean vector of each theme 0..k-1 (from ``sums`` when the theme sums are at hand)."""
    sums = theme_sums(vectors, labels) if sums is None else sums
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    return (sums / np.where(norms == 0, 1, norms)).astype(np.float32)


def reassign_outliers(vectors: np.ndarray, labels: np.ndarray, min_similarity: float, *, quantile: float | None = None,
                      separation: float | None = None, words=None, word_share: float = 0.0,
                      tokens: Sequence[Sequence[str]] | None = None, top: int = 20) -> np.ndarray:
    """Each outlier joins the theme whose centroid is most similar when that similarity reaches
    ``min_similarity`` and, with ``quantile``, the theme's own members' similarity at that
    quantile, each member measured against the theme without itself (a loose theme takes
    looser messages than a tight one), or, with ``separation``, the other themes' members'
    similarity to the theme at that quantile (no more than 1 - ``separation`` of the messages
    that belong elsewhere come as close) while, with ``tokens``, saying one of the theme's
    ``top`` c-TF-IDF keywords (a shared character alone, 猫 of 猫眼 and 猫砂, is not enough). With keyword rows
    ``words``, similarity is ``word_share`` x keyword cosine + the rest x vector cosine."""
    outliers = np.flatnonzero(labels == OUTLIER)
    if labels.max() < 0 or len(outliers) == 0:
        return labels
    k = int(labels.max()) + 1
    members = np.flatnonzero(labels >= 0)
    sums = theme_sums(vectors, labels)
    means = centroids(vectors, labels, sums)
    share = word_share if words is not None else 0.0
    if share:
        from scipy.sparse import csr_matrix

        membership = csr_matrix((np.ones(len(members), dtype=np.float32), (labels[members], members)),
                                shape=(k, len(labels)))
        word_sums = (membership @ words).tocsr()
        word_norms = np.sqrt(np.asarray(word_sums.multiply(word_sums).sum(axis=1)).ravel())
        word_means = csr_matrix(word_sums.multiply(1 / np.maximum(word_norms, 1e-12)[:, None]))

    def similarity(rows: np.ndarray) -> np.ndarray:
        found = vectors[rows] @ means.T
        if not share:
            return found
        return (1 - share) * found + share * (words[rows] @ word_means.T).toarray()

    thresholds = np.full(k, min_similarity, dtype=np.float64)
    separated = None
    if quantile is not None:
        # each member against its theme's centroid without itself: a member's own words would
        # lift it, most in small themes of sparse keyword rows, and set the bound too tight
        # (fitted on a 2,000-row sample of 10,000 titles, 37% of the rest stayed out)
        theme = labels[members]
        own = (1 - share) * _without_itself(vectors[members], sums[theme], 1.0)
        if share:
            dots = np.concatenate([(words[chunk] @ word_sums.T).toarray()[np.arange(len(chunk)), labels[chunk]]
                                   for chunk in np.array_split(members, max(1, len(members) // 8192))])
            self_norms = np.asarray(words[members].multiply(words[members]).sum(axis=1)).ravel()
            own += share * _without_itself_dots(dots, word_norms[theme] ** 2, self_norms)
        sizes = np.bincount(theme, minlength=k)
        order = np.lexsort((own, theme))  # by theme, then similarity
        starts = np.searchsorted(theme[order], np.arange(k))
        thresholds = np.maximum(thresholds, own[order][starts + np.floor(quantile * (sizes - 1)).astype(int)])
        if separation is not None and k > 1:
            separated = np.maximum(min_similarity, _separation_bounds(similarity, members, labels[members], k,
                                                                      separation))
    said = top_keywords(tokens, labels, top) if separated is not None and tokens is not None else None
    labels = labels.copy()
    for start in range(0, len(outliers), 8192):  # bounded memory at a million rows
        chunk = outliers[start:start + 8192]
        found = similarity(chunk)
        nearest = found.argmax(axis=1)
        best = found[np.arange(len(chunk)), nearest]
        close = best >= thresholds[nearest]
        if separated is not None:
            apart = ~close & (best >= separated[nearest])
            if said is not None:
                apart[apart] = [not said[t].isdisjoint(tokens[row]) for row, t in zip(chunk[apart], nearest[apart])]
            close |= apart
        labels[chunk[close]] = nearest[close]
    return labels


def _separation_bounds(similarity, members: np.ndarray, theme: np.ndarray, k: int, quantile: float,
                       most: int = 20_000) -> np.ndarray:
    """Per theme, the ``quantile`` of the similarities to it of members of other themes (at most
    ``most`` members, a seeded sample, so that a million rows cost what 20,000 do)."""
    if len(members) > most:
        chosen = np.sort(np.random.default_rng(0).choice(len(members), most, replace=False))
        members, theme = members[chosen], theme[chosen]
    found = np.concatenate([similarity(chunk) for chunk in np.array_split(members, max(1, len(members) // 8192))])
    found[np.arange(len(members)), theme] = np.nan  # a member against its own theme does not count
    bounds = np.nanquantile(found, quantile, axis=0, method="lower")
    return np.where(np.isnan(bounds), np.inf, bounds)


def _without_itself(rows: np.ndarray, sums: np.ndarray, self_norm: float) -> np.ndarray:
    """Cosine of each row with its theme's sum of rows minus the row itself."""
    dots = np.einsum("ij,ij->i", rows.astype(np.float64), sums)
    return _without_itself_dots(dots, np.einsum("ij,ij->i", sums, sums), np.full(len(rows), self_norm))


def _without_itself_dots(dots: np.ndarray, sum_norms2: np.ndarray, self_norms2: np.ndarray) -> np.ndarray:
    """x . (S - x) / |S - x| from x . S, |S|^2 and |x|^2 (0 where the theme is the row alone)."""
    rest = np.sqrt(np.maximum(sum_norms2 - 2 * dots + self_norms2, 0))
    return np.where(rest > 1e-9, (dots - self_norms2) / np.maximum(rest, 1e-9), 0.0)


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
    sums = theme_sums(vectors, labels)
    means = centroids(vectors, labels, sums)
    similarity = means @ means.T
    candidates = [(a, b) for a, b in zip(*np.nonzero(np.triu(similarity, 1) >= min_similarity))]
    if candidates and cohesion > 0:
        # cross[c, d]: mean cosine of theme c's members to theme d's centroid
        sizes = np.bincount(labels[labels >= 0], minlength=k)[:, None]
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
