"""The sentiment contract: texts in, polarity scores in [-1, 1] out (0 is neutral)."""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence


class SentimentScorer(ABC):
    name: str = "base"

    @abstractmethod
    def score(self, texts: Sequence[str]) -> list[float]:
        """One polarity per text: -1 very negative, 0 neutral, +1 very positive."""
