"""Build the public schemas from the store: the one read path shared by the API and the CLI."""
from __future__ import annotations

import base64
import csv
import io
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from models import cards, store
from models.schemas import (CommunityPublic, GroupVoices, MemberTagsPublic, Quote, RunPublic, SubTheme, ThemeDetail,
                            ThemeMessage, ThemeMessagesPage, ThemePublic, ThemeTrend, TrendDay)
from models.schemas import Matched, MemberLayerPublic, MembersPublic, MemberSummary
from models.schemas import (ApiKeyPublic, ChangesPage, MarkTag, MarkTagPage, MemberItem, MembersPage, TagBrief,
                            TagChangePublic, TaxonomyGroup, TaxonomyPublic)
from models.tables import ApiKey, Community, Member, MemberLayer, MemberTag, Run, Theme
from nlp.layers import LayerRules


class NotFound(LookupError):
    pass


class Ambiguous(ValueError):
    pass


class BadCursor(ValueError):
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


def theme_public(theme: Theme, community: str, matched: tuple[int, int] | None = None) -> ThemePublic:
    return ThemePublic(id=theme.id, community=community, label=theme.label, keywords=theme.keywords,
                       voices=theme.n_members, messages=theme.n_messages, sentiment=round(theme.sentiment, 4),
                       first_seen=store.utc(theme.first_seen), last_seen=store.utc(theme.last_seen),
                       trend=[(day, n) for day, n, *_ in _series(theme)], demand_mix=theme.demand_mix,
                       demand_share=theme.demand_share, is_demand=theme.is_demand, demand_type=theme.demand_type,
                       sentiment_mix=theme.sentiment_mix or {}, lifecycle=theme.lifecycle, emerging=theme.emerging,
                       growth=theme.growth, recent_voices=theme.recent_voices, prior_voices=theme.prior_voices,
                       runs_seen=theme.runs_seen, hidden=theme.hidden,
                       matched=matched and Matched(messages=matched[0], voices=matched[1]))


def day_bounds(since: date | None, until: date | None, timezone: str) -> tuple[datetime | None, datetime | None]:
    """Whole local days: since at 00:00, until through 23:59:59 in ``timezone``."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(since, time.min, zone) if since else None
    end = datetime.combine(until, time.max, zone) if until else None
    return start, end


def themes(session: Session, community: str | None = None, *, sort: str = "voices", limit: int = 100,
           offset: int = 0, **filters) -> list[ThemePublic]:
    """Active themes; ``filters`` are the fields of ``store.ThemeFilter`` other than community_id. With a group
    or a time window, each says its messages and voices there (``matched``), and ``voices`` sorts by those."""
    names = {c.id: c.name for c, *_ in store.list_communities(session)}
    where = store.ThemeFilter(community_id=community_id(session, community), **filters)
    return [theme_public(t, names[t.community_id], matched)
            for t, matched in store.list_themes(session, where, sort, limit, offset)]


LAYERS = LayerRules.LAYERS
THEME_COLUMNS = ("community", "id", "label", "keywords", "voices", *(f"{layer}_voices" for layer in LAYERS), "messages",
                 "demand_share", "demand_type", "sentiment", "negative_share", "lifecycle", "emerging", "growth",
                 "recent_voices", "prior_voices", "first_seen", "last_seen", "quotes", "matched_voices",
                 "matched_messages")


def quote_texts(session: Session, theme_ids: list[int]) -> dict[int, list[str]]:
    """Each theme's representative quotes, as texts, in one read of the messages."""
    quote_ids = {i: store.get_theme(session, i).quotes for i in theme_ids}
    quoted = store.messages_by_id(session, [i for ids in quote_ids.values() for i in ids])
    return {theme: [quoted[i].text for i in ids if i in quoted] for theme, ids in quote_ids.items()}


