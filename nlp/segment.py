"""Chinese word segmentation with jieba, the domain dictionary and stopwords in data/dicts/."""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

DICTS = Path(__file__).resolve().parents[1] / "data" / "dicts"
WORDLIKE = re.compile(r"[\u4e00-\u9fff]|[A-Za-z]{2,}")


def read_words(path: Path) -> list[str]:
    """One entry per line; blank lines and lines starting with # are skipped."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


class Segmenter:
    """A private jieba tokenizer (the global one is left alone) with the project's dictionaries.

    ``tokens`` keeps every word (for embeddings); ``keywords`` drops stopwords, single
    characters and non-words (for keyword extraction and tags).
    """

    def __init__(self, user_words: Iterable[str] = (), dict_dir: Path = DICTS, cache_file: Path | None = None):
        import logging

        import jieba

        jieba.setLogLevel(logging.WARNING)
        self._tokenizer = jieba.Tokenizer()
        if cache_file is not None:
            self._tokenizer.cache_file = str(cache_file)
        for word in [*read_words(dict_dir / "userdict.txt"), *user_words]:
            self._tokenizer.add_word(word.split()[0])
        self.stopwords = frozenset(read_words(dict_dir / "stopwords.txt"))

    def tokens(self, text: str) -> list[str]:
        return [w for w in self._tokenizer.lcut(text) if w.strip()]

    def keywords(self, text: str) -> list[str]:
        return [w for w in self.tokens(text) if self.is_keyword(w)]

    def is_keyword(self, word: str) -> bool:
        return len(word) >= 2 and word.lower() not in self.stopwords and bool(WORDLIKE.search(word))

    def segment_all(self, texts: Sequence[str]) -> list[list[str]]:
        return [self.tokens(t) for t in texts]
