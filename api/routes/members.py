from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

from api.auth import ScopeDep, read_scope
from api.deps import SessionDep
from api.etag import ETagRoute, LeanRoute
from models import views
from models.schemas import MembersPage, MemberTagsPublic

router = APIRouter(tags=["members"], route_class=ETagRoute)

Layer = Literal["koc", "high", "potential", "dormant"]
EXPORT_TYPES = {"ndjson": "application/x-ndjson", "csv": "text/csv; charset=utf-8"}


async def read_member_tags(request: Request, member_id: str) -> Response:
    """A member's interest tags (by the sender id of the export), each with evidence message ids and times,
    and their value layer (koc, high, potential, dormant) with its reasons.

    The CRM's hottest read, kept lean (benchmarks/crm.py): the key read without a dependency's overhead, then
    the member's card as the last run or ingest rendered it (one primary-key read on the reader's own
    connection, on the event loop: cheaper than a thread hop)."""
    scope, reader = await read_scope(request), request.app.state.reader
    card = await reader.member_card(scope.community_id, member_id) or reader.run(
        lambda connection: views.rendered_card(connection, scope.community_id, scope.community, member_id))
    return Response(card[0], media_type="application/json", headers={"ETag": card[1]})


router.add_api_route("/members/{member_id}/tags", read_member_tags, methods=["GET"], response_model=MemberTagsPublic,
                     route_class_override=LeanRoute)


@router.get("/members")
def read_members(
    session: SessionDep,
    scope: ScopeDep,
    layer: Layer | None = None,
    tag: Annotated[str | None, Query(description="Only members holding this tag (any kind).")] = None,
    cursor: Annotated[str | None, Query(description="next_cursor of the page before.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> MembersPage:
    """The key's community's members with their layer and tags, a page at a time by a stable key:
    members added or updated while paging are neither skipped nor repeated."""
    return views.members_page(session, scope.community_id, cursor, limit, layer, tag)


@router.get("/members/export", response_class=StreamingResponse,
            responses={200: {"content": {kind: {} for kind in EXPORT_TYPES}}})
def export_members(request: Request, scope: ScopeDep, format: Literal["ndjson", "csv"] = "ndjson",
                   layer: Layer | None = None, tag: str | None = None) -> StreamingResponse:
    """Every member, streamed: NDJSON (one member with their tags per line) or CSV (one row per member tag)."""
    lines = views.export_members(request.app.state.sessions, scope.community_id, format, layer, tag)
    return StreamingResponse(lines, media_type=EXPORT_TYPES[format], headers={
        "Content-Disposition": f'attachment; filename="members.{format}"'})