def themes_csv(session: Session, themes: list[ThemePublic], timezone: str) -> str:
    """``themes`` as a spreadsheet: a row each, keywords space-separated, voices per value layer, its quotes
    one a line in one cell, days in ``timezone`` (``_spreadsheet``)."""
    zone = ZoneInfo(timezone)
    quotes = quote_texts(session, [t.id for t in themes])
    layers = store.theme_layers(session, [t.id for t in themes])

    def day(moment) -> str:
        return moment.astimezone(zone).strftime("%Y-%m-%d") if moment else ""

    rows = [(t.community, t.id, t.label, " ".join(t.keywords), t.voices, *(layers[t.id].get(layer, 0) for layer in LAYERS),
             t.messages, t.demand_share, t.demand_type,
             t.sentiment, t.sentiment_mix.get("negative", 0.0), t.lifecycle, int(t.emerging), round(t.growth, 4),
             t.recent_voices, t.prior_voices, day(t.first_seen), day(t.last_seen),
             "\n".join(quotes[t.id]), *((t.matched.voices, t.matched.messages) if t.matched else ("", "")))
            for t in themes]
    return _spreadsheet([THEME_COLUMNS, *rows])


MESSAGE_COLUMNS = ("theme_id", "theme", "subtheme", "message_id", "time", "group", "member_id", "member", "text")


def theme_messages_csv(session: Session, theme_id: int, timezone: str, community_id: int | None = None,
                       **within) -> str:
    """Every message of a theme (``within``: search, group, since, until, subtheme, as for a page), oldest first,
    as a spreadsheet the product team can read and mark up: its sub-theme by label, times in ``timezone``
    (``_spreadsheet``)."""
    theme = _theme(session, theme_id, community_id)
    _known_subtheme(theme, within.get("subtheme"))
    labels = {sub["key"]: sub["label"] for sub in store.keyed_subthemes(theme)}
    zone = ZoneInfo(timezone)
    _, rows = store.theme_messages(session, theme_id, None, 0, **within)
    lines = [(theme.id, theme.label, labels.get(key, ""), i,
              store.utc(sent).astimezone(zone).strftime("%Y-%m-%d %H:%M"), group, member, name, text)
             for i, member, name, group, sent, text, _, key in rows]
    return _spreadsheet([MESSAGE_COLUMNS, *lines])


def groups(session: Session, community: str) -> list[str]:
    return store.group_names(session, community_id(session, community))


def _theme(session: Session, theme_id: int, community_id: int | None = None) -> Theme:
    """The theme; with ``community_id``, only that community's (another's reads as missing)."""
    theme = store.get_theme(session, theme_id)
    if theme is None or community_id not in (None, theme.community_id):
        raise NotFound(f"no theme {theme_id}")
    return theme


def _known_subtheme(theme: Theme, key: str | None) -> None:
    """A sub-theme asked for by key must be one of the theme's (each run recomputes them)."""
    if key is not None and key not in {sub["key"] for sub in store.keyed_subthemes(theme)}:
        raise NotFound(f"theme {theme.id} has no sub-theme {key!r} (sub-themes are recomputed by each run: "
                       f"read the theme for tonight's keys)")


def _messages(session: Session, theme: Theme, limit: int, offset: int,
              **within) -> tuple[int, list[ThemeMessage]]:
    _known_subtheme(theme, within.get("subtheme"))
    total, rows = store.theme_messages(session, theme.id, limit, offset, **within)
    return total, [ThemeMessage(message_id=i, member=member, sender_name=name, group=group, sent_at=store.utc(sent),
                                text=text, score=round(score, 4), subtheme=key)
                   for i, member, name, group, sent, text, score, key in rows]


