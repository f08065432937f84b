"""The HTTP app over an empty and a small store: routes, errors, OpenAPI, the HTML page."""
from fastapi.testclient import TestClient

from api.main import create_app
from tests.conftest import api_client


def test_empty_store(database_url):
    assert TestClient(create_app()).get("/health").json() == {"status": "ok"}
    page = TestClient(create_app()).get("/")
    assert page.status_code == 200 and "No data yet" in page.text
    client = api_client("empty")
    assert [c["name"] for c in client.get("/v1/communities").json()["data"]] == ["empty"]
    assert client.get("/v1/themes").json() == {"data": [], "count": 0}
    assert client.get("/v1/themes/1").status_code == 404
    missing = client.get("/v1/members/nobody/tags")
    assert missing.status_code == 404 and "nobody" in missing.json()["detail"]
    assert client.get("/v1/themes", params={"community": "nope"}).status_code == 404
    assert client.get("/v1/themes", params={"limit": 0}).status_code == 422


def test_openapi_lists_the_routes(database_url):
    client = TestClient(create_app())
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/health", "/v1/communities", "/v1/themes", "/v1/themes/{theme_id}",
            "/v1/members/{member_id}/tags"} <= set(paths)
    assert client.get("/docs").status_code == 200


def test_sparkline_sums_weeks():
    from api.routes.pages import sparkline

    trend = [(f"2026-10-{d:02d}", 1) for d in range(1, 15)]  # two full weeks of one a day
    assert sparkline(trend, width=100, height=10) == "0.0,0.0 100.0,0.0"
    assert sparkline([]) == ""
