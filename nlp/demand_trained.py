"""A demand classifier trained on labelled messages (1: voices a demand, 0: chit-chat).

The same model as the trained sentiment scorer (``nlp/textclf.py``: TF-IDF over character
1-3-grams and a class-balanced logistic regression, plain JSON/npz files), with the cue reader's
demand score (``nlp.demand.DemandReader``) as one dense feature with ``use_rules=True``: on
SMP2017 and ECD/LCCC (benchmarks/demand.py) it costs 3-4 points in-domain, even with 150
training rows, and gains 20 across corpora, so it is off by default.
It decides *whether* a message voices a demand; the cue reader still names *which* type
(need, question, complaint, suggestion: its strongest evidence, need when it has none) and
praise vs chat for the rest. A model trained with the rule feature reads the cue lists as they
are when scoring: retrain after changing data/dicts/demand/.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from nlp.demand import PRIORITY, Demand, DemandReader, default_reader
from nlp.textclf import LinearTextModel, fit_linear

FORMAT = "qunsheng-demand-tfidf-logreg"
FORMAT_VERSION = 1


class DemandModelUnavailable(RuntimeError):
    """No trained demand model at the given folder, or not one this version can read."""


class TrainedDemand:
    """Reads demands like DemandReader (``read``, ``read_all``, ``parameters``) with a trained model."""

    def __init__(self, model: LinearTextModel, rule_weight: float | None = None, threshold: float = 0.5,
                 reader: DemandReader | None = None, folder: str | None = None) -> None:
        self.model, self.rule_weight, self.threshold = model, rule_weight, threshold
        self.reader = reader or default_reader()
        self.folder = folder

    def probability(self, texts: Sequence[str]) -> np.ndarray:
        """P(voices a demand) per (cleaned) text."""
        z = self.model.decision(texts)
        if self.rule_weight is not None and len(texts):
            z = z + self.rule_weight * np.array([self.reader.read(t).score for t in texts])
        return 1.0 / (1.0 + np.exp(-z))

    def read_all(self, texts: Sequence[str], flags: Sequence[Iterable[str]] | None = None) -> list[Demand]:
        flags = [frozenset(f) for f in flags] if flags is not None else [frozenset()] * len(texts)
        if len(flags) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(flags)} flag sets")
        probabilities = self.probability(list(texts)).tolist()
        return [self._typed(t, f, p) for t, f, p in zip(texts, flags, probabilities)]

    def read(self, text: str, flags: Iterable[str] = frozenset()) -> Demand:
        return self.read_all([text], [flags])[0]

    def _typed(self, text: str, flags: frozenset, probability: float) -> Demand:
        by_rules = self.reader.read(text, flags)
        if by_rules.type in {"system", "ad"}:
            return by_rules
        score = round(probability, 4)
        if probability < self.threshold:
            return Demand(by_rules.type if not by_rules.voices else "chat", score)
        if by_rules.voices:
            return Demand(by_rules.type, score)
        evidence = self.reader.evidence(text)
        strongest = max(PRIORITY, key=lambda k: (evidence[k], -PRIORITY.index(k)))
        return Demand(strongest if evidence[strongest] > 0 else "need", score)

    @property
    def parameters(self) -> dict:
        return {"kind": "trained", "model": self.folder, "threshold": self.threshold,
                "rule_weight": self.rule_weight, "summary": self.model.summary, "rules": self.reader.parameters}

    def save(self, out_dir: str | Path) -> Path:
        return self.model.save(out_dir, {"format": FORMAT, "format_version": FORMAT_VERSION,
                                         "features": {"rules": self.rule_weight is not None},
                                         "rule_weight": self.rule_weight})

    @classmethod
    def load(cls, model_dir: str | Path, reader: DemandReader | None = None) -> TrainedDemand:
        """Read a folder written by ``save``; DemandModelUnavailable if it is missing or not one."""
        folder = Path(model_dir).expanduser()
        try:
            model, meta = LinearTextModel.load(folder, FORMAT, FORMAT_VERSION)
        except FileNotFoundError as exc:
            raise DemandModelUnavailable(f"no trained demand model at {folder}: {exc} "
                                         "(train one with train_demand / `qunsheng train demand`)") from exc
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise DemandModelUnavailable(f"cannot read trained demand model at {folder}: {exc}") from exc
        return cls(model, meta.get("rule_weight"), reader=reader, folder=str(folder))


def binary(label: object) -> int:
    """1/0 from 1/0, true/false, yes/no (ValueError otherwise)."""
    text = str(label).strip().lower()
    if text in {"1", "true", "yes", "y", "1.0"}:
        return 1
    if text in {"0", "false", "no", "n", "0.0"}:
        return 0
    raise ValueError(f"demand labels must be 1/0 (or true/false, yes/no), got {label!r}")


def train_demand(texts: Sequence[str], labels: Sequence[object], out_dir: str | Path, *, use_rules: bool = False,
                 ngram_range: tuple[int, int] = (1, 3), min_df: int = 2, max_features: int = 100_000,
                 C: float = 4.0, reader: DemandReader | None = None) -> TrainedDemand:
    """Fit on texts labelled 1 (voices a demand) / 0, save under ``out_dir`` and return the model.

    Texts are read as the flow reads them: cleaned by nlp.clean (so train on raw messages).
    Both classes must be present; an unknown label raises ValueError.
    """
    from nlp.clean import clean

    y = np.asarray([binary(label) for label in labels])
    if len(texts) != len(y):
        raise ValueError(f"{len(texts)} texts but {len(y)} labels")
    counts = {"demand": int(y.sum()), "no_demand": int(len(y) - y.sum())}
    if min(counts.values()) == 0:
        raise ValueError(f"need both demand (1) and no-demand (0) examples, got {counts}")
    reader = reader or default_reader()
    cleaned = [clean(str(t)).text for t in texts]
    dense = np.array([[reader.read(t).score] for t in cleaned]) if use_rules else None
    fitted, dense_weights = fit_linear(cleaned, y, dense, ngram_range=ngram_range, min_df=min_df,
                                       max_features=max_features, C=C)
    fitted.summary |= counts
    model = TrainedDemand(fitted, float(dense_weights[0]) if use_rules else None, reader=reader,
                          folder=str(Path(out_dir).expanduser()))
    model.save(out_dir)
    return model


def load_demand_reader(kind: str = "rules", model: str | Path | None = None) -> DemandReader | TrainedDemand:
    """The demand reader of this kind: ``rules`` (the cue lists) or ``trained`` (``model``: the
    folder written by train_demand). ValueError for an unknown kind or a missing folder name."""
    if kind == "rules":
        return default_reader()
    if kind != "trained":
        raise ValueError(f"unknown demand reader {kind!r}; choose rules or trained")
    if not model:
        raise ValueError("demand reader 'trained' needs the folder written by train_demand")
    return TrainedDemand.load(model)
