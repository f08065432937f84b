"""Pydantic schemas shared by the API and the CLI's --json output."""
from __future__ import annotations

from datetime import datetime

from typing import Literal

from pydantic import BaseModel

from nlp.track import Lifecycle

ThemeSort = Literal["voices", "growth", "negativity", "recent"]  # keys of models.store.THEME_SORTS
SentimentBand = Literal["negative", "neutral", "positive"]  # keys of models.store.SENTIMENT_BANDS
VoicedDemand = Literal["need", "question", "complaint", "suggestion"]  # nlp.demand.VOICING


class RunPublic(BaseModel):
    id: int
    status: str
    started_at: datetime
    finished_at: datetime | None
    embedder: str
    parameters: dict
    counts: dict
    warnings: list[str]
    duration_s: float | None


class CommunityPublic(BaseModel):
    id: int
    name: str
    messages: int
    members: int
    latest_run: RunPublic | None


class CommunitiesPublic(BaseModel):
    data: list[CommunityPublic]
    count: int


class Quote(BaseModel):
    message_id: int
    sender_name: str
    sent_at: datetime
    text: str


class ThemePublic(BaseModel):
    id: int
    community: str
    label: str
    keywords: list[str]
    voices: int  # distinct members voicing the theme
    messages: int
    sentiment: float
    first_seen: datetime | None
    last_seen: datetime | None
    trend: list[tuple[str, int]]  # (day, messages)
    demand_mix: dict[str, float]  # demand type -> share of the theme's messages
    demand_share: float  # share voicing a demand: need, question, complaint or suggestion
    is_demand: bool  # False for chit-chat clusters (listed only with include_chat)
    demand_type: str  # its most frequent demand-voicing type: need, question, complaint or suggestion
    sentiment_mix: dict[str, float]  # negative / neutral / positive shares of its messages
    lifecycle: Lifecycle  # new, growing, stable or fading (recent window against the one before)
    emerging: bool  # voices at least doubled in the recent window
    growth: float  # messages in the recent window against the one before, minus 1
    recent_voices: int  # distinct members in the recent window
    prior_voices: int  # distinct members in the window before
    runs_seen: int  # nightly runs that found it (its id is kept from run to run)


class ThemesPublic(BaseModel):
    data: list[ThemePublic]
    count: int


class ThemeMessage(BaseModel):
    message_id: int
    member: str
    sender_name: str
    group: str
    sent_at: datetime
    text: str
    score: float


class ThemeMessagesPage(BaseModel):
    theme_id: int
    data: list[ThemeMessage]
    total: int
    offset: int
    limit: int


class TrendDay(BaseModel):
    day: str  # ISO date in the community's time zone
    messages: int
    voices: int  # distinct members that day
    sentiment: float  # mean sentiment of that day's messages (0 when none)


class ThemeTrend(BaseModel):
    theme_id: int
    label: str
    lifecycle: Lifecycle
    emerging: bool
    days: list[TrendDay]


class ThemeDetail(ThemePublic):
    quotes: list[Quote]
    messages_page: list[ThemeMessage]
    total_messages: int
    offset: int
    limit: int


class MemberTagPublic(BaseModel):
    tag: str
    kind: str  # "theme", "keyword" or "taxonomy" (a tag of data/taxonomy/)
    theme_id: int | None
    score: float  # decayed from the last evidence to the run's newest message
    evidence: list[int]  # message ids (taxonomy tags: the most recent first)
    group: str | None = None  # the taxonomy group of a taxonomy tag
    base_score: float | None = None  # the score before decay
    first_evidence: datetime | None = None  # when the first / last message justifying it was sent
    last_evidence: datetime | None = None


class MemberLayerPublic(BaseModel):
    layer: str  # koc, high, potential or dormant
    reasons: list[str]  # e.g. "top 3% by influence: 14 replies received", "no message in 45 days"
    metrics: dict  # idle_days, messages, recent_messages, replies, mentions, echoes, conversations, influence,
    # orders, spend
    run_id: int


class MemberSummary(BaseModel):
    member: str
    community: str
    display_name: str
    layer: MemberLayerPublic


class MembersPublic(BaseModel):
    data: list[MemberSummary]
    count: int


class MemberTagsPublic(BaseModel):
    member: str
    community: str
    display_name: str
    messages: int
    first_seen: datetime | None
    last_seen: datetime | None
    tags: list[MemberTagPublic]
    layer: MemberLayerPublic | None = None  # None until a run has layered the community