def theme_detail(session: Session, theme_id: int, limit: int = 50, offset: int = 0,
                 community_id: int | None = None, **within) -> ThemeDetail:
    """The theme with a page of its messages (``within``: search, group, since, until, subtheme; see
    ``store.theme_messages``)."""
    theme = _theme(session, theme_id, community_id)
    community = session.get(Community, theme.community_id).name
    subthemes = store.keyed_subthemes(theme)
    quoted = store.messages_by_id(session, [*theme.quotes, *(i for sub in subthemes for i in sub["quotes"])])

    def quotes(ids: list[int]) -> list[Quote]:
        return [Quote(message_id=m.id, sender_name=m.sender_name, sent_at=store.utc(m.sent_at), text=m.text)
                for i in ids if (m := quoted.get(i))]

    total, page = _messages(session, theme, limit, offset, **within)
    return ThemeDetail(
        **theme_public(theme, community).model_dump(), quotes=quotes(theme.quotes),
        groups=[GroupVoices(group=g, messages=n, voices=v) for g, n, v in store.theme_groups(session, theme_id)],
        layers=store.theme_layers(session, [theme_id])[theme_id],
        subthemes=[SubTheme(**(sub | {"quotes": quotes(sub["quotes"])})) for sub in subthemes],
        messages_page=page, total_messages=total, offset=offset, limit=limit)


def theme_messages(session: Session, theme_id: int, limit: int = 50, offset: int = 0,
                   community_id: int | None = None, **within) -> ThemeMessagesPage:
    total, page = _messages(session, _theme(session, theme_id, community_id), limit, offset, **within)
    return ThemeMessagesPage(theme_id=theme_id, data=page, total=total, offset=offset, limit=limit)


def hide_theme(session: Session, theme_id: int, hidden: bool = True, community_id: int | None = None) -> bool:
    """Hide a theme from the lists, the digest and member tags (or show it again); whether that changed it."""
    return store.hide_theme(session, _theme(session, theme_id, community_id), hidden)


def theme_trend(session: Session, theme_id: int, community_id: int | None = None) -> ThemeTrend:
    theme = _theme(session, theme_id, community_id)
    return ThemeTrend(theme_id=theme.id, label=theme.label, lifecycle=theme.lifecycle, emerging=theme.emerging,
                      days=[TrendDay(day=d, messages=n, voices=v, sentiment=s) for d, n, v, s in _series(theme)])


def member(session: Session, sender_id: str, community: str | None = None) -> Member:
    found = store.members_by_sender(session, sender_id, community_id(session, community))
    if not found:
        raise NotFound(f"no member {sender_id!r}" + (f" in community {community!r}" if community else ""))
    if len(found) > 1:
        raise Ambiguous(f"member {sender_id!r} is in several communities: name one")
    return found[0]


def set_staff(session: Session, community: str, sender_ids: list[str], staff: bool = True) -> list[str]:
    """Mark these members as the brand's own people (or no longer); returns the sender ids that changed.
    Every id must be a member of the community, or nothing changes. Their cards say so at once; their
    messages leave the themes, and their tags and layer go, at the community's next run."""
    found = community_id(session, community)
    members = store.members_named(session, found, sender_ids)
    unknown = sorted(set(sender_ids) - {m.sender_id for m in members})
    if unknown:
        shown = ", ".join(map(repr, unknown[:5])) + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
        raise NotFound(f"no member {shown} in community {community!r} (ingest their messages first); nothing changed")
    return [m.sender_id for m in store.set_staff(session, found, members, staff)]


def staff_of(session: Session, community: str) -> list[tuple[str, str]]:
    """(sender id, display name) of the community's staff."""
    return [(m.sender_id, m.display_name) for m in store.staff_members(session, community_id(session, community))]


def member_tags(session: Session, sender_id: str, community: str | None = None) -> MemberTagsPublic:
    """A member's tags and layer; without ``community``, the one community the sender id is in."""
    found = member(session, sender_id, community)
    return member_card(session.connection(), found.community_id,
                       community or session.get(Community, found.community_id).name, sender_id)


def member_card(connection: Connection, community_id: int, community: str, sender_id: str) -> MemberTagsPublic:
    """What /v1/members/{id}/tags answers, rendered from the rows: a community's member with their tags and layer."""
    for member, tags in store.member_card_rows(connection, community_id, sender_id=sender_id):
        return cards.card_of(member, tags, community)
    raise NotFound(f"no member {sender_id!r} in community {community!r}")


