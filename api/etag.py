"""ETags on JSON reads: a hash of the body; a request whose If-None-Match names it gets 304 Not Modified."""
from __future__ import annotations

import hashlib

from fastapi import Request, Response
from fastapi.routing import APIRoute

# Answers depend on the key: shared caches must keep them apart, clients revalidate with If-None-Match.
CACHING = {"Cache-Control": "private, no-cache", "Vary": "Authorization, X-API-Key"}
RAW_CACHING = [(name.lower().encode(), value.encode()) for name, value in CACHING.items()]


def etag_of(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return etag in tags or "*" in tags


class ETagRoute(APIRoute):
    """A route whose successful GET answers (not streamed ones) carry an ETag: the handler's own (a
    cached answer's) or a hash of the body."""

    def get_route_handler(self):
        handler = super().get_route_handler()

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
