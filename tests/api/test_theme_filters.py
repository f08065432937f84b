"""/v1/themes filters and sorts, /trend and /messages over a small store written by the store functions."""
import csv
import io
import json
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.main import create_app
from flows.cli import app as cli_app
from flows.sources import MessageRecord
from models import store
from nlp.layers import MemberLayer
from nlp.records import Theme
from nlp.track import Activity
from tests.conftest import api_client

T0 = datetime(2026, 10, 1, 9, tzinfo=UTC)


def theme(label, ids, members, sentiment, demand_type, series):
    first, last = (datetime.fromisoformat(series[i][0]).replace(hour=9, tzinfo=UTC) for i in (0, -1))
    return Theme(label=label, keywords=[label], message_ids=ids, member_ids=members, quotes=ids[:1],
                 sentiment=sentiment, first_seen=first, last_seen=last, trend=series,
                 scores=[1.0] * len(ids), demand_share=1.0, demand_type=demand_type,
                 sentiment_mix={"negative": 1.0 if sentiment < 0 else 0.0, "neutral": 0.0,
                                "positive": 0.0 if sentiment < 0 else 1.0})


def seed(sessions):
    texts = [("咖啡群", "u1", "想要低因咖啡"), ("咖啡群", "u2", "低因什么时候有"), ("宝妈群", "u3", "湿疹好难受"),
             ("宝妈群", "u4", "湿疹反复"), ("宝妈群", "u5", "辅食食谱求分享，DHA要加吗"), ("咖啡群", "u1", "燕麦奶好喝")]
    with sessions.begin() as session:
        ingester = store.Ingester(session, "c")
        ingester.add([MessageRecord(group, member, member, T0 + timedelta(days=i), text, f"k{i}")
                      for i, (group, member, text) in enumerate(texts)])
        community = store.community_by_name(session, "c")
        ids = [m.id for m in store.messages_of(session, community)]
        run = store.start_run(session, community, {})
        themes = [theme("低因", ids[:2], ["u1", "u2"], 0.2, "need",
                        [("2026-10-01", 1, 1, 0.2), ("2026-10-02", 1, 1, 0.2)]),
                  theme("湿疹", ids[2:4], ["u3", "u4"], -0.6, "complaint",
                        [("2026-10-03", 1, 1, -0.6), ("2026-10-04", 1, 1, -0.6)]),
                  theme("辅食", ids[4:5], ["u5"], 0.0, "question", [("2026-10-05", 1, 1, 0.0)])]
        acts = [Activity("stable", False, 2, 2, 2, 2), Activity("growing", True, 6, 1, 4, 1),
                Activity("new", True, 1, 0, 1, 0)]
        saved = store.save_themes(session, run, themes, [None] * 3, acts)
        store.finish_run(session, run, "lsa", {}, [])
    return dict(zip(("decaf", "eczema", "food"), saved))


def ids(client, **params):
    response = client.get("/v1/themes", params={"community": "c", **params})
    assert response.status_code == 200, response.text
    return [t["id"] for t in response.json()["data"]]


def test_filters_and_sorts(database_url, sessions):
    theme_ids = seed(sessions)
    decaf, eczema, food = theme_ids["decaf"], theme_ids["eczema"], theme_ids["food"]
    client = api_client("c")
    assert ids(client) == [decaf, eczema, food]  # voices, then messages
    assert ids(client, group="宝妈群") == [eczema, food] and ids(client, group="没有这个群") == []
    assert ids(client, lifecycle="growing") == [eczema] and ids(client, emerging=True) == [eczema, food]
    assert ids(client, demand_type="complaint") == [eczema]
    assert ids(client, sentiment="negative") == [eczema] and ids(client, sentiment="positive") == [decaf]
    assert ids(client, sentiment="neutral") == [food]
    assert ids(client, since="2026-10-03T00:00:00Z") == [eczema, food]
    assert ids(client, until="2026-10-02T23:59:59Z") == [decaf]
    assert ids(client, sort="growth") == [eczema, food, decaf]
    assert ids(client, sort="negativity")[0] == eczema
    assert client.get("/v1/themes", params={"lifecycle": "booming"}).status_code == 422
    assert client.get("/v1/themes", params={"sort": "loudest"}).status_code == 422

    trend = client.get(f"/v1/themes/{eczema}/trend").json()
    assert trend["lifecycle"] == "growing" and trend["emerging"]
    assert trend["days"] == [{"day": "2026-10-03", "messages": 1, "voices": 1, "sentiment": -0.6},
                             {"day": "2026-10-04", "messages": 1, "voices": 1, "sentiment": -0.6}]
    page = client.get(f"/v1/themes/{eczema}/messages", params={"limit": 1, "offset": 1}).json()
    assert page["total"] == 2 and [m["text"] for m in page["data"]] == ["湿疹反复"]
    assert client.get("/v1/themes/999/trend").status_code == 404
    assert client.get("/v1/themes/999/messages").status_code == 404
    detail = client.get(f"/v1/themes/{decaf}").json()
    assert detail["demand_type"] == "need" and detail["sentiment_mix"]["positive"] == 1.0
    assert detail["runs_seen"] == 1 and detail["trend"] == [["2026-10-01", 1], ["2026-10-02", 1]]
    assert detail["groups"] == [{"group": "咖啡群", "messages": 2, "voices": 2}]


