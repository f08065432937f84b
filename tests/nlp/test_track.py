"""Theme identity across runs and lifecycle windows."""
from datetime import UTC, datetime, timedelta

import numpy as np

from nlp.records import Theme
from nlp.track import PastTheme, activity, keep_subtheme_keys, match_themes

T0 = datetime(2026, 10, 1, tzinfo=UTC)


def found(keywords, ids):
    return Theme(label=keywords[0], keywords=keywords, message_ids=ids, member_ids=["m"] * len(ids), quotes=[],
                 sentiment=0.0, first_seen=T0, last_seen=T0)


def test_match_by_centroid_in_this_runs_space_and_by_keywords():
    vectors = np.array([[1.0, 0, 0], [0.9, 0.1, 0], [0, 1.0, 0], [0, 0.9, 0.1], [0, 0, 1.0]])
    ids = [10, 11, 12, 13, 14]
    past = [PastTheme(1, ["低因", "咖啡"], [10, 11]), PastTheme(2, ["湿疹", "宝宝"], [12]),
            PastTheme(3, ["寄养", "国庆"], [99])]  # its messages are gone: keywords alone decide
    themes = [found(["湿疹", "润肤"], [12, 13]), found(["咖啡", "拿铁"], [10]), found(["猫砂", "除臭"], [14]),
              found(["寄养", "国庆", "上门"], [])]
    assert match_themes(past, themes, vectors, ids) == [2, 1, None, 3]


def test_match_is_one_to_one_best_pair_first():
    vectors = np.array([[1.0, 0], [0.95, 0.31]])
    past = [PastTheme(1, ["a"], [0, 1])]
    themes = [found(["b"], [1]), found(["a"], [0])]  # both close; the second also shares the keyword
    assert match_themes(past, themes, vectors, [0, 1]) == [None, 1]


def days(*offsets):
    return [T0 + timedelta(days=d) for d in offsets]


def test_lifecycle_windows():
    as_of = T0 + timedelta(days=60)
    steady = activity(days(*range(0, 61, 2)), [f"m{i % 5}" for i in range(31)], as_of)
    assert steady.lifecycle == "stable" and not steady.emerging
    rising = activity(days(20, 30, *range(40, 61)), [f"m{i}" for i in range(23)], as_of)
    assert rising.lifecycle == "growing" and rising.emerging and rising.growth > 1
    fading = activity(days(*range(0, 35)), ["m"] * 35, as_of)
    assert fading.lifecycle == "fading" and fading.recent_messages == 0 and fading.growth < 0
    new = activity(days(50, 55, 58), ["a", "b", "c"], as_of)
    assert new.lifecycle == "new" and new.emerging and new.prior_voices == 0
    # one old message the outlier rule joined to a theme voiced 30 times this window: still new
    stray = activity(days(5, *[40 + i * 0.6 for i in range(30)]), [f"m{i}" for i in range(31)], as_of)
    assert stray.lifecycle == "new" and stray.emerging


def test_lifecycle_reads_every_planted_trend_of_the_sample():
    """From the true messages of each planted theme (data/sample/labels.json), as of the newest message."""
    import csv
    import json
    from collections import defaultdict

    from tests.conftest import SAMPLE

    labels = json.loads((SAMPLE / "labels.json").read_text(encoding="utf-8"))
    trends = {p["id"]: p["trend"] for p in json.loads((SAMPLE / "planted.json").read_text(encoding="utf-8"))}
    said, newest = defaultdict(list), None
    for path in sorted(SAMPLE.glob("*.csv")):
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                sent = datetime.fromisoformat(row["time"])
                newest = max(newest or sent, sent)
                kind, planted = labels[row["message_id"]]
                if kind == "theme":
                    said[planted].append((sent, row["sender_id"]))
    expected = {"rising": "growing", "steady": "stable", "fading": "fading"}
    read = {p: activity([t for t, _ in rows], [m for _, m in rows], newest).lifecycle for p, rows in said.items()}
    assert read == {p: expected[trends[p]] for p in said} and len(read) == 15


def test_subthemes_keep_their_keys_while_their_words_persist():
    past = [{"key": "3.1", "keywords": ["寄养", "笼子", "狗子"]}, {"key": "3.2", "keywords": ["上门", "喂猫", "铲屎"]},
            {"key": "5.4", "keywords": ["国庆", "寄养"]}]
    tonight = [{"label": "上门喂猫", "keywords": ["上门", "喂猫", "换水"]}, {"label": "疫苗本", "keywords": ["疫苗", "证明"]},
               {"label": "寄养的笼子", "keywords": ["寄养", "笼子", "太小"]}, {"label": "笼子", "keywords": ["笼子", "寄养", "狗子"]}]
    keyed = keep_subtheme_keys(past, tonight, new_prefix="9")
    assert [s["key"] for s in keyed] == ["3.2", "9.2", "9.3", "3.1"]  # one to one, the closest pair first
    assert [s["label"] for s in keyed] == [s["label"] for s in tonight]
    assert [s["key"] for s in keep_subtheme_keys([], tonight[:2], "9")] == ["9.1", "9.2"]  # a new theme: all new


def test_a_subtheme_that_keeps_its_messages_keeps_its_key_when_its_words_change():
    past = [{"key": "3.1", "keywords": ["寄养", "笼子"]}, {"key": "3.2", "keywords": ["上门", "喂猫"]}]
    before = {1: "3.1", 2: "3.1", 3: "3.1", 4: "3.2", 5: "3.2", 6: "3.2", 7: None, 15: None}
    tonight = [
        # 3.1's messages and as many new ones (8-10 were not in the theme last night): its words moved on
        {"label": "寄养太贵", "keywords": ["价格", "一天"], "message_ids": [1, 2, 3, 8, 9, 10]},
        # 3.2's words, but messages from elsewhere: the words still carry it
        {"label": "上门喂猫", "keywords": ["上门", "喂猫", "换水"], "message_ids": [7, 11]},
        # one of 3.2's messages beside one of the theme's others: too little shared (1 of 4, under 0.3)
        {"label": "疫苗本", "keywords": ["疫苗", "证明"], "message_ids": [4, 15, 12, 13]},
    ]
    keyed = keep_subtheme_keys(past, tonight, "9", before)
    assert [s["key"] for s in keyed] == ["3.1", "3.2", "9.3"]
    assert keep_subtheme_keys(past, tonight[2:], "9", before)[0]["key"] == "9.1"
    assert [s["key"] for s in keep_subtheme_keys(past, tonight, "9")] == ["9.1", "3.2", "9.3"]  # by words alone
    # a pair sharing both messages and words ranks above one sharing words only
    twins = [{"label": "a", "keywords": ["上门", "喂猫"], "message_ids": [11]},
             {"label": "b", "keywords": ["上门", "喂猫"], "message_ids": [4, 5, 6]}]
    assert [s["key"] for s in keep_subtheme_keys(past, twins, "9", before)] == ["9.1", "3.2"]