def rendered_card(connection: Connection, community_id: int, community: str, sender_id: str) -> tuple[bytes, str]:
    """The body and ETag of a member's card rendered from the rows: what /v1/members/{id}/tags answers when no
    card is stored (a store migrated to cards, 0006, before a run or an ingest wrote the member's)."""
    return cards.render(member_card(connection, community_id, community, sender_id))


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


# --- CRM: API keys, member pages, taxonomy, the tag change feed --------------------------------

def api_key_public(row: ApiKey, community: str) -> ApiKeyPublic:
    return ApiKeyPublic(id=row.id, community=community, prefix=row.prefix, name=row.name,
                        created_at=store.utc(row.created_at), revoked_at=store.utc(row.revoked_at))


def create_api_key(session: Session, community: str, name: str = "") -> tuple[ApiKeyPublic, str]:
    """A new key to an existing community: (its public record, the key itself, shown once)."""
    found = store.community_by_name(session, community)
    if found is None:
        raise NotFound(f"no community named {community!r}")
    row, key = store.create_api_key(session, found, name)
    return api_key_public(row, found.name), key


def api_keys(session: Session, community: str | None = None) -> list[ApiKeyPublic]:
    return [api_key_public(row, name) for row, name in store.api_keys(session, community_id(session, community))]


def revoke_api_key(session: Session, key_id: int) -> ApiKeyPublic:
    row = store.revoke_api_key(session, key_id)
    if row is None:
        raise NotFound(f"no API key {key_id}")
    return api_key_public(row, session.get(Community, row.community_id).name)


