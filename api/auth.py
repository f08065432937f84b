"""API keys: every /v1 route needs one (``Authorization: Bearer KEY`` or ``X-API-Key: KEY``, from
``qunsheng apikey create``) and sees only the data of the key's community."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.openapi.utils import get_openapi

from models import store
from models.views import NotFound

# A live key's scope is remembered this long: a revoked key stops working within it.
KEY_CACHE_SECONDS = 5.0

# What /docs shows (the headers are read in read_scope itself: FastAPI's security classes cost a
# sizeable share of the hottest route's time).
SECURITY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer", "description": "A key from `qunsheng apikey create`."},
    "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key", "description": "The same key."},
}


@dataclass(frozen=True)
class Scope:
    """The community a request's key opens."""

    community_id: int
    community: str


class KeyCache:
    """Key hash -> Scope of live keys, each for ``seconds`` after it was read from the store."""

    def __init__(self, sessions, seconds: float = KEY_CACHE_SECONDS):
        self.sessions, self.seconds = sessions, seconds
        self.scopes: dict[str, tuple[Scope, float]] = {}

    def get(self, key_hash: str) -> Scope | None:
        scope, until = self.scopes.get(key_hash, (None, 0.0))
        return scope if time.monotonic() < until else None

    def load(self, key_hash: str) -> Scope | None:
        with self.sessions() as session:
            found = store.key_community(session, key_hash)
        if found is None:
            self.scopes.pop(key_hash, None)
            return None
        if len(self.scopes) > 10_000:  # keys are few; this only bounds memory
            self.scopes.clear()
        self.scopes[key_hash] = (Scope(*found), time.monotonic() + self.seconds)
        return self.scopes[key_hash][0]


def unauthorized(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"})


async def read_scope(request: Request) -> Scope:
    """The key's scope: ``Authorization: Bearer KEY`` or ``X-API-Key: KEY``, else 401. A ``community``
    query parameter (any route) may only name the key's own community: others read as missing (404)."""
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    key = key.strip() if scheme.lower() == "bearer" else request.headers.get("x-api-key")
    if not key:
        raise unauthorized("an API key is needed: Authorization: Bearer KEY or X-API-Key: KEY")
    keys, key_hash = request.app.state.keys, store.hash_key(key)
    scope = keys.get(key_hash) or await run_in_threadpool(keys.load, key_hash)
    if scope is None:
        raise unauthorized("unknown or revoked API key")
    if (named := request.query_params.get("community")) not in (None, scope.community):
        raise NotFound(f"no community named {named!r}")
    return scope


def document_keys(app: FastAPI) -> None:
    """List the key headers in the OpenAPI document, on every /v1 route."""

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            schema.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
            for path, operations in schema["paths"].items():
                for operation in operations.values() if path.startswith("/v1/") else ():
                    operation["security"] = [{name: []} for name in SECURITY_SCHEMES]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi


ScopeDep = Annotated[Scope, Depends(read_scope)]
