"""Describe each theme: c-TF-IDF keywords, a label, representative quotes, sentiment, trend."""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import timedelta

import numpy as np

from nlp.cluster import OUTLIER, centroids
from nlp.demand import demand_mix, demand_share
from nlp.records import ChatMessage, Theme


def class_tfidf(token_lists: Sequence[Sequence[str]], labels: np.ndarray, top: int = 10) -> list[list[str]]:
    """Keywords per theme by c-TF-IDF (BERTopic's class-based TF-IDF).

    Outliers form one extra background class, so words common everywhere score low.
    A word counts once per message, so one chatty message cannot make a keyword.
    """
    k = int(labels.max()) + 1 if len(labels) else 0
    counts = [Counter() for _ in range(k + 1)]  # the last one is the background
    for tokens, label in zip(token_lists, labels):
        counts[label if label != OUTLIER else k].update(set(tokens))
    total = Counter()
    for c in counts:
        total.update(c)
    average_words = sum(total.values()) / max(1, k + 1)
    keywords = []
    for c in counts[:k]:
        size = sum(c.values()) or 1
        scores = {w: (n / size) * np.log(1 + average_words / total[w]) for w, n in c.items() if n >= 2}
        keywords.append(sorted(scores, key=lambda w: (-scores[w], w))[:top])
    return keywords


def label_for(keywords: Sequence[str], token_lists: Sequence[Sequence[str]]) -> str:
    """A short phrase: the two top keywords in the order members usually say them."""
    if len(keywords) == 1:
        return keywords[0]
    a, b = keywords[0], keywords[1]
    a_first = sum(1 for t in token_lists if a in t and b in t and t.index(a) < t.index(b))
    b_first = sum(1 for t in token_lists if a in t and b in t and t.index(b) < t.index(a))
    return f"{a}{b}" if a_first >= b_first and a_first else f"{b}{a}" if b_first else f"{a}·{b}"


def pick_quotes(vectors: np.ndarray, texts: Sequence[str], n: int = 3, redundancy: float = 0.92) -> list[int]:
    """Indices of the messages nearest the theme's centroid, skipping near-repeats."""
    centre = vectors.mean(axis=0)
    order = np.argsort(-(vectors @ centre), kind="stable")
    chosen: list[int] = []
    for i in order:
        if any(texts[i] == texts[j] or float(vectors[i] @ vectors[j]) > redundancy for j in chosen):
            continue
        chosen.append(int(i))
        if len(chosen) == n:
            break
    return chosen


def daily_trend(messages: Sequence[ChatMessage]) -> list[tuple[str, int]]:
    days = Counter(m.sent_at.date() for m in messages)
    first, last = min(days), max(days)
    return [((first + timedelta(d)).isoformat(), days.get(first + timedelta(d), 0)) for d in range((last - first).days + 1)]


def represent(messages: Sequence[ChatMessage], token_lists: Sequence[Sequence[str]], vectors: np.ndarray,
              labels: np.ndarray, sentiments: Sequence[float], demand_types: Sequence[str],
              echoed_by: dict[int, list[str]] | None = None) -> list[Theme]:
    """One Theme per cluster label, in label order; clusters with no keyword are left out.

    ``echoed_by`` maps a message id to the members who echoed it ("+1", "同求"): they count
    among the theme's voices."""
    echoed_by = echoed_by or {}
    keyword_lists = class_tfidf(token_lists, labels)
    centres = centroids(vectors, labels)
    themes = []
    for label, keywords in enumerate(keyword_lists):
        if not keywords:  # nothing members share in words: not a theme anyone could read
            continue
        idx = np.flatnonzero(labels == label)
        types = [demand_types[i] for i in idx]
        members = [messages[i] for i in idx]
        quotes = pick_quotes(vectors[idx], [m.text for m in members])
        themes.append(Theme(
            label=label_for(keywords, [token_lists[i] for i in idx]),
            keywords=keywords,
            message_ids=[m.id for m in members],
            member_ids=[m.member for m in members],
            quotes=[members[q].id for q in quotes],
            sentiment=float(np.mean([sentiments[i] for i in idx])),
            first_seen=min(m.sent_at for m in members),
            last_seen=max(m.sent_at for m in members),
            trend=daily_trend(members),
            scores=[float(s) for s in vectors[idx] @ centres[label]],
            demand_mix=demand_mix(types),
            demand_share=round(demand_share(types), 4),
            echo_members=list(dict.fromkeys(m for message in members for m in echoed_by.get(message.id, ()))),
        ))
    return themes
