from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from api.auth import ScopeDep
from api.deps import SessionDep
from api.etag import ETagRoute
from models import views
from models.schemas import ChangesPage, MarkTagPage, TaxonomyPublic

router = APIRouter(tags=["tags"], route_class=ETagRoute)

Since = Annotated[str | None, Query(description="next_cursor of the last page read; none: from the start.")]
Limit = Annotated[int, Query(ge=1, le=5000)]


@router.get("/tags")
def read_tags(request: Request, scope: ScopeDep) -> TaxonomyPublic:
    """The tag taxonomy of the key's community: tag groups and their tags, and how scores decay."""
    return views.taxonomy(scope.community, request.app.state.settings.taxonomy_dir)


@router.get("/changes")
def read_changes(session: SessionDep, scope: ScopeDep, since: Since = None, limit: Limit = 1000) -> ChangesPage:
    """Member tags added, removed or re-scored by nightly runs after the cursor, oldest first: read
    until has_more is false, keep next_cursor, and every change is seen exactly once."""
    return views.changes(session, scope.community_id, since, limit)


@router.get("/changes/mark_tag")
def read_mark_tag(
    request: Request,
    session: SessionDep,
    scope: ScopeDep,
    userid: Annotated[str, Query(description="The operator's 企业微信 userid (the member's owner).")],
    since: Since = None,
    limit: Limit = 1000,
    kind: Annotated[list[Literal["taxonomy", "theme", "keyword"]],
                    Query(description="Tag kinds to push (repeatable).")] = ["taxonomy"],  # noqa: B006
    tag_ids: Annotated[bool, Query(description="Corp tag ids (the taxonomy's wecom_tag_id) instead of names; "
                                               "tags without one are listed in unmapped_tags.")] = False,
) -> MarkTagPage:
    """The same page of changes as 企业微信 externalcontact/mark_tag bodies (userid, external_userid,
    add_tag, remove_tag): tags by name, or with tag_ids by corp tag id, ready to post."""
    ids = views.taxonomy(scope.community, request.app.state.settings.taxonomy_dir).wecom_tag_ids if tag_ids else None
    return views.mark_tag(session, scope.community_id, userid, since, limit, tuple(kind), ids)
