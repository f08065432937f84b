"""Themes from one night to the next: which previous theme each new one continues, and
where each stands in its life (new, growing, stable, fading)."""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, get_args

import numpy as np

from nlp.records import Theme

Lifecycle = Literal["new", "growing", "stable", "fading"]
LIFECYCLES = get_args(Lifecycle)


@dataclass(frozen=True)
class PastTheme:
    """A theme of the previous run, as the store remembers it."""

    id: int
    keywords: list[str]
    message_ids: list[int]


def match_themes(past: Sequence[PastTheme], themes: Sequence[Theme], vectors: np.ndarray,
                 message_ids: Sequence[int], min_similarity: float = 0.7, min_overlap: float = 0.3) -> list[int | None]:
    """For each theme, the id of the previous theme it continues, or None for a new one.

    Two signals, one-to-one, best pairs first: the cosine between the centroids (the past
    theme's centroid is taken over its messages' vectors in *this* run's space, so it works
    for embedders refitted every night, like LSA) and the Jaccard overlap of keywords. A
    pair qualifies when either reaches its threshold; pairs rank by their sum.
    """
    row = {m: i for i, m in enumerate(message_ids)}
    centre = {i: _centroid(vectors, [row[m] for m in t.message_ids if m in row]) for i, t in enumerate(themes)}
    pairs = []
    for p in past:
        past_centre = _centroid(vectors, [row[m] for m in p.message_ids if m in row])
        for i, theme in enumerate(themes):
            similarity = float(past_centre @ centre[i]) if past_centre is not None and centre[i] is not None else 0.0
            overlap = jaccard(p.keywords, theme.keywords)
            if similarity >= min_similarity or overlap >= min_overlap:
                pairs.append((similarity + overlap, -p.id, i, p.id))
    matched: list[int | None] = [None] * len(themes)
    taken: set[int] = set()
    for _score, _tie, i, past_id in sorted(pairs, reverse=True):
        if matched[i] is None and past_id not in taken:
            matched[i] = past_id
            taken.add(past_id)
    return matched


def keep_subtheme_keys(past: Sequence[dict], subthemes: Sequence[dict], new_prefix: str,
                       past_messages: Mapping[int, str | None] | None = None, min_overlap: float = 0.3) -> list[dict]:
    """The sub-themes with a ``key`` each: the key of the continued theme's previous sub-theme they
    continue, else a new one, ``new_prefix`` + its place (the run's id, so no key is ever given twice).

    As themes are matched (``match_themes``), two signals, one-to-one, best pairs first: the overlap of
    messages and the overlap of keywords (Jaccard each); a pair qualifies when either reaches
    ``min_overlap`` and ranks by their sum. Messages are counted among those the theme held the night
    before (``past_messages``: message id -> the key of its sub-theme then, None for none), so that
    tonight's new messages do not dilute a sub-theme that kept its old ones. Each of ``past`` carries
    its key (``store.keyed_subthemes`` gives keys to those stored before keys)."""
    before = past_messages or {}
    sizes = Counter(key for key in before.values() if key is not None)

    def shared(key: str, sub: dict) -> float:
        held = [before[m] for m in sub.get("message_ids", ()) if m in before]
        both = held.count(key)
        return both / max(1, len(held) + sizes[key] - both)

    pairs = []
    for number, p in enumerate(past):
        for i, sub in enumerate(subthemes):
            messages, words = shared(p["key"], sub), jaccard(p["keywords"], sub["keywords"])
            if max(messages, words) >= min_overlap:
                pairs.append((messages + words, -number, i, p["key"]))
    keys: list[str | None] = [None] * len(subthemes)
    for _score, _number, i, key in sorted(pairs, reverse=True):
        if keys[i] is None and key not in keys:
            keys[i] = key
    return [sub | {"key": key or f"{new_prefix}.{i + 1}"} for i, (sub, key) in enumerate(zip(subthemes, keys))]


def jaccard(a: Sequence[str], b: Sequence[str]) -> float:
    return len(set(a) & set(b)) / max(1, len(set(a) | set(b)))


def _centroid(vectors: np.ndarray, rows: list[int]) -> np.ndarray | None:
    if not rows:
        return None
    mean = vectors[rows].mean(axis=0)
    norm = float(np.linalg.norm(mean))
    return mean / norm if norm else None


@dataclass(frozen=True)
class Activity:
    """A theme's recent window against the window before it."""

    lifecycle: str  # one of LIFECYCLES
    emerging: bool  # voices grew fast: at least doubled, and by at least ``min_voices``
    recent_messages: int
    prior_messages: int
    recent_voices: int
    prior_voices: int

    @property
    def growth(self) -> float:
        """Relative change in messages, smoothed so that 0 -> 3 does not read as infinite."""
        return round((self.recent_messages + 1) / (self.prior_messages + 1) - 1, 4)


def activity(sent_at: Sequence[datetime], members: Sequence[str], as_of: datetime, window_days: int = 21,
             grow: float = 1.5, fade: float = 0.5, min_voices: int = 3, stray: float = 0.05) -> Activity:
    """Lifecycle of one theme from its messages' times and senders.

    ``as_of`` is the newest message of the run (not the clock: exports arrive late). A
    theme first voiced within the last window is new, allowing ``stray`` of its messages
    before it (an old message or two that the outlier rule joined to a theme born tonight do
    not age it); otherwise its messages in the last
    window against the one before: ``grow`` times as many or more is growing, ``fade``
    times or fewer is fading, anything between stable.
    """
    window = timedelta(days=window_days)
    recent_start, prior_start = as_of - window, as_of - 2 * window
    recent = [m for t, m in zip(sent_at, members) if t > recent_start]
    prior = [m for t, m in zip(sent_at, members) if prior_start < t <= recent_start]
    recent_voices, prior_voices = len(set(recent)), len(set(prior))
    if sum(t <= recent_start for t in sent_at) <= stray * len(sent_at):
        lifecycle = "new"
    elif len(recent) >= grow * len(prior) and len(recent) > len(prior):
        lifecycle = "growing"
    elif len(recent) <= fade * len(prior):
        lifecycle = "fading"
    else:
        lifecycle = "stable"
    emerging = recent_voices >= max(2 * prior_voices, prior_voices + min_voices)
    return Activity(lifecycle, emerging, len(recent), len(prior), recent_voices, prior_voices)
