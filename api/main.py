"""Build the app: routes, error handlers, templates. No model is loaded here or in a request."""
from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.auth import KeyCache, document_keys
from api.head import HeadAsGet
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

    def answer(request: Request, status_code: int, detail: str) -> Response:
        if pages.wants_page(request):
            return pages.error_page(request, status_code, [detail])
        return JSONResponse({"detail": detail}, status_code=status_code)

    @app.exception_handler(NotFound)
    def not_found(request: Request, error: NotFound) -> Response:
        return answer(request, 404, str(error))

    @app.exception_handler(Ambiguous)
    @app.exception_handler(BadCursor)
    def bad_request(request: Request, error: ValueError) -> Response:
        return answer(request, 400, str(error))

    @app.exception_handler(TaxonomyError)
    def bad_taxonomy(request: Request, error: TaxonomyError) -> Response:
        return answer(request, 500, str(error))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if pages.wants_page(request) and error.status_code in (404, 405):
            return pages.error_page(request, error.status_code, [f"no page at {request.url.path}"])
        return await http_exception_handler(request, error)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
        if pages.wants_page(request):  # "since: Input should be a valid date ..." per field
            return pages.error_page(request, 422, [f"{'.'.join(map(str, e['loc'][1:]))}: {e['msg']} "
                                                   f"({e.get('input')!r})" for e in error.errors()])
        return await request_validation_exception_handler(request, error)

    # Every /v1 route takes the key's Scope (a test checks them all). Members first: routes are matched
    # in order, and GET /v1/members/{id}/tags is the CRM's hottest.
    for module in (members, tags, themes, communities):
        app.include_router(module.router, prefix="/v1")
    app.include_router(pages.router)
    document_keys(app)
    app.add_middleware(HeadAsGet)
    return app
