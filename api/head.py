"""HEAD answered as GET without its body: FastAPI answers HEAD on a GET route with 405, and HEAD is what an
uptime check or ``curl -I`` sends to the theme browser, its spreadsheets and the API."""
from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class _Answered(Exception):
    """A streamed GET's headers went out: the rest of its body (a whole member export) is not read."""


class HeadAsGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:  # GET's status and headers (its length too), no body
            if message["type"] != "http.response.body":
                await send(message)
                return
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            if message.get("more_body", False):
                raise _Answered

        try:
            await self.app(dict(scope, method="GET"), receive, headers_only)
        except _Answered:
            pass
