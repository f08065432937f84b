from fastapi import APIRouter

from api.auth import ScopeDep
from api.deps import SessionDep
from api.etag import ETagRoute
from models import views
from models.schemas import CommunitiesPublic

router = APIRouter(tags=["communities"], route_class=ETagRoute)


@router.get("/communities")
def read_communities(session: SessionDep, scope: ScopeDep) -> CommunitiesPublic:
    """The key's community with its message and member counts and its latest run."""
    data = [c for c in views.communities(session) if c.id == scope.community_id]
    return CommunitiesPublic(data=data, count=len(data))
