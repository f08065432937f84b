from fastapi import APIRouter

from api.deps import SessionDep
from models import views
from models.schemas import CommunitiesPublic

router = APIRouter(tags=["communities"])


@router.get("/communities")
def read_communities(session: SessionDep) -> CommunitiesPublic:
    data = views.communities(session)
    return CommunitiesPublic(data=data, count=len(data))
