"""The theme browser for product teams: server-rendered HTML over the same views as the JSON API."""
import re
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, TypeVar, get_args
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from pydantic import BeforeValidator

from api.auth import Scope
from api.deps import SessionDep
from models import store, views
from models.schemas import Lifecycle, MessageOrder, SentimentBand, ThemeSort, VoicedDemand
from models.settings import get_settings

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).resolve().parents[1] / "templates")


def sparkline(trend: list[tuple[str, int]], width: int = 160, height: int = 28, bucket_days: int = 7) -> str:
    """SVG polyline points for a daily series, summed per week so the shape reads at a glance."""
    counts = [n for _, n in trend]
    buckets = [sum(counts[i:i + bucket_days]) for i in range(0, len(counts), bucket_days)]
    if not buckets:
        return ""
    top = max(buckets) or 1
    step = width / max(1, len(buckets) - 1)
    return " ".join(f"{i * step:.1f},{height - n / top * height:.1f}" for i, n in enumerate(buckets))


templates.env.filters["sparkline"] = sparkline


def marked(text: str, search: str | None) -> Markup:
    """``text`` escaped, with each word of ``search`` in it (any case) wrapped in <mark>."""
    terms = store.search_terms(search)
    if not terms:
        return escape(text)
    pattern = re.compile("|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True)), re.IGNORECASE)
    parts = pattern.split(text)
    found = pattern.findall(text)
    return Markup("").join([escape(parts[0]), *(Markup("<mark>%s</mark>") % hit + escape(rest)
                                               for hit, rest in zip(found, parts[1:]))])


templates.env.filters["marked"] = marked


def _blank_is_none(value: object) -> object:
    return None if value == "" else value  # a filter form sends the fields left alone as ""


T = TypeVar("T")
Blank = Annotated[T | None, BeforeValidator(_blank_is_none)]  # an optional filter; "" means not chosen


# --- signing in (QUNSHENG_BROWSER_KEYS=true): an API key kept in a cookie opens its community ---

KEY_COOKIE = "qunsheng_key"
OPEN = Scope(0, "")  # the browser without keys: every community


def viewer(request: Request) -> Scope | None:
    """Whom the page is for: OPEN when the browser needs no key, else the scope of the cookie's key
    (None: sign in first)."""
    if not request.app.state.settings.browser_keys:
        return OPEN
    key = request.cookies.get(KEY_COOKIE)
    if not key:
        return None
    keys, key_hash = request.app.state.keys, store.hash_key(key)
    return keys.get(key_hash) or keys.load(key_hash)


TITLES = {400: "请求有误 Bad request", 404: "未找到 Not found", 422: "请求有误 Bad request"}


def wants_page(request: Request) -> bool:
    """Whether an error should come back as a page: a browser asking for one of the theme browser's
    own addresses (the JSON API, its docs and /health keep their JSON)."""
    return (not request.url.path.startswith(("/v1/", "/docs", "/openapi", "/health"))
            and "text/html" in request.headers.get("accept", ""))


def error_page(request: Request, status_code: int, lines: list[str]) -> HTMLResponse:
    title = TITLES.get(status_code, f"出错了 Error {status_code}")
    return templates.TemplateResponse(request, "error.html", {"title": title, "lines": lines},
                                      status_code=status_code)


def sign_in_page(request: Request, error: str | None = None) -> HTMLResponse:
    return templates.TemplateResponse(request, "sign_in.html", {"error": error}, status_code=401)


@router.post("/sign-in", response_class=HTMLResponse)
async def sign_in(request: Request):
    """The key from the sign-in form (application/x-www-form-urlencoded), kept in an HttpOnly cookie."""
    key = (parse_qs((await request.body()).decode("utf-8", "replace")).get("key") or [""])[0].strip()
    if not key or await run_in_threadpool(request.app.state.keys.load, store.hash_key(key)) is None:
        return sign_in_page(request, "unknown or revoked API key")
    signed_in = RedirectResponse("/", status_code=303)
    signed_in.set_cookie(KEY_COOKIE, key, max_age=30 * 86400, httponly=True, samesite="strict",
                         secure=request.url.scheme == "https")
    return signed_in


@router.post("/sign-out")
def sign_out():
    signed_out = RedirectResponse("/", status_code=303)
    signed_out.delete_cookie(KEY_COOKIE)
    return signed_out


# --- pages -------------------------------------------------------------------------------------

@dataclass
class Chosen:
    """The index's filter form as the query string gives it; a field left alone comes as ""."""

    sort: Blank[ThemeSort] = None
    community: Blank[str] = None
    group: Blank[str] = None
    since: Blank[date] = None
    until: Blank[date] = None
    lifecycle: Blank[Lifecycle] = None
    demand_type: Blank[VoicedDemand] = None
    sentiment: Blank[SentimentBand] = None
    emerging: Blank[bool] = None
    q: Annotated[Blank[str], Query(max_length=200)] = None

    def __post_init__(self):
        self.sort, self.q = self.sort or "voices", searched(self.q)


@dataclass
class Within:
    """The part of a theme's messages its page and spreadsheet show: the index's search, group and days, or
    one of its sub-themes."""

    q: Annotated[Blank[str], Query(max_length=200)] = None
    group: Blank[str] = None
    since: Blank[date] = None
    until: Blank[date] = None
    subtheme: Annotated[Blank[str], Query(max_length=32)] = None
    order: Blank[MessageOrder] = None  # none: oldest first

    def __post_init__(self):
        self.q = searched(self.q)

    def filters(self) -> dict:
        since, until = views.day_bounds(self.since, self.until, get_settings().timezone)
        return {"search": self.q, "group": self.group, "since": since, "until": until, "subtheme": self.subtheme,
                "order": self.order or "time"}

    def query(self, **changes) -> str:
        """As a query string ("" when it is all of them), for the links that keep it (with ``changes``)."""
        return urlencode({k: v for k, v in (asdict(self) | changes).items() if v is not None})

    def narrowed(self) -> bool:
        """Whether it shows part of the theme's messages (not merely in another order)."""
        return any((self.q, self.group, self.since, self.until, self.subtheme))


WithinDep = Annotated[Within, Depends()]


def searched(q: str | None) -> str | None:
    """A search as typed, or None when it holds no word."""
    return q.strip() if q and q.strip() else None


ChosenDep = Annotated[Chosen, Depends()]


def listed(session, scope: Scope, chosen: Chosen) -> tuple[list, list, dict]:
    """(the communities the viewer may see, those chosen, the chosen themes of each, chit-chat included)."""
    everything = [c for c in views.communities(session) if scope is OPEN or c.name == scope.community]
    communities = [c for c in everything if chosen.community in (None, c.name)]
    if chosen.community and not communities:
        raise views.NotFound(f"no community named {chosen.community!r}")
    start, end = views.day_bounds(chosen.since, chosen.until, get_settings().timezone)
    filters = {"group": chosen.group, "since": start, "until": end, "lifecycle": chosen.lifecycle,
               "demand_type": chosen.demand_type, "sentiment": chosen.sentiment, "emerging": chosen.emerging,
               "search": chosen.q}
    themes = {c.name: views.themes(session, c.name, sort=chosen.sort, limit=500, include_chat=True, **filters)
              for c in communities}
    return everything, communities, themes


def hidden_themes(session, communities: list) -> dict:
    """Each community's hidden themes, whatever the filters: the few a product team chose to put away."""
    return {c.name: views.themes(session, c.name, limit=500, include_chat=True, hidden=True) for c in communities}


@router.get("/", response_class=HTMLResponse)
def read_index(request: Request, session: SessionDep, chosen: ChosenDep):
    if (scope := viewer(request)) is None:
        return sign_in_page(request)
    everything, communities, themes = listed(session, scope, chosen)
    groups = {c.name: views.groups(session, c.name) for c in communities}
    window = next((c.latest_run.parameters.get("trend_window_days") for c in communities if c.latest_run), None)
    return templates.TemplateResponse(request, "index.html", {
        "signed_in": scope is not OPEN, "communities": communities, "names": [c.name for c in everything],
        "themes": themes, "hidden": hidden_themes(session, communities), "groups": groups, "chosen": asdict(chosen),
        "query": request.url.query, "theme_query": Within(chosen.q, chosen.group, chosen.since, chosen.until).query(),
        "filtered": any(v is not None for k, v in asdict(chosen).items() if k != "sort"), "window": window or 21,
        "choices": {"sort": get_args(ThemeSort), "lifecycle": get_args(Lifecycle),
                    "demand_type": get_args(VoicedDemand), "sentiment": get_args(SentimentBand)}})


@router.post("/themes/{theme_id}/hide")
def hide_theme(request: Request, theme_id: int):
    """The product team hides a theme that is not about what the community is for (快递放错): it leaves the
    lists, the digest and, from the next night, member tags, and stays hidden while the theme keeps its id."""
    return _set_hidden(request, theme_id, True)


@router.post("/themes/{theme_id}/unhide")
def unhide_theme(request: Request, theme_id: int):
    return _set_hidden(request, theme_id, False)


def _set_hidden(request: Request, theme_id: int, hidden: bool):
    if (scope := viewer(request)) is None:
        return sign_in_page(request)
    with request.app.state.sessions.begin() as session:
        views.hide_theme(session, theme_id, hidden, None if scope is OPEN else scope.community_id)
    return RedirectResponse(f"/themes/{theme_id}", status_code=303)


@router.get("/themes.csv")
def read_themes_csv(request: Request, session: SessionDep, chosen: ChosenDep):
    """The demand themes the index shows for the same query, as a spreadsheet (UTF-8 with a byte-order mark)."""
    if (scope := viewer(request)) is None:
        return sign_in_page(request)
    _, communities, themes = listed(session, scope, chosen)
    rows = [t for c in communities for t in themes[c.name] if t.is_demand]
    return Response(views.themes_csv(session, rows, get_settings().timezone), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="qunsheng-themes.csv"'})


@router.get("/themes/{theme_id}/messages.csv")
def read_theme_messages_csv(request: Request, session: SessionDep, theme_id: int, within: WithinDep):
    """All the theme's messages (with a search, group or days, those the theme page shows) as a spreadsheet."""
    if (scope := viewer(request)) is None:
        return sign_in_page(request)
    text = views.theme_messages_csv(session, theme_id, get_settings().timezone,
                                    None if scope is OPEN else scope.community_id, **within.filters())
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="qunsheng-theme-{theme_id}.csv"'})


@router.get("/themes/{theme_id}", response_class=HTMLResponse)
def read_theme_page(request: Request, session: SessionDep, theme_id: int, within: WithinDep, page: int = 1):
    """The theme; with the index's search, group or days, its messages that hold every word of the search, in
    that group, on those days."""
    if (scope := viewer(request)) is None:
        return sign_in_page(request)
    limit = 50
    theme = views.theme_detail(session, theme_id, limit=limit, offset=(max(page, 1) - 1) * limit,
                               community_id=None if scope is OPEN else scope.community_id, **within.filters())
    return templates.TemplateResponse(request, "theme.html", {
        "theme": theme, "page": max(page, 1), "limit": limit, "signed_in": scope is not OPEN, "q": within.q,
        "within": within, "within_query": within.query()})
