"""The theme browser's filter form: the same filters as /v1/themes, as a product manager submits them."""
import codecs
import csv
import io
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.main import create_app
from flows.sources import MessageRecord
from models import store
from models.tables import Theme
from tests.api.crm_seed import T0
from tests.api.test_theme_filters import seed

EVERY_FIELD_LEFT_ALONE = {"sort": "voices", "community": "", "group": "", "since": "", "until": "", "lifecycle": "",
                          "demand_type": "", "sentiment": ""}


def shown(page: str) -> set[str]:
    """The demand themes in the page's tables (links to /themes/N)."""
    table = page.split("<table>", 1)[1].split("</table>", 1)[0] if "<table>" in page else ""
    return set(re.findall(r'<a href="/themes/\d+(?:\?[^"]*)?">([^<]+)</a>', table))


def spreadsheet(response) -> list[dict]:
    """The rows of a /themes.csv download, checked to open in Excel (UTF-8 with a byte-order mark)."""
    assert response.status_code == 200 and response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(codecs.BOM_UTF8) and "attachment" in response.headers["content-disposition"]
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.fixture
def client(sessions):
    seed(sessions)
    return TestClient(create_app())


@pytest.mark.parametrize("fields, expected", [
    ({}, {"低因", "湿疹", "辅食"}),
    ({"group": "宝妈群"}, {"湿疹", "辅食"}),
    ({"since": "2026-10-03"}, {"湿疹", "辅食"}),  # 低因 was last voiced on 2 October
    ({"until": "2026-10-02"}, {"低因"}),  # the whole local day counts; 湿疹 starts on the 3rd
    ({"since": "2026-10-03", "until": "2026-10-04", "group": "宝妈群"}, {"湿疹"}),
    ({"demand_type": "complaint"}, {"湿疹"}),
    ({"sentiment": "negative"}, {"湿疹"}),
    ({"lifecycle": "new"}, {"辅食"}),
    ({"emerging": "true"}, {"湿疹", "辅食"}),
    ({"community": "c", "demand_type": "need"}, {"低因"}),
])
def test_the_filter_form_narrows_the_themes(client, fields, expected):
    response = client.get("/", params={**EVERY_FIELD_LEFT_ALONE, **fields})
    assert response.status_code == 200
    assert shown(response.text) == expected
    for name, value in fields.items():  # the form shows what was chosen
        assert re.search(rf'(name="{name}"[^>]*value="{value}"|<option( value="{value}")? selected>{value}<|'
                         rf'value="{value}" selected|value="{value}" checked)', response.text), name


def test_a_filter_that_matches_nothing_says_so_and_offers_to_clear(client):
    page = client.get("/", params={"group": "咖啡群", "sentiment": "negative"}).text
    assert shown(page) == set() and "No demand theme matches these filters" in page and "清除 clear" in page


def test_bad_filters_are_refused_with_the_reason(client):
    assert client.get("/", params={"community": "nope"}).status_code == 404
    bad_day = client.get("/", params={"since": "3 October"})
    assert bad_day.status_code == 422 and "since" in bad_day.text
    assert client.get("/", params={"demand_type": "gossip"}).status_code == 422


