"""SQLAlchemy 2 tables of the store. Schema changes go through Alembic (models/migrations)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (JSON, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint,
                        false)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Community(Base):
    __tablename__ = "communities"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Group(Base):
    __tablename__ = "groups"
    __table_args__ = (UniqueConstraint("community_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))


class Member(Base):
    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("community_id", "sender_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    sender_id: Mapped[str] = mapped_column(String(200))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    first_seen: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: the brand's own people (operators, shop assistants: `qunsheng staff`): their messages voice no demand
    #: and they hold no tag or value layer
    staff: Mapped[bool] = mapped_column(default=False, server_default=false())


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("community_id", "source_key"),
        Index("ix_messages_community_sent", "community_id", "sent_at"),
        Index("ix_messages_group_sent", "group_id", "sent_at"),  # a group's part of the themes (stop 20)
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    source_key: Mapped[str] = mapped_column(String(200))
    sender_name: Mapped[str] = mapped_column(String(200), default="")
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    text: Mapped[str] = mapped_column(Text)
    msg_type: Mapped[str] = mapped_column(String(20), default="text", server_default="text")
    reply_to: Mapped[str | None] = mapped_column(String(200))  # source_key of the message replied to
    quote: Mapped[str | None] = mapped_column(Text)  # quoted text inlined in a reply
    mentions: Mapped[list | None] = mapped_column(JSON)
    recalls: Mapped[str | None] = mapped_column(String(200))  # a recall record: the recalled source_key
    recalled: Mapped[bool] = mapped_column(default=False, server_default=false())
    source_format: Mapped[str] = mapped_column(String(20), default="", server_default="")
    source_file: Mapped[str] = mapped_column(String(500), default="", server_default="")


class MemberAlias(Base):
    """Every display name a member was seen under, with when."""

    __tablename__ = "member_aliases"
    __table_args__ = (UniqueConstraint("member_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Quarantine(Base):
    """Input rows that could not be read, kept with the reason instead of being dropped."""

    __tablename__ = "quarantine"
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    file: Mapped[str] = mapped_column(String(500))
    line: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (UniqueConstraint("community_id", "file", "line"),)


class Run(Base):
    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20))
    embedder: Mapped[str] = mapped_column(String(300), default="")
    parameters: Mapped[dict] = mapped_column(JSON, default=dict)
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    warnings: Mapped[list] = mapped_column(JSON, default=list)
    duration_s: Mapped[float | None] = mapped_column(Float)


class Theme(Base):
    __tablename__ = "themes"
    __table_args__ = (Index("ix_themes_community_active", "community_id", "active"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    active: Mapped[bool] = mapped_column(default=True)
    label: Mapped[str] = mapped_column(String(200))
    keywords: Mapped[list] = mapped_column(JSON, default=list)
    quotes: Mapped[list] = mapped_column(JSON, default=list)
    sentiment: Mapped[float] = mapped_column(Float, default=0.0)
    n_messages: Mapped[int] = mapped_column(Integer, default=0)
    n_members: Mapped[int] = mapped_column(Integer, default=0)
    first_seen: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    trend: Mapped[list] = mapped_column(JSON, default=list)
    demand_mix: Mapped[dict] = mapped_column(JSON, default=dict)
    demand_share: Mapped[float] = mapped_column(Float, default=0.0)
    is_demand: Mapped[bool] = mapped_column(default=True)  # False: a chit-chat cluster
    demand_type: Mapped[str] = mapped_column(String(20), default="chat", server_default="chat")
    sentiment_mix: Mapped[dict | None] = mapped_column(JSON, default=dict)  # negative / neutral / positive shares
    # sentiment_mix["negative"] again, as a column that ORDER BY can use (sort=negativity)
    negative_share: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    lifecycle: Mapped[str] = mapped_column(String(10), default="new", server_default="new")
    emerging: Mapped[bool] = mapped_column(default=False, server_default=false())
    growth: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")  # messages, recent vs prior window
    recent_voices: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    prior_voices: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    runs_seen: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # nightly runs it was found in
    hidden: Mapped[bool] = mapped_column(default=False, server_default=false())  # hidden by the product team
    # the finer demands inside it (label, keywords, messages, voices, quote message ids), rewritten each run
    subthemes: Mapped[list | None] = mapped_column(JSON, default=list)


class Embedding(Base):
    """Vectors of a pretrained embedder, keyed by model and text, so a night embeds only new texts."""

    __tablename__ = "embeddings"
    model_id: Mapped[str] = mapped_column(String(300), primary_key=True)
    text_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the text
    vector: Mapped[bytes] = mapped_column(LargeBinary)  # float32, little-endian


class ThemeMessage(Base):
    __tablename__ = "theme_messages"
    __table_args__ = (Index("ix_theme_messages_message", "message_id"),)
    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True)
    score: Mapped[float] = mapped_column(Float, default=1.0)
    subtheme: Mapped[str | None] = mapped_column(String(32))  # the key of its sub-theme, if the theme splits


class MemberTag(Base):
    __tablename__ = "member_tags"
    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # "theme" or "keyword"
    tag: Mapped[str] = mapped_column(String(200))
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id", ondelete="SET NULL"))
    score: Mapped[float] = mapped_column(Float)
    evidence: Mapped[list] = mapped_column(JSON, default=list)  # message ids
    tag_group: Mapped[str | None] = mapped_column(String(100))  # the taxonomy group of a "taxonomy" tag
    base_score: Mapped[float | None] = mapped_column(Float)  # the score before decay
    first_evidence: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_evidence: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    feed_score: Mapped[float | None] = mapped_column(Float)  # the score the change feed last reported


class MemberLayer(Base):
    """Each member's value layer (koc, high, potential, dormant) from the latest run, with its reasons."""

    __tablename__ = "member_layers"
    __table_args__ = (Index("ix_member_layers_community_layer", "community_id", "layer"),)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    layer: Mapped[str] = mapped_column(String(20))
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    metrics: Mapped[dict] = mapped_column(JSON, default=dict)  # idle_days, messages, replies, spend...


