"""The theme browser for product teams: server-rendered HTML over the same views as the JSON API."""
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api.deps import SessionDep
from models import views
from models.schemas import Lifecycle, ThemeSort

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


@router.get("/", response_class=HTMLResponse)
def read_index(request: Request, session: SessionDep, sort: ThemeSort = "voices", lifecycle: Lifecycle | None = None):
    communities = views.communities(session)
    themes = {c.name: views.themes(session, c.name, sort=sort, limit=500, include_chat=True, lifecycle=lifecycle)
              for c in communities}
    window = next((c.latest_run.parameters.get("trend_window_days") for c in communities if c.latest_run), None)
    return templates.TemplateResponse(request, "index.html", {"communities": communities, "themes": themes,
                                                              "sort": sort, "lifecycle": lifecycle,
                                                              "window": window or 21})


@router.get("/themes/{theme_id}", response_class=HTMLResponse)
def read_theme_page(request: Request, session: SessionDep, theme_id: int, page: int = 1):
    limit = 50
    theme = views.theme_detail(session, theme_id, limit=limit, offset=(max(page, 1) - 1) * limit)
    return templates.TemplateResponse(request, "theme.html", {"theme": theme, "page": max(page, 1), "limit": limit})
