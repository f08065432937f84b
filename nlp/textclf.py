"""A linear text classifier shared by the trained scorers (sentiment, demand): TF-IDF over
character n-grams (``char_wb``, NFKC-normalised, lower-cased) plus a few dense features, a
class-balanced logistic regression on top.

Saved as plain files, never pickle, so loading a folder runs no code from it:

* ``model.json``: format name and version, feature settings, intercept, the dense features'
  weights, training summary;
* ``vocabulary.json``: the n-grams, in feature order;
* ``weights.npz``: ``idf`` and ``coef`` float arrays (read with ``allow_pickle=False``).
"""
from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

FILES = ("model.json", "vocabulary.json", "weights.npz")


def prepare(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def vectorizer(ngram_range: tuple[int, int], vocabulary=None, min_df: int = 1, max_features: int | None = None):
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        analyzer="char_wb", ngram_range=tuple(ngram_range), preprocessor=prepare, sublinear_tf=True,
        min_df=min_df, max_features=max_features, vocabulary=vocabulary, dtype=np.float32,
    )


@dataclass
class LinearTextModel:
    """Weights of a fitted classifier: ``decision`` is the log-odds of the positive class."""

    vocabulary: list[str]
    idf: np.ndarray
    coef: np.ndarray
    intercept: float
    ngram_range: tuple[int, int] = (1, 3)
    summary: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not (len(self.vocabulary) == len(self.idf) == len(self.coef)):
            raise ValueError(f"vocabulary ({len(self.vocabulary)}), idf ({len(self.idf)}) and coef "
                             f"({len(self.coef)}) differ")
        self.vocabulary = list(self.vocabulary)
        self.idf = np.asarray(self.idf, dtype=np.float64)
        self.coef = np.asarray(self.coef, dtype=np.float64)
        self.intercept = float(self.intercept)
        self.ngram_range = (int(self.ngram_range[0]), int(self.ngram_range[1]))
        self._vec = vectorizer(self.ngram_range, vocabulary={t: i for i, t in enumerate(self.vocabulary)})
        self._vec.idf_ = self.idf

    def decision(self, texts: Sequence[str]) -> np.ndarray:
        """Log-odds from the n-grams alone (add the dense features' share yourself)."""
        if not texts:
            return np.zeros(0)
        return np.asarray(self._vec.transform(list(texts)) @ self.coef + self.intercept, dtype=np.float64).ravel()

    def save(self, out_dir: str | Path, meta: dict) -> Path:
        """Write the three files; ``meta`` (format, version, dense weights...) joins model.json."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        meta = meta | {"features": {"analyzer": "char_wb", "ngram_range": list(self.ngram_range),
                                    "normalize": "NFKC+lower", "sublinear_tf": True} | meta.get("features", {}),
                       "intercept": self.intercept, "n_features": len(self.vocabulary), "summary": self.summary}
        (out / "model.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        (out / "vocabulary.json").write_text(json.dumps(self.vocabulary, ensure_ascii=False), encoding="utf-8")
        np.savez(out / "weights.npz", idf=self.idf.astype(np.float32), coef=self.coef.astype(np.float32))
        return out

    @classmethod
    def load(cls, model_dir: str | Path, form: str, version: int) -> tuple[LinearTextModel, dict]:
        """The model and its model.json; FileNotFoundError when files are missing, ValueError
        (or KeyError, TypeError, OSError) when they are not a ``form`` v``version`` model."""
        folder = Path(model_dir).expanduser()
        missing = [f for f in FILES if not (folder / f).is_file()]
        if missing:
            raise FileNotFoundError(f"missing {', '.join(missing)}")
        meta = json.loads((folder / "model.json").read_text(encoding="utf-8"))
        if meta.get("format") != form or meta.get("format_version") != version:
            raise ValueError(f"format {meta.get('format')!r} v{meta.get('format_version')!r}, expected {form!r} "
                             f"v{version}")
        vocabulary = json.loads((folder / "vocabulary.json").read_text(encoding="utf-8"))
        with np.load(folder / "weights.npz", allow_pickle=False) as arrays:
            idf, coef = arrays["idf"], arrays["coef"]
        return cls(vocabulary, idf, coef, meta["intercept"], tuple(meta["features"]["ngram_range"]),
                   meta.get("summary") or {}), meta


def fit_linear(texts: Sequence[str], y: np.ndarray, dense: np.ndarray | None = None, *,
               ngram_range: tuple[int, int] = (1, 3), min_df: int = 2, max_features: int = 100_000,
               C: float = 4.0) -> tuple[LinearTextModel, np.ndarray]:
    """Fit on texts with 1/0 labels ``y`` and optional dense feature columns (n x k); returns the
    model and the k dense weights. ``min_df`` drops to 1 below ten times as many texts."""
    from sklearn.linear_model import LogisticRegression

    if len(texts) != len(y):
        raise ValueError(f"{len(texts)} texts but {len(y)} labels")
    vec = vectorizer(ngram_range, min_df=min_df if len(texts) >= 10 * min_df else 1, max_features=max_features)
    X = vec.fit_transform(list(texts))
    if dense is not None:
        from scipy.sparse import csr_matrix, hstack

        X = hstack([X, csr_matrix(np.asarray(dense, dtype=np.float64))]).tocsr()
    clf = LogisticRegression(C=C, class_weight="balanced", max_iter=2000).fit(X, y)
    coef = clf.coef_[0]
    n_text = len(vec.vocabulary_)
    vocabulary = [""] * n_text
    for term, i in vec.vocabulary_.items():
        vocabulary[i] = term
    summary = {"n_train": len(texts), "C": C, "min_df": vec.min_df, "max_features": max_features}
    return LinearTextModel(vocabulary, vec.idf_, coef[:n_text], float(clf.intercept_[0]), ngram_range,
                           summary), np.asarray(coef[n_text:])
