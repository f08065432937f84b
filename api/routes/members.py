from fastapi import APIRouter

from api.auth import ScopeDep
from api.deps import SessionDep
from models import views
from models.schemas import MemberTagsPublic

router = APIRouter(tags=["members"])


@router.get("/members/{member_id}/tags")
def read_member_tags(session: SessionDep, scope: ScopeDep, member_id: str,
                     community: str | None = None) -> MemberTagsPublic:
    """A member's interest tags (by the sender id of the export), each with evidence message ids and times,
    and their value layer (koc, high, potential, dormant) with its reasons."""
    scope.check(community)
    return views.member_tags(session, member_id, scope.community)
