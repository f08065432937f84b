"""Pydantic schemas shared by the API and the CLI's --json output."""
from __future__ import annotations

from datetime import datetime

from typing import Literal

from pydantic import BaseModel

from nlp.track import Lifecycle

ThemeSort = Literal["voices", "growth", "negativity", "recent"]  # keys of models.store.THEME_SORTS
MessageOrder = Literal["time", "typical"]  # a theme's messages: oldest first, or most like the theme first
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


class Matched(BaseModel):
    """A theme's part in the group and time window a list asked for."""

    messages: int
    voices: int  # distinct members


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
    hidden: bool  # hidden by the product team (not what the community is for); kept while its id is
    matched: Matched | None = None  # its messages and voices in the group and time window asked for (else None)


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
    subtheme: str | None = None  # the key of its sub-theme (see the theme's subthemes); None when in none


class ThemeMessagesPage(BaseModel):
    theme_id: int
    data: list[ThemeMessage]
    total: int  # the theme's messages, or with q those holding every word of it
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


class SubTheme(BaseModel):
    """A finer demand inside a theme, recomputed by each run; its key stays while its words persist."""

    key: str  # unique within its theme, kept from night to night while its keywords overlap; never given twice
    label: str
    keywords: list[str]  # the words that set it apart from the theme's other sub-themes
    messages: int
    voices: int  # distinct members voicing it, echoes included
    quotes: list[Quote]


class GroupVoices(BaseModel):
    group: str
    messages: int  # the theme's messages from this group
    voices: int  # distinct members voicing it there


class ThemeDetail(ThemePublic):
    quotes: list[Quote]
    groups: list[GroupVoices]  # the groups it was voiced in, most voices first
    layers: dict[str, int]  # its voices per value layer (koc, high, potential, dormant) as the latest run layered them
    subthemes: list[SubTheme]  # largest first; empty when the theme does not split
    messages_page: list[ThemeMessage]
    total_messages: int  # the messages the page is drawn from: all of them, or with q those holding every word of it
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
    staff: bool = False  # the brand's own people (`qunsheng staff`): no tags, no layer
    messages: int
    first_seen: datetime | None
    last_seen: datetime | None
    tags: list[MemberTagPublic]
    layer: MemberLayerPublic | None = None  # None until a run has layered the community


# --- CRM: API keys, member pages, taxonomy, the tag change feed --------------------------------

class ApiKeyPublic(BaseModel):
    id: int
    community: str
    prefix: str  # the key's first characters (the key itself is never stored)
    name: str
    created_at: datetime
    revoked_at: datetime | None


class TagBrief(BaseModel):
    tag: str
    kind: str  # "theme", "keyword" or "taxonomy"
    group: str | None  # the taxonomy group of a taxonomy tag
    score: float


class MemberItem(BaseModel):
    member: str  # the sender id of the export (WeCom: the external_userid)
    display_name: str
    layer: str | None  # koc, high, potential or dormant; None until a run has layered the community, and for staff
    staff: bool = False  # the brand's own people (`qunsheng staff`): no layer, no tags after the next run
    first_seen: datetime | None
    last_seen: datetime | None
    tags: list[TagBrief]  # strongest first


class MembersPage(BaseModel):
    data: list[MemberItem]
    count: int
    next_cursor: str | None  # pass as ?cursor= for the next page; None on the last page


class TaxonomyGroup(BaseModel):
    group: str
    tags: list[str]


class TaxonomyPublic(BaseModel):
    community: str
    groups: list[TaxonomyGroup]
    half_life_days: float  # a tag's score halves for every this many days without evidence
    min_score: float  # tags that decayed below this are dropped
    files: list[str]  # the taxonomy files merged, default first
    wecom_tag_ids: dict[str, str] = {}  # tag -> 企业微信 corp tag id, where the taxonomy names one


class TagChangePublic(BaseModel):
    member: str
    change: Literal["added", "removed", "changed"]  # changed: the score moved by 0.05 or more since last reported
    kind: str
    tag: str
    group: str | None
    score: float | None  # None when removed
    previous_score: float | None  # the score last reported; None when added
    run_id: int
    changed_at: datetime


class ChangesPage(BaseModel):
    data: list[TagChangePublic]
    count: int
    next_cursor: str  # pass as ?since= next time (it is the same cursor when nothing changed)
    has_more: bool  # more changes wait after this page


class MarkTag(BaseModel):
    """One call of 企业微信 externalcontact/mark_tag: tags by name, or by corp tag id with tag_ids."""

    userid: str  # the operator's WeCom userid
    external_userid: str  # the member's sender id
    add_tag: list[str]
    remove_tag: list[str]


class MarkTagPage(BaseModel):
    data: list[MarkTag]
    count: int
    next_cursor: str
    has_more: bool
    unmapped_tags: list[str] = []  # with tag_ids: changed tags the taxonomy gives no wecom_tag_id (left out)
