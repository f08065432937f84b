from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import SessionDep
from models import views
from models.schemas import ThemeDetail, ThemesPublic

router = APIRouter(tags=["themes"])


@router.get("/themes")
def read_themes(session: SessionDep, community: str | None = None,
                limit: Annotated[int, Query(ge=1, le=500)] = 100,
                offset: Annotated[int, Query(ge=0)] = 0, include_chat: bool = False) -> ThemesPublic:
    """Active demand themes, most voices (distinct members) first; chit-chat clusters too with include_chat."""
    data = views.themes(session, community, limit, offset, include_chat)
    return ThemesPublic(data=data, count=len(data))


@router.get("/themes/{theme_id}")
def read_theme(session: SessionDep, theme_id: int,
               limit: Annotated[int, Query(ge=1, le=500)] = 50,
               offset: Annotated[int, Query(ge=0)] = 0) -> ThemeDetail:
    """One theme: keywords, quotes, sentiment, voices and a page of its messages."""
    return views.theme_detail(session, theme_id, limit, offset)
