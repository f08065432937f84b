"""Describe each theme: c-TF-IDF keywords, a key-phrase label, diverse quotes (MMR), sentiment, daily series."""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, timedelta, tzinfo

import numpy as np

from nlp.cluster import OUTLIER, centroids
from nlp.demand import VOICING, demand_mix, demand_share
from nlp.records import ChatMessage, Theme
from nlp.segment import Segmenter, closes_name, light_word, opens_name


def class_tfidf(token_lists: Sequence[Sequence[str]], labels: np.ndarray, top: int = 10) -> list[list[str]]:
    """Keywords per theme by c-TF-IDF (BERTopic's class-based TF-IDF).

    Outliers form one extra background class, so words common everywhere score low.
    A word counts once per message, so one chatty message cannot make a keyword, and function
    words (总是, 一块), discourse words (结果), numbers glued to their measure word (两个), place words
    of position only (以上, 后面) and pronouns the HMM glued to a verb (我点) are never keywords
    (``nlp.segment.light_word``), so never in a label.
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
        scores = {w: (n / size) * np.log(1 + average_words / total[w]) for w, n in c.items()
                  if n >= 2 and not light_word(w)}
        keywords.append(sorted(scores, key=lambda w: (-scores[w], w))[:top])
    return keywords


def label_for(keywords: Sequence[str], token_lists: Sequence[Sequence[str]]) -> str:
    """A short phrase: the two top keywords that may stand in a name (no adverb, number or discourse
    word: 结果, 到底, 两只), in the order members usually say them; the second says something the first
    does not (not 直播·直播间 nor 落地就醒·落地: neither holds the other)."""
    keywords = [w for w in keywords if opens_name(w) and closes_name(w)] or keywords
    a = keywords[0]
    b = next((w for w in keywords[1:] if w not in a and a not in w), None)
    if b is None:
        return a
    a_first = sum(1 for t in token_lists if a in t and b in t and t.index(a) < t.index(b))
    b_first = sum(1 for t in token_lists if a in t and b in t and t.index(b) < t.index(a))
    return f"{a}{b}" if a_first >= b_first and a_first else f"{b}{a}" if b_first else f"{a}·{b}"


LINKS = frozenset({"的"})  # may join two keywords in a phrase: 低因 的 豆子, 充电 的 座位


def key_phrase(keywords: Sequence[str], spoken: Sequence[Sequence[str]], top: int = 8, max_chars: int = 8,
               min_share: float = 0.03, core: int = 3) -> str | None:
    """The phrase members actually say: 2-3 adjacent words (``spoken`` keeps every token in
    order) that are all among the theme's ``top`` keywords, or two of them joined by 的, in at
    least 2 messages and ``min_share`` of them, holding one of the ``core`` best keywords (a run
    of lesser keywords names a side detail: 晚上想来 for the decaf theme), not ending on a word
    fused with 得 (毛球吐得 is unfinished), an adverb or a number (满减到底, 放假两只) nor starting
    with a discourse word (结果周末); scored by messages x the keywords' c-TF-IDF ranks
    (1/rank)."""
    weight = {w: 1 / (rank + 1) for rank, w in enumerate(keywords[:top])}
    found: Counter = Counter()
    for tokens in spoken:
        found.update({run for n in (2, 3) for i in range(len(tokens) - n + 1)
                      if _is_phrase(run := tuple(tokens[i:i + n]), weight, keywords[:core], max_chars)})
    least = max(2, min_share * len(spoken))
    scored = {run: n * sum(weight.get(w, 0) for w in run) for run, n in found.items() if n >= least}
    return "".join(max(scored, key=lambda r: (scored[r], -len(r), r))) if scored else None


def _is_phrase(run: tuple[str, ...], weight: dict[str, float], core: Sequence[str], max_chars: int) -> bool:
    words = run[::2] if len(run) == 3 and run[1] in LINKS else run
    return (all(w in weight for w in words) and len(set(words)) == len(words) and any(w in core for w in words)
            and len("".join(run)) <= max_chars and not run[-1].endswith("得") and opens_name(run[0])
            and closes_name(run[-1]))


def pick_quotes(vectors: np.ndarray, texts: Sequence[str], n: int = 5, least: int = 3, diversity: float = 0.3,
                redundancy: float = 0.92) -> list[int]:
    """Up to ``n`` representative, mutually different messages by maximal marginal relevance:
    each pick maximises (1 - diversity) x closeness to the centroid - diversity x likeness to
    the picks so far. Exact repeats and near-repeats (cosine > ``redundancy``) are skipped;
    past ``least`` quotes, a pick must also be closer to the centroid than to the picks."""
    centre = vectors.mean(axis=0)
    relevance = vectors @ centre / (np.linalg.norm(centre) or 1)
    likeness = np.full(len(texts), -1.0)
    open_ = np.ones(len(texts), dtype=bool)
    chosen: list[int] = []
    while len(chosen) < n:
        score = np.where(open_ & (likeness <= redundancy),
                         (1 - diversity) * relevance - diversity * np.maximum(likeness, 0), -np.inf)
        best = int(np.argmax(score))  # the first of equals: stable
        if score[best] == -np.inf or (len(chosen) >= least and likeness[best] >= relevance[best]):
            break
        chosen.append(best)
        open_ &= np.array([t != texts[best] for t in texts])
        likeness = np.maximum(likeness, vectors @ vectors[best])
    return chosen


def daily_series(messages: Sequence[ChatMessage], sentiments: Sequence[float],
                 tz: tzinfo = UTC) -> list[tuple[str, int, int, float]]:
    """(local day, messages, voices, mean sentiment) for every day from first to last, gaps as 0."""
    by_day: dict = defaultdict(list)
    for message, sentiment in zip(messages, sentiments):
        by_day[message.sent_at.astimezone(tz).date()].append((message.member, sentiment))
    first, last = min(by_day), max(by_day)
    series = []
    for d in range((last - first).days + 1):
        rows = by_day.get(first + timedelta(d), [])
        mean = round(float(np.mean([s for _, s in rows])), 4) if rows else 0.0
        series.append(((first + timedelta(d)).isoformat(), len(rows), len({m for m, _ in rows}), mean))
    return series


def sentiment_mix(sentiments: Sequence[float], neutral: float = 0.1) -> dict[str, float]:
    """Shares of negative, neutral and positive messages (|score| < ``neutral`` is neutral)."""
    n = max(1, len(sentiments))
    negative = sum(s <= -neutral for s in sentiments) / n
    positive = sum(s >= neutral for s in sentiments) / n
    return {"negative": round(negative, 4), "neutral": round(1 - negative - positive, 4),
            "positive": round(positive, 4)}


def main_demand_type(types: Sequence[str]) -> str:
    """The most frequent demand-voicing type, else the most frequent type."""
    voicing = Counter(t for t in types if t in VOICING)
    return (voicing or Counter(types)).most_common(1)[0][0]


def represent(messages: Sequence[ChatMessage], token_lists: Sequence[Sequence[str]], vectors: np.ndarray,
              labels: np.ndarray, sentiments: Sequence[float], demand_types: Sequence[str],
              echoed_by: dict[int, list[str]] | None = None, segmenter: Segmenter | None = None,
              tz: tzinfo = UTC, phrase_sample: int = 300, sub_labels: np.ndarray | None = None,
              core: np.ndarray | None = None) -> list[Theme]:
    """One Theme per cluster label, in label order; clusters with no keyword are left out.

    With ``core`` (``Clustering.core``), a theme is named, given keywords and quoted from the
    messages the clusterer itself placed in it: messages the outlier rule joined to its edge count
    in its messages, voices and trend, but do not speak for it (a neighbour's "谁拿了我的快递" does
    not name a 满减凑单 theme), and their words count as background.

    ``echoed_by`` maps a message id to the members who echoed it ("+1", "同求"): they count
    among the theme's voices. With a ``segmenter``, the label is a key phrase members say
    (read in the ``phrase_sample`` messages nearest the centroid), else the top keywords.
    With ``sub_labels`` (``Clustering.sub_labels``), each theme lists its sub-themes."""
    echoed_by = echoed_by or {}
    speaking = speakers_of(labels, core)
    keyword_lists = class_tfidf(token_lists, speaking)
    centres = centroids(vectors, labels)
    themes = []
    for label, keywords in enumerate(keyword_lists):
        if not keywords:  # nothing members share in words: not a theme anyone could read
            continue
        idx = np.flatnonzero(labels == label)
        types = [demand_types[i] for i in idx]
        members = [messages[i] for i in idx]
        scores = vectors[idx] @ centres[label]
        speaks = speaking[idx] == label
        speakers = idx[speaks]
        quotes = speakers[pick_quotes(vectors[speakers], [messages[i].text for i in speakers])]
        theme_sentiments = [sentiments[i] for i in idx]
        themes.append(Theme(
            label=name(keywords, speakers, scores[speaks], messages, token_lists, segmenter, phrase_sample),
            keywords=keywords,
            message_ids=[m.id for m in members],
            member_ids=[m.member for m in members],
            quotes=[messages[q].id for q in quotes],
            sentiment=float(np.mean(theme_sentiments)),
            first_seen=min(m.sent_at for m in members),
            last_seen=max(m.sent_at for m in members),
            trend=daily_series(members, theme_sentiments, tz),
            scores=[float(s) for s in scores],
            demand_mix=demand_mix(types),
            demand_share=round(demand_share(types), 4),
            echo_members=list(dict.fromkeys(m for message in members for m in echoed_by.get(message.id, ()))),
            demand_type=main_demand_type(types),
            sentiment_mix=sentiment_mix(theme_sentiments),
            subthemes=[] if sub_labels is None else subthemes(idx, sub_labels[idx], messages, token_lists, vectors,
                                                              echoed_by, segmenter, phrase_sample, core=speaks),
        ))
    return themes


def speakers_of(labels: np.ndarray, core: np.ndarray | None) -> np.ndarray:
    """Each row's label where it speaks for its group (it is core, or its group has no core at all),
    else OUTLIER: what c-TF-IDF counts as the group's words, and where names and quotes come from."""
    if core is None:
        return labels
    return np.where(core | ~np.isin(labels, labels[core]), labels, OUTLIER)


