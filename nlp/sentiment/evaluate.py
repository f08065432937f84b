"""Accuracy, macro-F1 and throughput of a sentiment scorer on labelled texts (binary polarity)."""
from __future__ import annotations

import time
from collections.abc import Sequence

from .base import SentimentScorer
from .labels import normalize_labels

_WARM_UP = 8  # texts scored before timing, so that lazy loading (jieba, a model) is not counted


def evaluate_sentiment(scorer: SentimentScorer, texts: Sequence[str], labels: Sequence[object]) -> dict:
    """Score ``texts`` and compare with ``labels`` (1/0, pos/neg, positive/negative, 正面/负面).

    A score > 0 is a positive prediction; a score of exactly 0 (no sentiment cue, the lexicon's
    neutral) counts as a negative prediction, so ties are never dropped from ``n``.
    ``zero_share`` reports how many texts were such ties.

    Returns ``{"accuracy", "macro_f1", "n", "messages_per_second", "zero_share"}``;
    ``messages_per_second`` times one ``scorer.score`` call over all texts, after a short warm-up.
    """
    texts = list(texts)
    truth = normalize_labels(labels)
    if len(texts) != len(truth):
        raise ValueError(f"{len(texts)} texts but {len(truth)} labels")
    if not texts:
        raise ValueError("nothing to evaluate: no texts")
    scorer.score(texts[:_WARM_UP])
    start = time.perf_counter()
    scores = scorer.score(texts)
    elapsed = time.perf_counter() - start
    predicted = [1 if s > 0 else 0 for s in scores]
    return {
        "accuracy": sum(p == t for p, t in zip(predicted, truth)) / len(truth),
        "macro_f1": macro_f1(truth, predicted),
        "n": len(truth),
        "messages_per_second": len(texts) / elapsed if elapsed > 0 else float("inf"),
        "zero_share": sum(s == 0 for s in scores) / len(scores),
    }


def macro_f1(truth: Sequence[int], predicted: Sequence[int]) -> float:
    """Mean F1 of the positive and the negative class (a class never true nor predicted scores 0)."""
    f1s = []
    for cls in (0, 1):
        tp = sum(t == cls and p == cls for t, p in zip(truth, predicted))
        fp = sum(t != cls and p == cls for t, p in zip(truth, predicted))
        fn = sum(t == cls and p != cls for t, p in zip(truth, predicted))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(f1s) / 2
