"""Build the public schemas from the store: the one read path shared by the API and the CLI."""
from __future__ import annotations

from sqlalchemy.orm import Session

from models import store
from models.schemas import (CommunityPublic, MemberTagPublic, MemberTagsPublic, Quote, RunPublic, ThemeDetail,
                            ThemeMessage, ThemeMessagesPage, ThemePublic, ThemeTrend, TrendDay)
from models.schemas import MemberLayerPublic, MembersPublic, MemberSummary
from models.tables import Community, Member, MemberLayer, Run, Theme


class NotFound(LookupError):
    pass


class Ambiguous(ValueError):
    pass


def run_public(run: Run | None) -> RunPublic | None:
    if run is None:
        return None
    return RunPublic(id=run.id, status=run.status, started_at=store.utc(run.started_at),
                     finished_at=store.utc(run.finished_at), embedder=run.embedder, parameters=run.parameters,
                     counts=run.counts, warnings=run.warnings, duration_s=run.duration_s)


def communities(session: Session) -> list[CommunityPublic]:
    return [CommunityPublic(id=c.id, name=c.name, messages=m, members=n, latest_run=run_public(r))
            for c, m, n, r in store.list_communities(session)]


def community_id(session: Session, name: str | None) -> int | None:
    if name is None:
        return None
    found = store.community_by_name(session, name)
    if found is None:
        raise NotFound(f"no community named {name!r}")
    return found.id


def _series(theme: Theme) -> list[tuple[str, int, int, float]]:
    """Stored daily rows; rows written before voices were kept read as (day, messages, 0, 0.0)."""
    return [(d[0], d[1], d[2] if len(d) > 2 else 0, d[3] if len(d) > 3 else 0.0) for d in theme.trend]


def theme_public(theme: Theme, community: str) -> ThemePublic:
    return ThemePublic(id=theme.id, community=community, label=theme.label, keywords=theme.keywords,
                       voices=theme.n_members, messages=theme.n_messages, sentiment=round(theme.sentiment, 4),
                       first_seen=store.utc(theme.first_seen), last_seen=store.utc(theme.last_seen),
                       trend=[(day, n) for day, n, *_ in _series(theme)], demand_mix=theme.demand_mix,
                       demand_share=theme.demand_share, is_demand=theme.is_demand, demand_type=theme.demand_type,
                       sentiment_mix=theme.sentiment_mix or {}, lifecycle=theme.lifecycle, emerging=theme.emerging,
                       growth=theme.growth, recent_voices=theme.recent_voices, prior_voices=theme.prior_voices,
                       runs_seen=theme.runs_seen)


def themes(session: Session, community: str | None = None, *, sort: str = "voices", limit: int = 100,
           offset: int = 0, **filters) -> list[ThemePublic]:
    """Active themes; ``filters`` are the fields of ``store.ThemeFilter`` other than community_id."""
    names = {c.id: c.name for c, *_ in store.list_communities(session)}
    where = store.ThemeFilter(community_id=community_id(session, community), **filters)
    return [theme_public(t, names[t.community_id]) for t in store.list_themes(session, where, sort, limit, offset)]


def groups(session: Session, community: str) -> list[str]:
    return store.group_names(session, community_id(session, community))


def _theme(session: Session, theme_id: int) -> Theme:
    theme = store.get_theme(session, theme_id)
    if theme is None:
        raise NotFound(f"no theme {theme_id}")
    return theme


def _messages(session: Session, theme_id: int, limit: int, offset: int) -> tuple[int, list[ThemeMessage]]:
    total, rows = store.theme_messages(session, theme_id, limit, offset)
    return total, [ThemeMessage(message_id=i, member=member, sender_name=name, group=group, sent_at=store.utc(sent),
                                text=text, score=round(score, 4))
                   for i, member, name, group, sent, text, score in rows]


def theme_detail(session: Session, theme_id: int, limit: int = 50, offset: int = 0) -> ThemeDetail:
    theme = _theme(session, theme_id)
    community = session.get(Community, theme.community_id).name
    quoted = store.messages_by_id(session, theme.quotes)
    total, page = _messages(session, theme_id, limit, offset)
    return ThemeDetail(
        **theme_public(theme, community).model_dump(),
        quotes=[Quote(message_id=m.id, sender_name=m.sender_name, sent_at=store.utc(m.sent_at), text=m.text)
                for i in theme.quotes if (m := quoted.get(i))],
        messages_page=page, total_messages=total, offset=offset, limit=limit)


def theme_messages(session: Session, theme_id: int, limit: int = 50, offset: int = 0) -> ThemeMessagesPage:
    _theme(session, theme_id)
    total, page = _messages(session, theme_id, limit, offset)
    return ThemeMessagesPage(theme_id=theme_id, data=page, total=total, offset=offset, limit=limit)


def theme_trend(session: Session, theme_id: int) -> ThemeTrend:
    theme = _theme(session, theme_id)
    return ThemeTrend(theme_id=theme.id, label=theme.label, lifecycle=theme.lifecycle, emerging=theme.emerging,
                      days=[TrendDay(day=d, messages=n, voices=v, sentiment=s) for d, n, v, s in _series(theme)])


def member(session: Session, sender_id: str, community: str | None = None) -> Member:
    found = store.members_by_sender(session, sender_id, community_id(session, community))
    if not found:
        raise NotFound(f"no member {sender_id!r}" + (f" in community {community!r}" if community else ""))
    if len(found) > 1:
        raise Ambiguous(f"member {sender_id!r} is in several communities: name one")
    return found[0]


def member_tags(session: Session, sender_id: str, community: str | None = None) -> MemberTagsPublic:
    found = member(session, sender_id, community)
    return MemberTagsPublic(
        member=found.sender_id, community=session.get(Community, found.community_id).name,
        display_name=found.display_name, messages=store.member_message_count(session, found),
        first_seen=store.utc(found.first_seen), last_seen=store.utc(found.last_seen),
        tags=[MemberTagPublic(tag=t.tag, kind=t.kind, theme_id=t.theme_id, score=t.score, evidence=t.evidence,
                              group=t.tag_group, base_score=t.base_score, first_evidence=store.utc(t.first_evidence),
                              last_evidence=store.utc(t.last_evidence))
              for t in store.member_tags(session, found)],
        layer=layer_public(store.member_layer(session, found)))


def layer_public(row: MemberLayer | None) -> MemberLayerPublic | None:
    if row is None:
        return None
    return MemberLayerPublic(layer=row.layer, reasons=row.reasons, metrics=row.metrics, run_id=row.run_id)


def members(session: Session, layer: str | None = None, community: str | None = None, limit: int = 1000,
            offset: int = 0) -> MembersPublic:
    """Layered members (of one layer, one community), by community then member id."""
    rows = store.members_in_layer(session, layer, community_id(session, community), limit, offset)
    data = [MemberSummary(member=m.sender_id, community=name, display_name=m.display_name,
                          layer=layer_public(row)) for m, row, name in rows]
    return MembersPublic(data=data, count=len(data))
