"""ETags on JSON reads: a hash of the body; a request whose If-None-Match names it gets 304 Not Modified."""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from fastapi.routing import APIRoute

from models.cards import etag_of

# Answers depend on the key: shared caches must keep them apart, clients revalidate with If-None-Match.
CACHING = {"Cache-Control": "private, no-cache", "Vary": "Authorization, X-API-Key"}
RAW_CACHING = [(name.lower().encode(), value.encode()) for name, value in CACHING.items()]


def matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return etag in tags or "*" in tags


def with_etag(handler: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    """The handler, its successful GET answers (not streamed ones) carrying an ETag: its own (a stored
    card's) or a hash of the body; 304 when If-None-Match names it."""

    async def answer(request: Request) -> Response:
        response = await handler(request)
        if request.method != "GET" or response.status_code != 200 or not hasattr(response, "body"):
            return response
        etag = response.headers.get("etag")
        if etag is None:
            etag = etag_of(response.body)
            response.raw_headers.append((b"etag", etag.encode()))
        if matches(request.headers.get("if-none-match"), etag):
            return Response(status_code=304, headers={"ETag": etag, **CACHING})
        response.raw_headers.extend(RAW_CACHING)
        return response

    return answer


class ETagRoute(APIRoute):
    """A route whose answers carry ETags (``with_etag``)."""

    def get_route_handler(self):
        return with_etag(super().get_route_handler())


class LeanRoute(APIRoute):
    """A route whose answers carry ETags and whose endpoint is called with the request and its path parameters
    as they came: no dependencies solved, nothing validated (a sizeable share of the hottest route's time).
    The endpoint reads what else it needs itself and returns a Response; OpenAPI still reads its signature."""

    def get_route_handler(self):
        endpoint = self.endpoint

        async def handler(request: Request) -> Response:
            return await endpoint(request, **request.path_params)

        return with_etag(handler)
