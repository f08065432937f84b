"""Build the app: routes, error handlers, templates. No model is loaded here or in a request."""
from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from api.auth import KeyCache, document_keys
from api.readers import reader
from api.routes import communities, members, pages, tags, themes
from models.db import open_store
from models.settings import Settings, get_settings
from models.views import Ambiguous, BadCursor, NotFound
from nlp.taxonomy import TaxonomyError


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(title="Qunsheng 群声", version="0.1.0",
                  description="Demand themes and member interest tags mined from community group chats.")
    app.state.settings, app.state.sessions = settings, open_store(settings.resolved_database_url)
    app.state.engine, app.state.keys = app.state.sessions.kw["bind"], KeyCache(app.state.sessions)
    app.state.reader = reader(app.state.engine)  # for GET /v1/members/{id}/tags

    @app.get("/health", tags=["health"])
    def read_health() -> dict:
        return {"status": "ok"}

    @app.exception_handler(NotFound)
    def not_found(_request: Request, error: NotFound) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=404)

    @app.exception_handler(Ambiguous)
    @app.exception_handler(BadCursor)
    def bad_request(_request: Request, error: ValueError) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=400)

    @app.exception_handler(TaxonomyError)
    def bad_taxonomy(_request: Request, error: TaxonomyError) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=500)

    # Every /v1 route takes the key's Scope (a test checks them all). Members first: routes are matched
    # in order, and GET /v1/members/{id}/tags is the CRM's hottest.
    for module in (members, tags, themes, communities):
        app.include_router(module.router, prefix="/v1")
    app.include_router(pages.router)
    document_keys(app)
    return app