def encode_cursor(kind: str, position: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{position}".encode()).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str | None) -> int:
    """The position in an opaque cursor of ``encode_cursor``; 0 (the start) for none."""
    if not cursor:
        return 0
    try:
        name, position = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().split(":")
        if name == kind and int(position) >= 0:
            return int(position)
    except ValueError:  # bad base64, UTF-8 or number
        pass
    raise BadCursor(f"not a {kind} cursor: {cursor!r}")


def _member_items(session: Session, rows: list[tuple[Member, str | None]]) -> list[MemberItem]:
    tags = store.tags_of_members(session, [m.id for m, _ in rows])
    return [MemberItem(member=m.sender_id, display_name=m.display_name, layer=layer, staff=m.staff,
                       first_seen=store.utc(m.first_seen), last_seen=store.utc(m.last_seen),
                       tags=[tag_brief(t) for t in tags[m.id]]) for m, layer in rows]


def tag_brief(tag: MemberTag) -> TagBrief:
    return TagBrief(tag=tag.tag, kind=tag.kind, group=tag.tag_group, score=tag.score)


def members_page(session: Session, community_id: int, cursor: str | None = None, limit: int = 100,
                 layer: str | None = None, tag: str | None = None) -> MembersPage:
    """A page of members (of a layer, with a tag) with their tags, by a stable key."""
    rows = store.member_page(session, community_id, decode_cursor("members", cursor), limit + 1, layer, tag)
    data = _member_items(session, rows[:limit])
    more = len(rows) > limit
    return MembersPage(data=data, count=len(data),
                       next_cursor=encode_cursor("members", rows[limit - 1][0].id) if more else None)


def member_batches(session: Session, community_id: int, layer: str | None = None, tag: str | None = None,
                   batch: int = 1000) -> Iterator[list[MemberItem]]:
    """Every member (of a layer, with a tag), a batch at a time by the stable key: what the exports stream."""
    after = 0
    while rows := store.member_page(session, community_id, after, batch, layer, tag):
        yield _member_items(session, rows)
        after = rows[-1][0].id


EXPORT_COLUMNS = ("member", "display_name", "layer", "tag", "kind", "group", "score", "staff")


def export_members(sessions, community_id: int, format: str = "ndjson", layer: str | None = None,
                   tag: str | None = None) -> Iterator[str]:
    """Every member as NDJSON (a ``MemberItem`` per line) or CSV (a row per member tag; a member without
    tags gets one row with an empty tag), a chunk per batch, read in a session of its own."""
    with sessions() as session:
        if format == "csv":
            yield _csv_lines([EXPORT_COLUMNS])
        for batch in member_batches(session, community_id, layer, tag):
            if format == "ndjson":
                yield "".join(m.model_dump_json() + "\n" for m in batch)
            else:
                yield _csv_lines(((m.member, m.display_name, m.layer or "", t.tag, t.kind, t.group or "", t.score)
                                  if t else (m.member, m.display_name, m.layer or "", "", "", "", "")) + (int(m.staff),)
                                 for m in batch for t in m.tags or [None])


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _spreadsheet(rows) -> str:
    """CSV for a person's spreadsheet program: a byte-order mark (without it Excel reads UTF-8 as the local code
    page), and a text cell that opens like a formula (=, +, -, @: members write what they like) is led by an
    apostrophe, so Excel shows it instead of running it (OWASP, "CSV Injection")."""
    return "\ufeff" + _csv_lines([[f"'{cell}" if isinstance(cell, str) and cell.startswith(FORMULA_STARTS) else cell
                                    for cell in row] for row in rows])


def _csv_lines(rows) -> str:
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return text.getvalue()


def taxonomy(community: str, root: Path) -> TaxonomyPublic:
    from nlp.taxonomy import load_taxonomy

    found = load_taxonomy(community, root)
    groups: dict[str, list[str]] = {}
    for rule in found.tags:
        groups.setdefault(rule.group, []).append(rule.tag)
    return TaxonomyPublic(community=community, groups=[TaxonomyGroup(group=g, tags=t) for g, t in groups.items()],
                          half_life_days=found.half_life_days, min_score=found.min_score, files=list(found.files),
                          wecom_tag_ids=found.wecom_tag_ids)


def changes(session: Session, community_id: int, since: str | None = None, limit: int = 1000) -> ChangesPage:
    """Tag changes after the cursor ``since``, oldest first; each change is on exactly one page."""
    after = decode_cursor("changes", since)
    rows = store.changes_after(session, community_id, after, limit + 1)
    data = [TagChangePublic(member=sender, change=c.change, kind=c.kind, tag=c.tag, group=c.tag_group, score=c.score,
                            previous_score=c.previous_score, run_id=c.run_id, changed_at=store.utc(c.changed_at))
            for c, sender in rows[:limit]]
    last = rows[min(limit, len(rows)) - 1][0].id if rows else after
    return ChangesPage(data=data, count=len(data), next_cursor=encode_cursor("changes", last),
                       has_more=len(rows) > limit)


def mark_tag(session: Session, community_id: int, userid: str, since: str | None = None, limit: int = 1000,
             kinds: tuple[str, ...] = ("taxonomy",), tag_ids: dict[str, str] | None = None) -> MarkTagPage:
    """The page of changes after ``since`` as 企业微信 mark_tag calls, one per member whose tags of these
    kinds were added or removed (a tag added then removed in the page is left alone). With ``tag_ids``
    (tag name -> corp tag id) the calls carry ids, and tags without one are named in ``unmapped_tags``."""
    page = changes(session, community_id, since, limit)
    had: dict[tuple[str, str], bool] = {}  # (member, tag) -> held before the page
    has: dict[tuple[str, str], bool] = {}  # ... and after it
    for change in page.data:
        if change.kind in kinds:
            had.setdefault((change.member, change.tag), change.change != "added")
            has[change.member, change.tag] = change.change != "removed"
    calls: dict[str, MarkTag] = {}
    unmapped: set[str] = set()
    for (member, tag), held in has.items():
        if held == had[member, tag]:
            continue
        if tag_ids is not None and tag not in tag_ids:
            unmapped.add(tag)
            continue
        call = calls.setdefault(member, MarkTag(userid=userid, external_userid=member, add_tag=[], remove_tag=[]))
        (call.add_tag if held else call.remove_tag).append(tag if tag_ids is None else tag_ids[tag])
    data = list(calls.values())
    return MarkTagPage(data=data, count=len(data), next_cursor=page.next_cursor, has_more=page.has_more,
                       unmapped_tags=sorted(unmapped))
