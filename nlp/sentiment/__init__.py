"""Sentiment scorers: texts in, polarity in [-1, 1] out; ``load_scorer`` picks one by kind.

* ``lexicon`` (default): offline word lists + rules (``lexicon.py``); ``model`` may name another
  dictionary folder.
* ``trained``: a classifier fitted on labelled messages by ``train_sentiment`` (``trained.py``);
  ``model`` is the folder it was saved to.
* ``transformers``: a text-classification model, hub name or local folder (``transformers.py``).
"""
from __future__ import annotations

from pathlib import Path

from .base import SentimentScorer, SentimentUnavailable
from .evaluate import evaluate_sentiment
from .lexicon import LexiconSentiment
from .trained import TrainedSentiment, train_sentiment

KINDS = ("lexicon", "trained", "transformers")


def load_scorer(kind: str = "lexicon", model: str | None = None, **options) -> SentimentScorer:
    """The scorer of this kind. Raises ValueError for an unknown kind or a missing ``model``,
    SentimentUnavailable when the model cannot be loaded. ``options`` go to the constructor
    (``device``, ``batch_size``, ``label_polarity`` for transformers)."""
    if kind not in KINDS:
        raise ValueError(f"unknown sentiment scorer {kind!r}; choose one of {', '.join(KINDS)}")
    if kind == "lexicon":
        if model and not Path(model).expanduser().is_dir():
            raise SentimentUnavailable(f"no sentiment dictionary folder at {model}")
        return LexiconSentiment(Path(model).expanduser() if model else None, **options)
    if not model:
        what = "the folder written by train_sentiment" if kind == "trained" else "a model name or folder"
        raise ValueError(f"sentiment scorer {kind!r} needs a model: {what}")
    if kind == "trained":
        return TrainedSentiment.load(model)
    from .transformers import TransformersSentiment

    return TransformersSentiment(model, **options)


__all__ = [
    "KINDS", "LexiconSentiment", "SentimentScorer", "SentimentUnavailable", "TrainedSentiment",
    "evaluate_sentiment", "load_scorer", "train_sentiment",
]
