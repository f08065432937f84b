"""Member interest tags: the demand themes each member voices and the theme words they use;
scores that decay when a member stops talking about a tag."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from nlp.records import ChatMessage, MemberTag, Theme

DAY_SECONDS = 86400.0


def saturating(n: int, half: float = 1.0) -> float:
    """0 for no evidence, 0.5 at ``half`` messages, approaching 1 with more."""
    return round(1 - 0.5 ** (n / half), 4)


def tag_members(messages: Sequence[ChatMessage], token_lists: Sequence[Sequence[str]], themes: Sequence[Theme],
                min_demand_share: float = 0.0, max_keywords: int = 8, max_evidence: int = 10) -> list[MemberTag]:
    """Tags per member with a score in (0, 1), the message ids that justify them and when the
    first and last of those messages were sent.

    Only themes whose demand share reaches ``min_demand_share`` tag anyone (chit-chat
    clusters say nothing of interests). Theme tags: one per theme the member voiced,
    scored by how many of their messages are in it. Keyword tags: those themes'
    keywords the member used in two or more messages.
    """
    sent_at = {m.id: m.sent_at for m in messages}

    def span(ids: Sequence[int]) -> dict:
        times = [sent_at[i] for i in ids if i in sent_at]
        return {"first_evidence": min(times), "last_evidence": max(times)} if times else {}

    tags: list[MemberTag] = []
    themes = {i: t for i, t in enumerate(themes) if t.demand_share >= min_demand_share}
    for index, theme in themes.items():
        voiced: dict[str, list[int]] = defaultdict(list)
        for member, message_id in zip(theme.member_ids, theme.message_ids):
            voiced[member].append(message_id)
        for member, ids in voiced.items():
            tags.append(MemberTag(member, theme.label, "theme", saturating(len(ids)), ids[:max_evidence], index,
                                  **span(ids)))

    vocabulary = {w for theme in themes.values() for w in theme.keywords}
    used: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for message, tokens in zip(messages, token_lists):
        for word in vocabulary.intersection(tokens):
            used[message.member][word].append(message.id)
    for member, words in used.items():
        frequent = sorted(((w, ids) for w, ids in words.items() if len(ids) >= 2), key=lambda x: (-len(x[1]), x[0]))
        for word, ids in frequent[:max_keywords]:
            tags.append(MemberTag(member, word, "keyword", saturating(len(ids), half=2), ids[:max_evidence],
                                  **span(ids)))
    return tags


def decay(score: float, last_evidence: datetime | None, as_of: datetime, half_life_days: float) -> float:
    """``score`` halved for every ``half_life_days`` between the last evidence and ``as_of``."""
    if last_evidence is None:
        return score
    idle_days = max(0.0, (as_of - last_evidence).total_seconds() / DAY_SECONDS)
    return round(score * 0.5 ** (idle_days / half_life_days), 4)


def decay_tags(tags: Sequence[MemberTag], as_of: datetime, half_life_days: float,
               min_score: float = 0.0) -> list[MemberTag]:
    """Tags with their scores decayed from their last evidence to ``as_of`` (the run's newest
    message, so that re-running on the same data gives the same scores); the score before
    decay is kept as ``base_score``. Tags that decayed below ``min_score`` are dropped."""
    decayed = [replace(t, score=decay(t.score, t.last_evidence, as_of, half_life_days), base_score=t.score)
               for t in tags]
    return [t for t in decayed if t.score >= min_score]