@pytest.mark.parametrize("path, params, status, says", [
    ("/", {"community": "nope"}, 404, "no community named &#39;nope&#39;"),
    ("/", {"since": "3 October"}, 422, "since: Input should be a valid date"),
    ("/themes/99999", {}, 404, "no theme 99999"),
    ("/themes/abc", {}, 422, "theme_id: Input should be a valid integer"),
    ("/no-such-page", {}, 404, "no page at /no-such-page"),
])
def test_a_browser_is_answered_with_a_page_and_a_way_back(client, path, params, status, says):
    page = client.get(path, params=params, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.status_code == status and page.headers["content-type"].startswith("text/html")
    assert says in page.text and '<a href="/">' in page.text
    as_json = client.get(path, params=params)  # a script asking without text/html gets JSON, as before
    assert as_json.status_code == status and "detail" in as_json.json()
    api = client.get("/v1/themes/99999", headers={"Accept": "text/html"})  # the API answers JSON to anyone
    assert api.headers["content-type"] == "application/json"


def test_the_index_downloads_the_themes_it_shows_as_a_spreadsheet(client):
    page = client.get("/", params={"group": "宝妈群", "sort": "growth"}).text
    assert 'href="/themes.csv?group=%E5%AE%9D%E5%A6%88%E7%BE%A4&amp;sort=growth"' in page
    rows = spreadsheet(client.get("/themes.csv", params={"group": "宝妈群", "sort": "growth"}))
    assert [row["label"] for row in rows] == ["湿疹", "辅食"]  # the page's filter and order
    eczema = rows[0]
    assert eczema["community"] == "c" and eczema["keywords"] == "湿疹" and eczema["voices"] == "2"
    assert (eczema["koc_voices"], eczema["potential_voices"]) == ("0", "0")  # no run layered its members
    assert eczema["demand_type"] == "complaint" and eczema["negative_share"] == "1.0" and eczema["lifecycle"] == "growing"
    assert eczema["emerging"] == "1" and eczema["first_seen"] == "2026-10-03" and eczema["last_seen"] == "2026-10-04"
    assert eczema["quotes"] == "湿疹好难受"
    assert [row["label"] for row in spreadsheet(client.get("/themes.csv"))] == ["低因", "湿疹", "辅食"]
    assert [row["label"] for row in spreadsheet(client.get("/themes.csv", params={"q": "DHA"}))] == ["辅食"]
    assert spreadsheet(client.get("/themes.csv", params={"group": "咖啡群", "sentiment": "negative"})) == []
    assert client.get("/themes.csv", params={"sentiment": "gloomy"}).status_code == 422


def test_a_theme_page_downloads_its_messages_as_a_spreadsheet(client, sessions):
    with sessions() as session:
        eczema = session.scalar(select(Theme.id).where(Theme.label == "湿疹"))
    assert f'href="/themes/{eczema}/messages.csv"' in client.get(f"/themes/{eczema}").text
    rows = spreadsheet(client.get(f"/themes/{eczema}/messages.csv"))
    assert [row["text"] for row in rows] == ["湿疹好难受", "湿疹反复"]  # every message, oldest first
    assert rows[0]["theme"] == "湿疹" and rows[0]["group"] == "宝妈群" and rows[0]["member_id"] == "u3"
    assert rows[0]["time"] == "2026-10-03 17:00"  # T0 (09:00 UTC) + 2 days, in Asia/Shanghai
    assert 'href="/themes/{}/messages.csv?q=%E5%8F%8D%E5%A4%8D"'.format(eczema) in client.get(
        f"/themes/{eczema}", params={"q": "反复"}).text  # a search on the page narrows the download too
    assert [row["text"] for row in spreadsheet(client.get(f"/themes/{eczema}/messages.csv", params={"q": "反复"}))] == [
        "湿疹反复"]
    assert client.get("/themes/999/messages.csv").status_code == 404


def test_the_product_team_hides_a_theme_and_shows_it_again(client, sessions):
    with sessions() as session:
        eczema = session.scalar(select(Theme.id).where(Theme.label == "湿疹"))
    hidden = client.post(f"/themes/{eczema}/hide", follow_redirects=False)
    assert hidden.status_code == 303 and hidden.headers["location"] == f"/themes/{eczema}"
    page = client.get("/").text
    assert shown(page) == {"低因", "辅食"} and "已隐藏 Hidden (1)" in page and f'<a href="/themes/{eczema}">湿疹</a>' in page
    assert [row["label"] for row in spreadsheet(client.get("/themes.csv"))] == ["低因", "辅食"]
    detail = client.get(f"/themes/{eczema}").text
    assert "已隐藏 Hidden by the product team" in detail and f'action="/themes/{eczema}/unhide"' in detail
    assert client.post(f"/themes/{eczema}/unhide").status_code == 200  # redirected to the theme's page
    assert shown(client.get("/").text) == {"低因", "湿疹", "辅食"} and "已隐藏" not in client.get("/").text
    assert f'action="/themes/{eczema}/hide"' in client.get(f"/themes/{eczema}").text
    assert client.post("/themes/999/hide").status_code == 404


def test_with_browser_keys_the_page_asks_for_a_key_and_shows_only_its_community(sessions, monkeypatch):
    themes = seed(sessions)
    with sessions.begin() as session:
        store.Ingester(session, "d").add([MessageRecord("群", "v1", "v1", T0, "别的社群", "d1")])
        _, key_c = store.create_api_key(session, store.community_by_name(session, "c"))
        _, key_d = store.create_api_key(session, store.community_by_name(session, "d"))
    monkeypatch.setenv("QUNSHENG_BROWSER_KEYS", "true")
    browser = TestClient(create_app())
    asked = browser.get("/")
    assert asked.status_code == 401 and 'action="/sign-in"' in asked.text and "低因" not in asked.text
    assert browser.get(f"/themes/{themes['decaf']}").status_code == 401
    assert browser.get("/themes.csv").status_code == 401
    assert browser.get(f"/themes/{themes['decaf']}/messages.csv").status_code == 401
    assert browser.post(f"/themes/{themes['decaf']}/hide").status_code == 401
    wrong = browser.post("/sign-in", data={"key": "qs_nope"})
    assert wrong.status_code == 401 and "unknown or revoked API key" in wrong.text

    signed_in = browser.post("/sign-in", data={"key": key_c}, follow_redirects=False)
    assert signed_in.status_code == 303 and "httponly" in signed_in.headers["set-cookie"].lower()
    page = browser.get("/")
    assert page.status_code == 200 and shown(page.text) == {"低因", "湿疹", "辅食"} and "<h2>d</h2>" not in page.text
    assert browser.get("/", params={"community": "d"}).status_code == 404
    assert browser.get(f"/themes/{themes['decaf']}").status_code == 200

    assert [row["label"] for row in spreadsheet(browser.get("/themes.csv"))] == ["低因", "湿疹", "辅食"]
    browser.post("/sign-in", data={"key": key_d})  # another community's key sees none of c's themes
    assert spreadsheet(browser.get("/themes.csv")) == []
    assert browser.get(f"/themes/{themes['decaf']}/messages.csv").status_code == 404  # another community's theme
    assert browser.post(f"/themes/{themes['decaf']}/hide").status_code == 404  # another community's theme
    assert "<h2>d</h2>" in browser.get("/").text and browser.get(f"/themes/{themes['decaf']}").status_code == 404
    browser.post("/sign-out")
    assert browser.get("/").status_code == 401


def test_without_browser_keys_the_page_needs_no_key(client):
    page = client.get("/")
    assert page.status_code == 200 and shown(page.text) == {"低因", "湿疹", "辅食"} and "Sign out" not in page.text


def test_head_is_answered_as_get_without_a_body(client, sessions):
    """What an uptime check or `curl -I` sends: the GET's status and headers, no body."""
    with sessions() as session:
        eczema = session.scalar(select(Theme.id).where(Theme.label == "湿疹"))
    for path in ("/health", "/", f"/themes/{eczema}", "/themes.csv", f"/themes/{eczema}/messages.csv"):
        got, head = client.get(path), client.head(path)
        assert head.status_code == got.status_code == 200 and head.content == b"", path
        assert head.headers["content-type"] == got.headers["content-type"], path
        assert head.headers["content-length"] == str(len(got.content)), path
    assert client.head("/themes/999").status_code == 404
    assert client.head("/hide").status_code == 404 and client.head("/", params={"since": "x"}).status_code == 422
