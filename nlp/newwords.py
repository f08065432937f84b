"""New-word discovery: character n-grams of a community's own messages that behave like words.

A string of 2-4 Chinese characters is a new word when it is

- frequent: at least ``min_count`` occurrences (identical messages counted once);
- cohesive: its parts co-occur far more often than chance at every split point (the
  minimum pointwise mutual information, natural log); 的宝 or 了一 are chance pairings;
- free: many different characters, or a message boundary, occur on its left and on its
  right (neighbour entropy, nats); 素颜 inside 伪素颜 always has 伪 on its left;
- new: not a word of ``known`` (jieba's dictionary by default), not starting or ending
  with a function character or stopword (我的, 一定要, 推荐一下), and not two words
  already covered (注意身体 = 注意 + 身体; 冷萃合集 = 冷萃 + 合集).

Feed the result to ``Segmenter(user_words=[w.word for w in words])`` and the words become
single tokens. Pure and deterministic: same texts, same list (ties broken by the word).
Memory stays bounded: an n-gram is counted only when its two (n-1)-grams are frequent.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Collection, Container, Iterable
from dataclasses import dataclass
from functools import lru_cache

HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")
# A span: Chinese characters, letters and digits; punctuation, spaces and emoji bound it,
# and each boundary counts as a distinct neighbour. Inside a span all digits are one
# neighbour ("0") and all letters another ("a"): 天发货 (3天发货, 5天发货) is not free.
SPAN = re.compile(r"[\u4e00-\u9fff0-9A-Za-z\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]+")
CHAR_CLASSES = str.maketrans({chr(c): "0" if c < 0x40 or 0xff10 <= c <= 0xff19 else "a"
                              for lo, hi in ((0x30, 0x3a), (0x41, 0x5b), (0x61, 0x7b), (0xff10, 0xff1a),
                                             (0xff21, 0xff3b), (0xff41, 0xff5b)) for c in range(lo, hi)})
# Particles, pronouns and the commonest function characters: an n-gram that starts or ends
# with one is a phrase (我的, 了一, 一定要, 没办法), not a word.
FUNCTION_CHARS = frozenset("的了着过吗呢吧啊呀哦嘛啦么嗯是在我你他她它们这那也都就还和与及或被把给让从很太又再才个"
                           "要会能有没不每")


@dataclass(frozen=True)
class NewWord:
    word: str
    count: int
    pmi: float  # natural log; the minimum over the word's split points
    left_entropy: float  # nats
    right_entropy: float
    score: float  # (pmi + min(left_entropy, right_entropy)) * ln(count): the ranking


def discover(texts: Iterable[str], min_count: int = 5, min_pmi: float = 3.0, min_entropy: float = 1.2,
             max_words: int = 200, *, max_len: int = 4, known: Container[str] | None = None,
             stopwords: Collection[str] = ()) -> list[NewWord]:
    """New words of ``texts``, best first.

    ``known``: words not to report (default: jieba's dictionary; pass a
    ``Segmenter.vocabulary`` to leave out the project's and the community's words too).
    ``stopwords`` (for example ``Segmenter.stopwords``): an n-gram that starts or ends with
    one of its words of two or more characters is a phrase.
    """
    known = default_dictionary() if known is None else known
    spans = [span.translate(CHAR_CLASSES) for text in dict.fromkeys(texts) for span in SPAN.findall(text)]
    counts, totals = count_ngrams([run for span in spans for run in HAN_RUN.findall(span)], max_len, min_count)
    cohesive = {gram: pmi for gram in counts if len(gram) >= 2 and gram not in known
                and not _is_phrase(gram, stopwords) and (pmi := cohesion(gram, counts, totals)) >= min_pmi}
    left, right = neighbour_entropies(spans, cohesive.keys(), max_len)
    free = {gram for gram in cohesive if min(left[gram], right[gram]) >= min_entropy}
    words = [_new_word(gram, counts[gram], cohesive[gram], left[gram], right[gram])
             for gram in free if not _two_words(gram, known, free)]
    words.sort(key=lambda w: (-w.score, w.word))
    return words[:max_words]


def count_ngrams(runs: list[str], max_len: int, min_count: int) -> tuple[dict[str, int], list[int]]:
    """Counts of the n-grams (1..max_len) seen at least ``min_count`` times, level by level.

    An n-gram is counted only when both of its (n-1)-grams are frequent (a count never
    exceeds its parts'), so rare n-grams never take memory. ``totals[n]`` is the number of
    n-gram positions, for probabilities.
    """
    totals = [0] * (max_len + 1)
    frequent: dict[str, int] = {}
    previous: set[str] = set()
    for n in range(1, max_len + 1):
        if n == 1:
            level = Counter(ch for run in runs for ch in run)
        else:
            level = Counter(gram for run in runs if len(run) >= n
                            for gram in (run[i:i + n] for i in range(len(run) - n + 1))
                            if gram[:-1] in previous and gram[1:] in previous)
        totals[n] = sum(len(run) - n + 1 for run in runs if len(run) >= n)
        previous = {gram for gram, count in level.items() if count >= min_count}
        frequent.update((gram, level[gram]) for gram in previous)
        if not previous:
            break
    return frequent, totals


def cohesion(gram: str, counts: dict[str, int], totals: list[int]) -> float:
    """min over split points of ln p(gram) / (p(left part) p(right part))."""
    p_gram = counts[gram] / totals[len(gram)]
    return min(math.log(p_gram / (counts[gram[:k]] / totals[k] * counts[gram[k:]] / totals[len(gram) - k]))
               for k in range(1, len(gram)))


def neighbour_entropies(spans: list[str], grams: Collection[str],
                        max_len: int) -> tuple[dict[str, float], dict[str, float]]:
    """Entropy of the character before / after each gram; a span boundary is a distinct neighbour."""
    wanted = set(grams)
    lefts: dict[str, Counter] = {g: Counter() for g in wanted}
    rights: dict[str, Counter] = {g: Counter() for g in wanted}
    left_edges, right_edges = Counter(), Counter()
    for span in spans:
        size = len(span)
        for n in range(2, min(max_len, size) + 1):
            for i in range(size - n + 1):
                gram = span[i:i + n]
                if gram in wanted:
                    if i:
                        lefts[gram][span[i - 1]] += 1
                    else:
                        left_edges[gram] += 1
                    if i + n < size:
                        rights[gram][span[i + n]] += 1
                    else:
                        right_edges[gram] += 1
    return ({g: entropy(lefts[g], left_edges[g]) for g in wanted},
            {g: entropy(rights[g], right_edges[g]) for g in wanted})


def entropy(neighbours: Counter, edges: int = 0) -> float:
    """Shannon entropy (nats) of neighbour counts, plus ``edges`` neighbours each seen once."""
    total = sum(neighbours.values()) + edges
    if not total:
        return 0.0
    return -sum(c / total * math.log(c / total) for c in neighbours.values()) + edges * math.log(total) / total


@lru_cache(maxsize=1)
def default_dictionary() -> frozenset[str]:
    """The words of jieba's own dictionary (its dict.txt), read once."""
    from jieba import get_dict_file

    with get_dict_file() as handle:
        return frozenset(line.split(maxsplit=1)[0].decode("utf-8") for line in handle if line.strip())


def _is_phrase(gram: str, stopwords: Collection[str]) -> bool:
    """Starts or ends with a function character or a stopword of 2+ characters, or repeats one character."""
    if gram[0] in FUNCTION_CHARS or gram[-1] in FUNCTION_CHARS or len(set(gram)) == 1:
        return True
    return any(gram[:k] in stopwords or gram[-k:] in stopwords for k in range(2, len(gram) + 1))


def _two_words(gram: str, known: Container[str], found: Collection[str]) -> bool:
    """Two halves of two characters, each a known word or a word found here."""
    return len(gram) == 4 and all(half in known or half in found for half in (gram[:2], gram[2:]))


def _new_word(gram: str, count: int, pmi: float, left: float, right: float) -> NewWord:
    score = (pmi + min(left, right)) * math.log(count)
    return NewWord(gram, count, round(pmi, 4), round(left, 4), round(right, 4), round(score, 4))
