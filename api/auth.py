"""API keys: every /v1 route needs one (``Authorization: Bearer KEY`` or ``X-API-Key: KEY``, from
``qunsheng apikey create``) and sees only the data of the key's community."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, status
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from api.deps import SessionDep
from models import store
from models.views import NotFound

bearer = HTTPBearer(auto_error=False, description="`Authorization: Bearer KEY`, a key from `qunsheng apikey create`.")
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="The same key in `X-API-Key: KEY`.")


@dataclass(frozen=True)
class Scope:
    """The community a request's key opens."""

    community_id: int
    community: str

    def check(self, community: str | None) -> None:
        """A ``community`` query parameter may only name the key's own community (others read as missing)."""
        if community not in (None, self.community):
            raise NotFound(f"no community named {community!r}")


def unauthorized(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"})


def read_scope(session: SessionDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
               header_key: Annotated[str | None, Depends(api_key_header)]) -> Scope:
    key = credentials.credentials if credentials is not None else header_key
    if not key:
        raise unauthorized("an API key is needed: Authorization: Bearer KEY or X-API-Key: KEY")
    found = store.key_community(session, store.hash_key(key))
    if found is None:
        raise unauthorized("unknown or revoked API key")
    return Scope(*found)


ScopeDep = Annotated[Scope, Depends(read_scope)]
