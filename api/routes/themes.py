from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from api.auth import ScopeDep
from api.deps import SessionDep
from api.etag import ETagRoute
from models import views
from models.schemas import (Lifecycle, MessageOrder, SentimentBand, ThemeDetail, ThemeMessagesPage, ThemesPublic,
                            ThemeSort, ThemeTrend, VoicedDemand)

router = APIRouter(tags=["themes"], route_class=ETagRoute)

Page = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0)]
Search = Annotated[str | None, Query(max_length=200, description=(
    "Words, split at spaces: only themes whose label, or one of whose messages, holds every one (any case)."))]
MessageSearch = Annotated[str | None, Query(max_length=200, description=(
    "Words, split at spaces: only the messages that hold every one (any case)."))]
SubthemeKey = Annotated[str | None, Query(max_length=32, description=(
    "Only the messages of this sub-theme (its key, from the theme's subthemes); 404 when the theme has none "
    "such tonight."))]
Order = Annotated[MessageOrder, Query(description=(
    "time: oldest first; typical: most like the theme first (its core before the messages joined at its edge)."))]


@router.get("/themes")
def read_themes(
    session: SessionDep,
    scope: ScopeDep,
    group: Annotated[str | None, Query(description="Only themes voiced in this group (its name); each then says "
                                                   "its messages and voices there (matched).")] = None,
    since: Annotated[datetime | None, Query(description="Only themes voiced at or after this time (ISO; without a "
                                                        "zone, UTC); each then says its messages and voices from "
                                                        "then on (matched), and sort=voices ranks by those.")] = None,
    until: Annotated[datetime | None, Query(description="Only themes voiced at or before this time (as since).")] = None,
    lifecycle: Lifecycle | None = None,
    emerging: Annotated[bool | None, Query(description="Only themes whose voices grow fast (or, false, not).")] = None,
    demand_type: Annotated[VoicedDemand | None,
                           Query(description="Only themes mostly voicing this type of demand.")] = None,
    sentiment: Annotated[SentimentBand | None,
                         Query(description="Mean sentiment below -0.1, between, or at least 0.1.")] = None,
    sort: Annotated[ThemeSort,
                    Query(description="voices: distinct members; growth: recent window against the one before; "
                                      "negativity: share of negative messages; recent: last voiced.")] = "voices",
    include_chat: bool = False,
    q: Search = None,
    hidden: Annotated[bool, Query(description="true: only the themes the product team hid (left out otherwise).")] = False,
    limit: Page = 100,
    offset: Offset = 0,
) -> ThemesPublic:
    """The key's community's active demand themes, filtered and sorted; chit-chat clusters too with include_chat."""
    data = views.themes(session, scope.community, sort=sort, limit=limit, offset=offset, group=group, since=since,
                        until=until, lifecycle=lifecycle, emerging=emerging, demand_type=demand_type,
                        sentiment=sentiment, include_chat=include_chat, search=q, hidden=hidden)
    return ThemesPublic(data=data, count=len(data))


@router.get("/themes/{theme_id}")
def read_theme(session: SessionDep, scope: ScopeDep, theme_id: int,
               limit: Annotated[int, Query(ge=1, le=500)] = 50, offset: Offset = 0,
               q: MessageSearch = None, subtheme: SubthemeKey = None, order: Order = "time") -> ThemeDetail:
    """One theme: label, keywords, quotes, sentiment, voices, lifecycle, its sub-themes and a page of its messages."""
    return views.theme_detail(session, theme_id, limit, offset, scope.community_id, search=q, subtheme=subtheme,
                              order=order)


@router.get("/themes/{theme_id}/trend")
def read_theme_trend(session: SessionDep, scope: ScopeDep, theme_id: int) -> ThemeTrend:
    """The theme's daily series: messages, voices (distinct members) and mean sentiment per day."""
    return views.theme_trend(session, theme_id, scope.community_id)


@router.get("/themes/{theme_id}/messages")
def read_theme_messages(session: SessionDep, scope: ScopeDep, theme_id: int,
                        limit: Annotated[int, Query(ge=1, le=500)] = 50, offset: Offset = 0,
                        q: MessageSearch = None,
                        group: Annotated[str | None, Query(description="Only its messages in this group.")] = None,
                        since: Annotated[datetime | None, Query(description="Only its messages sent at or after "
                                                                            "this time (without a zone, UTC).")] = None,
                        until: Annotated[datetime | None, Query(description="Only its messages sent at or before "
                                                                            "this time.")] = None,
                        subtheme: SubthemeKey = None, order: Order = "time",
                        ) -> ThemeMessagesPage:
    """The theme's messages, oldest first (or most typical first), a page at a time (``total`` says how many
    there are); the same group and window as a ``/v1/themes`` call give the messages its ``matched`` counted."""
    return views.theme_messages(session, theme_id, limit, offset, scope.community_id, search=q, group=group,
                                since=since, until=until, subtheme=subtheme, order=order)