def test_theme_browser_sorts_filters_and_shows_lifecycle(database_url, sessions):
    theme_ids = seed(sessions)
    client = TestClient(create_app())
    page = client.get("/", params={"sort": "growth"}).text
    assert page.index("湿疹") < page.index("辅食") < page.index("低因") and "emerging" in page
    growing = client.get("/", params={"lifecycle": "growing"}).text
    assert "湿疹" in growing and "低因</a>" not in growing
    assert client.get("/", params={"lifecycle": "booming"}).status_code == 422
    detail = client.get(f"/themes/{theme_ids['eczema']}").text
    assert "growing" in detail and "negative 100%" in detail and "宝妈群 2 voices / 2 msgs" in detail


def test_search_finds_the_themes_whose_members_said_it(database_url, sessions):
    theme_ids = seed(sessions)
    decaf, eczema, food = theme_ids["decaf"], theme_ids["eczema"], theme_ids["food"]
    client = api_client("c")
    assert ids(client, q="低因") == [decaf]  # its label and its messages
    assert ids(client, q="反复") == [eczema]  # one message: 湿疹反复
    assert ids(client, q="湿疹 反复") == [eczema] and ids(client, q="反复  湿疹") == [eczema]
    assert ids(client, q="湿疹 低因") == [] and ids(client, q="难受 反复") == []  # no one text holds both
    assert ids(client, q="dha") == [food]  # any case
    assert ids(client, q="燕麦") == []  # said, but in no theme
    assert ids(client, q="_") == [] and ids(client, q="%") == []  # plain characters, not LIKE's wildcards
    assert ids(client, q=" ") == [decaf, eczema, food]
    assert ids(client, q="湿疹", group="咖啡群") == [] and ids(client, q="湿疹", lifecycle="growing") == [eczema]
    assert client.get("/v1/themes", params={"q": "x" * 201}).status_code == 422

    page = client.get(f"/v1/themes/{eczema}/messages", params={"q": "反复"}).json()
    assert page["total"] == 1 and [m["text"] for m in page["data"]] == ["湿疹反复"]
    detail = client.get(f"/v1/themes/{eczema}", params={"q": "反复"}).json()
    assert detail["total_messages"] == 1 and detail["messages"] == 2
    assert [m["text"] for m in detail["messages_page"]] == ["湿疹反复"]
    assert client.get(f"/v1/themes/{eczema}/messages", params={"q": "低因"}).json()["total"] == 0

    found = CliRunner().invoke(cli_app, ["themes", "--community", "c", "--search", "DHA", "--json"])
    assert found.exit_code == 0 and [t["id"] for t in json.loads(found.stdout)] == [food]


def test_theme_browser_searches_and_the_theme_page_shows_the_messages_that_match(database_url, sessions):
    eczema = seed(sessions)["eczema"]
    client = TestClient(create_app())
    page = client.get("/", params={"q": "反复"}).text
    assert f'href="/themes/{eczema}?q=%E5%8F%8D%E5%A4%8D"' in page and "低因</a>" not in page
    assert 'value="反复"' in page and "清除 clear" in page
    detail = client.get(f"/themes/{eczema}", params={"q": "反复"}).text
    messages = detail[detail.index("消息 Messages holding"):]
    assert "(1 of 2)" in messages and "湿疹<mark>反复</mark>" in messages and "湿疹好难受" not in messages
    whole = client.get(f"/themes/{eczema}").text
    assert "湿疹好难受" in whole[whole.index("消息 Messages ("):]


def test_search_words_are_marked_in_escaped_text():
    from api.routes.pages import marked

    assert marked("<b>DHA</b> 要加dha吗", "dha 加") == "&lt;b&gt;<mark>DHA</mark>&lt;/b&gt; 要<mark>加</mark><mark>dha</mark>吗"
    assert marked("a<b", None) == "a&lt;b" and marked("x", "<") == "x"
    assert marked("a<b", "<") == "a<mark>&lt;</mark>b"


