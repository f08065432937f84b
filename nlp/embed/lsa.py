"""The offline default embedder: LSA over jieba words plus character n-grams. No weights needed."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nlp.embed.base import Embedder, normalise_rows
from nlp.segment import Segmenter


class LsaEmbedder(Embedder):
    """TF-IDF over jieba words and character 2-3-grams, reduced with TruncatedSVD.

    Learns its space from the corpus it is fitted on (a nightly run's messages), so it
    needs nothing downloaded. Deterministic for a given corpus and seed. 32 dimensions
    clustered the sample community best (64 and 128 split themes into fragments, and a
    reduction of 128 back to 32 did worse than 32 directly: docs/DESIGN.md).
    """

    def __init__(self, dim: int = 32, seed: int = 0, segmenter: Segmenter | None = None,
                 word_weight: float = 1.0, char_weight: float = 1.0):
        self.dim, self.seed = dim, seed
        self.word_weight, self.char_weight = word_weight, char_weight
        self.segmenter = segmenter
        self.model_id = f"lsa:words+chars:dim={dim}"
        self._fitted = None

    def fit(self, texts: Sequence[str]) -> "LsaEmbedder":
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        segmenter = self.segmenter or Segmenter()
        min_df = 2 if len(texts) >= 50 else 1  # a word seen once cannot link two messages
        words = TfidfVectorizer(analyzer=segmenter.tokens, sublinear_tf=True, min_df=min_df)
        chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 3), sublinear_tf=True, min_df=min_df)
        matrix = self._stack(words.fit_transform(texts), chars.fit_transform(texts))
        dim = max(1, min(self.dim, matrix.shape[1] - 1, matrix.shape[0] - 1))
        svd = TruncatedSVD(n_components=dim, random_state=self.seed).fit(matrix)
        self._fitted = (words, chars, svd)
        return self

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if self._fitted is None:
            raise RuntimeError("LsaEmbedder.embed called before fit")
        words, chars, svd = self._fitted
        if len(texts) == 0:
            return np.zeros((0, svd.n_components), dtype=np.float32)
        return normalise_rows(svd.transform(self._stack(words.transform(texts), chars.transform(texts))))

    def _stack(self, word_matrix, char_matrix):
        from scipy.sparse import hstack

        return hstack([word_matrix * self.word_weight, char_matrix * self.char_weight]).tocsr()
