"""The data contract between nlp stages: plain frozen dataclasses, no ORM objects."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """One stored chat message as the nightly flow sees it (slots: a night holds a million of them)."""

    id: int
    member: str  # the sender's stable id in the export
    group: str
    sent_at: datetime
    text: str
    staff: bool = False  # sent by the brand's own people: never clustered, tagged or layered


@dataclass(frozen=True)
class Theme:
    """A latent demand theme: the messages (by index into the run's corpus) that voice it."""

    label: str
    keywords: list[str]
    message_ids: list[int]
    member_ids: list[str]
    quotes: list[int]  # message ids of representative messages
    sentiment: float
    first_seen: datetime
    last_seen: datetime
    trend: list[tuple[str, int, int, float]] = field(default_factory=list)  # (day, messages, voices, sentiment)
    scores: list[float] = field(default_factory=list)  # membership strength per message
    demand_mix: dict[str, float] = field(default_factory=dict)  # demand type -> share of messages
    demand_share: float = 0.0  # share of messages voicing a demand (need, question, complaint, suggestion)
    echo_members: list[str] = field(default_factory=list)  # members who only echoed ("+1", "同求") its messages
    demand_type: str = "chat"  # its most frequent demand-voicing type (else its most frequent type)
    sentiment_mix: dict[str, float] = field(default_factory=dict)  # negative / neutral / positive shares
    #: the finer demands inside it, largest first: label, keywords, messages, voices, quotes, message_ids (ids)
    subthemes: list[dict] = field(default_factory=list)

    @property
    def voices(self) -> int:
        """Distinct members voicing the theme, echoes included."""
        return len(set(self.member_ids) | set(self.echo_members))


@dataclass(frozen=True)
class MemberTag:
    member: str
    tag: str
    kind: str  # "theme" (a demand theme the member voices), "keyword" or "taxonomy" (data/taxonomy/)
    score: float
    evidence: list[int]  # message ids
    theme_index: int | None = None
    group: str | None = None  # the taxonomy group of a "taxonomy" tag
    first_evidence: datetime | None = None  # when the member first / last said something that justifies it
    last_evidence: datetime | None = None
    base_score: float | None = None  # the score before decay (set by nlp.profile.decay_tags)