def test_a_time_window_counts_each_themes_messages_in_it(database_url, sessions):
    theme_ids = seed(sessions)
    decaf, eczema, food = theme_ids["decaf"], theme_ids["eczema"], theme_ids["food"]
    client = api_client("c")

    def matched(**params) -> dict:
        listed = client.get("/v1/themes", params=params)
        assert listed.status_code == 200, listed.text
        return {t["label"]: t["matched"] for t in listed.json()["data"]}

    assert set(matched().values()) == {None}  # nothing asked: the totals say it all
    # 低因's messages: 1 and 2 October, 09:00 UTC (17:00 in Shanghai); a bound in another zone is read as
    # the moment it names, on SQLite too (which keeps UTC wall times and would compare 16:30 with 09:00)
    assert matched(until="2026-10-02T16:30:00+08:00") == {"低因": {"messages": 1, "voices": 1}}
    assert matched(since="2026-10-02T16:30:00+08:00", until="2026-10-03T23:59:59+08:00") == {
        "低因": {"messages": 1, "voices": 1}, "湿疹": {"messages": 1, "voices": 1}}
    assert ids(client, since="2026-10-02T00:00:00Z") == [eczema, decaf, food]  # by voices in the window
    assert ids(client, since="2026-10-02T00:00:00Z", sort="negativity")[0] == eczema
    assert matched(group="咖啡群") == {"低因": {"messages": 2, "voices": 2}}

    browser = TestClient(create_app())  # whole local days: 4 October holds 湿疹's second message only
    page = browser.get("/", params={"since": "2026-10-04"}).text
    assert '1 <span class="meta">/ 2</span>' in page and "低因</a>" not in page
    rows = {row["label"]: row for row in csv.DictReader(io.StringIO(
        browser.get("/themes.csv", params={"since": "2026-10-04"}).content.decode("utf-8-sig")))}
    assert (rows["湿疹"]["voices"], rows["湿疹"]["matched_voices"], rows["湿疹"]["matched_messages"]) == ("2", "1", "1")
    [row, *_] = csv.DictReader(io.StringIO(browser.get("/themes.csv").content.decode("utf-8-sig")))
    assert row["matched_voices"] == ""

    # the messages a matched count counted: by the API, and one click from the browser's filtered list
    page = client.get(f"/v1/themes/{decaf}/messages", params={"until": "2026-10-02T16:30:00+08:00"}).json()
    assert page["total"] == 1 and [m["text"] for m in page["data"]] == ["想要低因咖啡"]
    assert client.get(f"/v1/themes/{decaf}/messages", params={"group": "宝妈群"}).json()["total"] == 0
    index = browser.get("/", params={"since": "2026-10-04", "group": "宝妈群"}).text
    assert f'href="/themes/{eczema}?group=%E5%AE%9D%E5%A6%88%E7%BE%A4&amp;since=2026-10-04"' in index
    detail = browser.get(f"/themes/{eczema}", params={"group": "宝妈群", "since": "2026-10-04"}).text
    assert "in 宝妈群 · 2026-10-04 → " in detail and "(1 of 2)" in detail and "湿疹反复" in detail
    assert "湿疹好难受" not in detail.split('<h2 id="messages">消息')[1]  # 3 October: outside the days chosen
    assert f'href="/themes/{eczema}/messages.csv?group=%E5%AE%9D%E5%A6%88%E7%BE%A4&amp;since=2026-10-04"' in detail
    sheet = browser.get(f"/themes/{eczema}/messages.csv", params={"group": "宝妈群", "since": "2026-10-04"})
    assert [row["text"] for row in csv.DictReader(io.StringIO(sheet.content.decode("utf-8-sig")))] == ["湿疹反复"]

    listed = CliRunner().invoke(cli_app, ["themes", "--community", "c", "--since", "2026-10-04"])
    assert listed.exit_code == 0 and listed.stdout.startswith(f"#{eczema:<4} 湿疹") and "1/2 voices" in listed.stdout
    by_group = CliRunner().invoke(cli_app, ["themes", "--group", "咖啡群", "--until", "2026-10-01", "--json"])
    assert [(t["label"], t["matched"]) for t in json.loads(by_group.stdout)] == [("低因", {"messages": 1, "voices": 1})]
    assert CliRunner().invoke(cli_app, ["themes", "--group", "没有这个群"]).stdout == "no themes match\n"