def name(keywords: Sequence[str], idx: np.ndarray, scores: np.ndarray, messages: Sequence[ChatMessage],
         token_lists: Sequence[Sequence[str]], segmenter: Segmenter | None, phrase_sample: int) -> str:
    """A theme's label: the key phrase its messages nearest the centroid say (with a segmenter),
    else its top keywords in the order members say them."""
    phrase = None
    if segmenter is not None:
        nearest = idx[np.argsort(-scores, kind="stable")[:phrase_sample]]
        phrase = key_phrase(keywords, [segmenter.tokens(messages[i].text) for i in nearest])
    return phrase or label_for(keywords, [token_lists[i] for i in idx])


def subthemes(idx: np.ndarray, sub_labels: np.ndarray, messages: Sequence[ChatMessage],
              token_lists: Sequence[Sequence[str]], vectors: np.ndarray, echoed_by: dict[int, list[str]],
              segmenter: Segmenter | None, phrase_sample: int, keywords: int = 5,
              core: np.ndarray | None = None) -> list[dict]:
    """A theme's sub-themes, largest first, each named by the words that set it apart from its
    siblings (c-TF-IDF within the theme): label, keywords, messages, voices, 3 quotes, its message ids; named and
    quoted by its ``core`` rows, as themes are (``represent``). One whose members share no word is
    left out, and so are rows in no sub-theme (OUTLIER); a theme left with one named part lists none."""
    inside = sub_labels >= 0
    idx, sub_labels = idx[inside], sub_labels[inside]
    if len(idx) == 0:
        return []
    local = np.unique(sub_labels, return_inverse=True)[1].reshape(-1)  # 0..s-1 within the theme
    speaking = speakers_of(local, None if core is None else core[inside])
    keyword_lists = class_tfidf([token_lists[i] for i in idx], speaking, top=keywords)
    centres = centroids(vectors[idx], local)
    found = []
    for part, words in enumerate(keyword_lists):
        if not words:  # nothing its members share in words: no name to give it
            continue
        members = [messages[i] for i in idx[local == part]]
        speakers = idx[speaking == part]
        scores = vectors[speakers] @ centres[part]
        label = name(words, speakers, scores, messages, token_lists, segmenter, phrase_sample)
        quotes = speakers[pick_quotes(vectors[speakers], [messages[i].text for i in speakers], n=3, least=2)]
        voices = {m.member for m in members} | {e for m in members for e in echoed_by.get(m.id, ())}
        found.append({"label": label, "keywords": list(words), "messages": len(members), "voices": len(voices),
                      "quotes": [messages[q].id for q in quotes], "message_ids": [m.id for m in members]})
    return sorted(found, key=lambda sub: -sub["messages"]) if len(found) >= 2 else []