class Order(Base):
    """An order from the operator's orders CSV (``qunsheng ingest-orders``): monetary value of members."""

    __tablename__ = "orders"
    __table_args__ = (UniqueConstraint("community_id", "order_key"),
                      Index("ix_orders_community_sender", "community_id", "sender_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    order_key: Mapped[str] = mapped_column(String(200))  # the CSV's order id, else derived from the row
    sender_id: Mapped[str] = mapped_column(String(200))  # the member's id in the chat exports
    ordered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    amount: Mapped[float] = mapped_column(Float)
    source_file: Mapped[str] = mapped_column(String(500), default="", server_default="")


class ApiKey(Base):
    """A CRM system's key to one community's data; only its sha256 is stored (``qunsheng apikey create``)."""

    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of the key
    prefix: Mapped[str] = mapped_column(String(12))  # the key's first characters, to tell keys apart in a list
    name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class TagChange(Base):
    """One change of a member's tags between runs (added, removed, score changed): the CRM change feed.
    Ids grow in commit order within a community (writers take the community's row lock first)."""

    __tablename__ = "tag_changes"
    __table_args__ = (Index("ix_tag_changes_community_id", "community_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    change: Mapped[str] = mapped_column(String(10))  # "added", "removed" or "changed" (the score)
    kind: Mapped[str] = mapped_column(String(20))
    tag: Mapped[str] = mapped_column(String(200))
    tag_group: Mapped[str | None] = mapped_column(String(100))
    score: Mapped[float | None] = mapped_column(Float)  # None when removed
    previous_score: Mapped[float | None] = mapped_column(Float)  # None when added
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class MemberCard(Base):
    """A member's answer to GET /v1/members/{id}/tags, rendered (JSON body and ETag) by whatever wrote what it
    shows, in that transaction (store.save_member_cards): the hot read is one primary-key look-up."""

    __tablename__ = "member_cards"
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    body: Mapped[bytes] = mapped_column(LargeBinary)  # UTF-8 JSON of models.schemas.MemberTagsPublic
    etag: Mapped[str] = mapped_column(String(40))