def test_spreadsheets_show_a_members_formula_as_text(database_url, sessions):
    with sessions.begin() as session:
        texts = ['=HYPERLINK("http://example.com","点我领券")', "-_- 湿疹又犯了", "+1 湿疹", "湿疹=过敏吗"]
        ingester = store.Ingester(session, "c")
        ingester.add([MessageRecord("宝妈群", f"u{i}", f"u{i}", T0 + timedelta(hours=i), text, f"k{i}")
                      for i, text in enumerate(texts)])
        community = store.community_by_name(session, "c")
        ids = [m.id for m in store.messages_of(session, community)]
        run = store.start_run(session, community, {})
        [theme_id] = store.save_themes(session, run, [theme("湿疹", ids, [f"u{i}" for i in range(4)], -0.5, "complaint",
                                                            [("2026-10-01", 4, 4, -0.5)])],
                                       [None], [Activity("new", False, 4, 0, 4, 0)])
        store.finish_run(session, run, "lsa", {}, [])
    browser = TestClient(create_app())
    rows = list(csv.DictReader(io.StringIO(browser.get(f"/themes/{theme_id}/messages.csv").content.decode("utf-8-sig"))))
    assert [row["text"] for row in rows] == ["'" + texts[0], "'-_- 湿疹又犯了", "'+1 湿疹", "湿疹=过敏吗"]
    [row] = csv.DictReader(io.StringIO(browser.get("/themes.csv").content.decode("utf-8-sig")))
    assert row["quotes"] == "'" + texts[0] and row["sentiment"] == "-0.5"  # numbers stay numbers


def test_a_theme_says_which_groups_voiced_it(database_url, sessions):
    seed(sessions)
    with sessions.begin() as session:
        community = store.community_by_name(session, "c")
        ids = [m.id for m in store.messages_of(session, community)]
        run = store.start_run(session, community, {})
        across = theme("咖啡和宝宝", [ids[0], ids[1], ids[2], ids[5]], ["u1", "u2", "u3"], 0.0, "need",
                       [("2026-10-01", 1, 1, 0.0), ("2026-10-06", 1, 1, 0.0)])
        [theme_id] = store.save_themes(session, run, [across], [None], [Activity("stable", False, 1, 1, 1, 1)])
        store.save_member_layers(session, run, [MemberLayer("u1", "koc", [], {}), MemberLayer("u3", "potential", [], {}),
                                                MemberLayer("u4", "koc", [], {})])  # u2 has no layer; u4 said no part
        store.finish_run(session, run, "lsa", {}, [])
    detail = api_client("c").get(f"/v1/themes/{theme_id}").json()
    assert detail["groups"] == [{"group": "咖啡群", "messages": 3, "voices": 2},
                                {"group": "宝妈群", "messages": 1, "voices": 1}]
    assert detail["layers"] == {"koc": 1, "potential": 1}
    browser = TestClient(create_app())
    assert "价值分层 Layers of its voices: KOC 1 · potential 1</p>" in browser.get(f"/themes/{theme_id}").text
    [row] = csv.DictReader(io.StringIO(browser.get("/themes.csv").content.decode("utf-8-sig")))
    assert (row["label"], row["koc_voices"], row["high_voices"], row["potential_voices"]) == ("咖啡和宝宝", "1", "0", "1")


def test_a_hidden_theme_leaves_the_lists_until_shown_again(database_url, sessions):
    theme_ids = seed(sessions)
    decaf, eczema, food = theme_ids["decaf"], theme_ids["eczema"], theme_ids["food"]
    client = api_client("c")

    def cli(*args):
        return CliRunner().invoke(cli_app, list(args))

    hidden = cli("theme", "hide", str(eczema))
    assert hidden.exit_code == 0 and hidden.stdout == "1 theme(s) hidden, 0 already so; member tags follow at the next run\n"
    assert ids(client) == [decaf, food] and ids(client, hidden=True) == [eczema]
    assert client.get(f"/v1/themes/{eczema}").json()["hidden"] is True  # still readable by id
    assert [t["id"] for t in json.loads(cli("themes", "--community", "c", "--hidden", "--json").stdout)] == [eczema]
    assert cli("theme", "hide", str(eczema)).stdout == "0 theme(s) hidden, 1 already so\n"
    missing = cli("theme", "hide", str(decaf), "999")
    assert missing.exit_code == 1 and missing.output == "error: no theme 999\n"
    assert ids(client) == [decaf, food]  # nothing of a refused command is kept
    assert cli("theme", "unhide", str(eczema)).exit_code == 0 and ids(client) == [decaf, eczema, food]
