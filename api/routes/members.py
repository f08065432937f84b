from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from api.auth import ScopeDep
from api.deps import SessionDep
from api.etag import ETagRoute
from models import views
from models.schemas import MembersPage, MemberTagsPublic

router = APIRouter(tags=["members"], route_class=ETagRoute)

Layer = Literal["koc", "high", "potential", "dormant"]
EXPORT_TYPES = {"ndjson": "application/x-ndjson", "csv": "text/csv; charset=utf-8"}


@router.get("/members")
def read_members(
    session: SessionDep,
    scope: ScopeDep,
    layer: Layer | None = None,
    tag: Annotated[str | None, Query(description="Only members holding this tag (any kind).")] = None,
    cursor: Annotated[str | None, Query(description="next_cursor of the page before.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    community: str | None = None,
) -> MembersPage:
    """The key's community's members with their layer and tags, a page at a time by a stable key:
    members added or updated while paging are neither skipped nor repeated."""
    scope.check(community)
    return views.members_page(session, scope.community_id, cursor, limit, layer, tag)


@router.get("/members/export", response_class=StreamingResponse,
            responses={200: {"content": {kind: {} for kind in EXPORT_TYPES}}})
def export_members(request: Request, scope: ScopeDep, format: Literal["ndjson", "csv"] = "ndjson",
                   layer: Layer | None = None, tag: str | None = None) -> StreamingResponse:
    """Every member, streamed: NDJSON (one member with their tags per line) or CSV (one row per member tag)."""
    lines = views.export_members(request.app.state.sessions, scope.community_id, format, layer, tag)
    return StreamingResponse(lines, media_type=EXPORT_TYPES[format], headers={
        "Content-Disposition": f'attachment; filename="members.{format}"'})


@router.get("/members/{member_id}/tags")
def read_member_tags(session: SessionDep, scope: ScopeDep, member_id: str,
                     community: str | None = None) -> MemberTagsPublic:
    """A member's interest tags (by the sender id of the export), each with evidence message ids and times,
    and their value layer (koc, high, potential, dormant) with its reasons."""
    scope.check(community)
    return views.member_tags(session, member_id, scope.community)
