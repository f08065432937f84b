"""Sentiment scorers: texts in, polarity in [-1, 1] out."""
from .base import SentimentScorer
from .lexicon import LexiconSentiment

__all__ = ["SentimentScorer", "LexiconSentiment"]
