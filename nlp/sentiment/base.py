"""The sentiment contract: texts in, polarity scores in [-1, 1] out (0 is neutral)."""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence


class SentimentScorer(ABC):
    name: str = "base"

    @abstractmethod
    def score(self, texts: Sequence[str]) -> list[float]:
        """One polarity per text: -1 very negative, 0 neutral, +1 very positive."""


class SentimentUnavailable(RuntimeError):
    """The configured scorer cannot be loaded here (no model files, no network, bad folder)."""


def as_text(value: object) -> str:
    """A text for scoring: None and NaN (from data frames) become "", anything else str()."""
    if isinstance(value, str):
        return value
    if value is None or value != value:  # NaN is the only value unequal to itself
        return ""
    return str(value)
