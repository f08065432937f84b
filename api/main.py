"""Build the app: routes, error handlers, templates. No model is loaded here or in a request."""
from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from api.routes import communities, members, pages, themes
from models.db import open_store
from models.settings import Settings, get_settings
from models.views import Ambiguous, NotFound


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(title="Qunsheng 群声", version="0.1.0",
                  description="Demand themes and member interest tags mined from community group chats.")
    app.state.sessions = open_store(settings.resolved_database_url)

    @app.get("/health", tags=["health"])
    def read_health() -> dict:
        return {"status": "ok"}

    @app.exception_handler(NotFound)
    def not_found(_request: Request, error: NotFound) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=404)

    @app.exception_handler(Ambiguous)
    def ambiguous(_request: Request, error: Ambiguous) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=400)

    for module in (communities, themes, members):
        app.include_router(module.router, prefix="/v1")
    app.include_router(pages.router)
    return app
