from datetime import UTC, datetime, timedelta

import numpy as np

from nlp.cluster import OUTLIER
from nlp.profile import tag_members
from nlp.records import ChatMessage
from nlp.represent import (class_tfidf, daily_series, key_phrase, label_for, pick_quotes, represent,
                           sentiment_mix)

DAY = datetime(2026, 10, 1, 12, tzinfo=UTC)


def corpus():
    rows = [("a", ["低因", "咖啡", "睡眠"]), ("b", ["低因", "咖啡"]), ("a", ["低因", "拿铁"]),
            ("c", ["粉底", "伪素颜"]), ("d", ["粉底", "伪素颜", "早上"]), ("c", ["粉底", "赶时间"]),
            ("e", ["天气", "下雨"])]
    messages = [ChatMessage(i, m, "g", DAY + timedelta(days=i), " ".join(t)) for i, (m, t) in enumerate(rows)]
    vectors = np.array([[1, 0, 0]] * 3 + [[0, 1, 0]] * 3 + [[0, 0, 1]], dtype=float)
    labels = np.array([0, 0, 0, 1, 1, 1, -1])
    return messages, [t for _, t in rows], vectors, labels


def test_class_tfidf_ranks_theme_words_first():
    _, tokens, _, labels = corpus()
    keywords = class_tfidf(tokens, labels)
    assert keywords[0][0] == "低因" and keywords[1][0] == "粉底"
    assert "天气" not in keywords[0] + keywords[1]


def test_function_words_are_never_keywords():
    tokens = [["美妆蛋", "总是", "一块", "不匀"], ["美妆蛋", "总是", "一块"], ["总是", "一块", "不匀"], ["天气", "下雨"]]
    assert class_tfidf(tokens, np.array([0, 0, 0, -1])) == [["不匀", "美妆蛋"]]  # 总是 (c), 一块 (a vague m)


def test_how_a_story_went_and_counted_things_are_never_keywords():
    tokens = [["周末", "带狗", "结果", "两个"], ["周末", "带狗", "结果", "两个"], ["带狗", "洗澡", "结果", "两个"],
              ["天气", "下雨"]]
    assert class_tfidf(tokens, np.array([0, 0, 0, -1])) == [["带狗", "周末"]]  # 结果 (discourse), 两个 (number + 个)
    assert class_tfidf([["六个月", "辅食"]] * 2, np.array([0, 0])) == [["六个月", "辅食"]]  # an age says something


def test_where_without_what_and_a_pronoun_glued_to_its_verb_are_never_keywords():
    """Live-stream comments (../shared/data/livechat) named themes 以上·五级 and 后面·花海, and listed 我点, 你播."""
    tokens = [["后面", "花海", "我点"], ["后面", "花海", "你播", "楼下"], ["以上", "花海", "附近", "我点", "你播"],
              ["附近", "楼下", "以上"], ["天气", "下雨"]]
    assert class_tfidf(tokens, np.array([0, 0, 0, 0, -1])) == [["花海", "楼下", "附近"]]  # where, with a thing there
    assert class_tfidf([["我们", "它们", "哪里"]] * 2, np.array([0, 0])) == [[]]  # pronouns, as function words


def test_label_keeps_spoken_order():
    assert label_for(["素颜", "伪"], [["伪", "素颜"], ["伪", "素颜"]]) == "伪素颜"
    assert label_for(["湿疹"], [["湿疹"]]) == "湿疹"
    # the second word says something the first does not: 直播·直播间 and 落地就醒·落地 (live chat, the sample)
    assert label_for(["直播", "直播间", "带货"], [["直播", "带货"], ["直播间"], ["带货", "直播"]]) == "直播带货"
    assert label_for(["落地就醒", "落地", "午觉"], [["落地就醒"], ["午觉", "落地"]]) == "落地就醒·午觉"
    assert label_for(["主播", "女主播"], [["女主播"]]) == "主播"


def test_names_neither_start_nor_end_on_adverbs_numbers_discourse_words_or_glued_measure_words():
    """What the sample's themes were named before: 满减到底, 放假两只, 结果周末 (and 洗澡·洗个 once 结果 went)."""
    budget = [["满减", "到底", "怎么", "算"], ["满减", "到底", "划算", "吗"], ["满减", "凑单"], ["满减", "凑单", "求", "拼"]]
    assert key_phrase(["满减", "到底", "凑单"], budget) == "满减凑单"
    boarding = [["放假", "两只"], ["放假", "两只", "猫"], ["放假", "上门", "喂猫"], ["放假", "上门", "喂猫"]]
    assert key_phrase(["放假", "两只", "上门", "喂猫"], boarding) == "放假上门喂猫"
    bath = [["洗个", "澡", "结果", "周末", "人"], ["结果", "周末", "排队"], ["周末", "带狗", "洗澡"], ["带狗", "洗澡"]]
    assert label_for(["洗澡", "结果", "洗个", "带狗", "两个"], bath) == "带狗洗澡"
    assert label_for(["结果"], [["结果"]]) == "结果"  # nothing better to say: the word itself
    coupons = [["优惠", "不能", "用"], ["优惠券", "不能", "叠加"], ["有", "优惠", "吗"], ["优惠", "价格"]]  # real shop chat
    assert label_for(["优惠", "优惠券", "不能", "价格"], coupons) == "优惠价格"  # not 优惠不能


def test_quotes_skip_repeats():
    vectors = np.array([[1, 0], [1, 0], [0.8, 0.6]])
    assert pick_quotes(vectors, ["x", "x", "y"], n=2) == [0, 2]


def test_messages_joined_at_a_themes_edge_count_in_it_but_do_not_name_or_quote_it():
    """The sample's 满减凑单 theme was named 快递·凑单 and quoted 谁拿了我的快递: neighbours' requests
    that the outlier rule had joined to its edge."""
    rows = ([("a", ["满减", "凑单"]), ("b", ["满减", "凑单", "攻略"]), ("c", ["凑单", "拼单"]), ("d", ["满减", "拼单"])]
            + [(m, ["快递", "放错"]) for m in "efghi"] + [("j", ["天气"])])
    messages = [ChatMessage(i, m, "g", DAY, " ".join(t) + "!" * i) for i, (m, t) in enumerate(rows)]
    tokens = [t for _, t in rows]
    vectors = np.array([[1, 0]] * 4 + [[0.6, 0.8]] * 5 + [[0, 1]], dtype=float)
    labels = np.array([0] * 9 + [OUTLIER])
    core = np.array([True] * 4 + [False] * 6)
    args = (messages, tokens, vectors, labels, [0.0] * 10, ["need"] * 4 + ["question"] * 5 + ["chat"])
    everyone, = represent(*args)
    cored, = represent(*args, core=core)
    assert "快递" in everyone.keywords and "快递" in everyone.label and any(q >= 4 for q in everyone.quotes)
    assert "快递" not in cored.keywords and "快递" not in cored.label and set(cored.quotes) <= {0, 1, 2, 3}
    assert cored.message_ids == everyone.message_ids == list(range(9)) and cored.voices == everyone.voices == 9
    assert represent(*args, core=np.zeros(10, dtype=bool))[0].keywords == everyone.keywords  # no core: all speak


def test_trend_is_dense_and_daily():
    messages, *_ = corpus()
    trend = daily_series([messages[0], messages[2]], [0.5, -0.5])
    assert trend == [("2026-10-01", 1, 1, 0.5), ("2026-10-02", 0, 0, 0.0), ("2026-10-03", 1, 1, -0.5)]


def test_represent_and_tag_members():
    messages, tokens, vectors, labels = corpus()
    types = ["need", "question", "praise", "complaint", "chat", "chat", "chat"]
    themes = represent(messages, tokens, vectors, labels, [0.5, 0.5, 0.5, -0.5, -0.5, -0.5, 0], types)
    assert [t.voices for t in themes] == [2, 2]
    assert themes[0].message_ids == [0, 1, 2] and themes[1].sentiment == -0.5
    assert themes[0].demand_mix == {"need": 0.3333, "question": 0.3333, "praise": 0.3333}
    assert themes[0].demand_share == 0.6667 and themes[1].demand_share == 0.3333
    echoed = represent(messages, tokens, vectors, labels, [0.0] * 7, types, echoed_by={0: ["e", "b"], 3: ["a"]})
    assert [t.voices for t in echoed] == [3, 3]  # e echoed theme 0 (b already voiced it), a echoed theme 1
    tags = tag_members(messages, tokens, themes)
    by_member = {(t.member, t.kind, t.tag): t for t in tags}
    assert by_member[("a", "theme", themes[0].label)].evidence == [0, 2]
    assert by_member[("a", "keyword", "低因")].score > 0
    assert not any(t.member == "e" for t in tags)
    assert by_member[("a", "theme", themes[0].label)].score > by_member[("b", "theme", themes[0].label)].score
    demand_only = tag_members(messages, tokens, themes, min_demand_share=0.5)
    assert {t.member for t in demand_only} == {"a", "b"}  # theme 1 (c, d) is mostly chat


def test_key_phrase_is_what_members_say():
    spoken = [["想要", "低因", "咖啡"], ["低因", "咖啡", "有吗"], ["晚上", "喝", "低因", "咖啡"], ["咖啡", "低因"]]
    assert key_phrase(["低因", "咖啡", "晚上"], spoken) == "低因咖啡"
    assert key_phrase(["低因", "咖啡"], spoken[:1]) is None  # said once is not a phrase
    vomit = [["毛球", "吐得", "一地"], ["毛球", "吐得", "满地"], ["一地", "毛球"], ["一地", "毛球"]]
    assert key_phrase(["毛球", "吐得", "一地"], vomit[:2]) is None  # a phrase never stops at a verb with 得
    assert key_phrase(["毛球", "吐得", "一地"], vomit) == "一地毛球"
    assert key_phrase(["米粉", "冲得", "太稠"], [["米粉", "冲得", "太稠"]] * 2) == "米粉冲得太稠"


def test_a_key_phrase_holds_a_core_keyword_and_may_be_joined_by_de():
    spoken = [["晚上", "想来", "店里"], ["有", "低因", "的", "豆子", "吗"], ["晚上", "想来"], ["低因", "的", "豆子"],
              ["晚上", "想来", "坐坐"]]
    keywords = ["低因", "咖啡因", "咖啡", "豆子", "晚上", "想来"]
    assert key_phrase(keywords, spoken) == "低因的豆子"  # 晚上想来 is said more, but names no core keyword
    assert key_phrase(keywords, spoken[:1] + spoken[2:3] + spoken[4:]) is None  # then no phrase: top keywords
    assert key_phrase(["低因", "豆子"], [["低因", "的", "的"], ["的", "低因", "的"]]) is None  # 的 only joins


def test_quotes_are_diverse_and_three_to_five():
    vectors = np.array([[1, 0, 0], [0.9, 0.43, 0], [0.9, -0.43, 0], [0.9, 0, 0.43], [0.5, 0.86, 0], [1, 0.01, 0]])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    picked = pick_quotes(vectors, [f"t{i}" for i in range(6)])
    assert 3 <= len(picked) <= 5 and len(set(picked)) == len(picked)
    assert picked[0] in (0, 5) and not {0, 5} <= set(picked)  # the nearest first; its near-twin never
    assert pick_quotes(vectors[:2], ["same", "same"]) == [0]


def test_series_counts_voices_per_local_day_and_sentiment_mix():
    from zoneinfo import ZoneInfo

    late = datetime(2026, 10, 1, 17, tzinfo=UTC)  # 01:00 on 2 October in Shanghai
    messages = [ChatMessage(1, "a", "g", late, "x"), ChatMessage(2, "b", "g", late, "y"),
                ChatMessage(3, "a", "g", late + timedelta(days=2), "z")]
    series = daily_series(messages, [0.5, -0.5, 1.0], ZoneInfo("Asia/Shanghai"))
    assert series == [("2026-10-02", 2, 2, 0.0), ("2026-10-03", 0, 0, 0.0), ("2026-10-04", 1, 1, 1.0)]
    assert sentiment_mix([0.5, -0.5, 0.0, 0.05]) == {"negative": 0.25, "neutral": 0.5, "positive": 0.25}


def test_a_split_theme_lists_its_sub_themes_named_by_what_sets_them_apart():
    rows = [("a", ["低因", "拿铁", "燕麦"]), ("b", ["低因", "拿铁", "燕麦"]), ("c", ["低因", "拿铁"]),
            ("d", ["低因", "失眠", "晚上"]), ("e", ["低因", "失眠", "晚上"]), ("a", ["低因", "失眠"]),
            ("f", ["天气", "下雨"]), ("g", ["天气", "下雨"])]
    messages = [ChatMessage(i, m, "g", DAY, " ".join(t)) for i, (m, t) in enumerate(rows)]
    vectors = np.array([[1, 0.2, 0, 0], [1, 0.2, 0, 0.6], [1, 0.2, 0, -0.6],
                        [1, -0.2, 0, 0], [1, -0.2, 0, 0.6], [1, -0.2, 0, -0.6], [0, 0, 1, 0], [0, 0, 1, 0.1]])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    labels = np.array([0, 0, 0, 0, 0, 0, 1, 1])
    sub_labels = np.array([0, 0, 0, 1, 1, 1, -1, -1])
    split, whole = represent(messages, [t for _, t in rows], vectors, labels, [0.0] * 8, ["need"] * 8,
                             echoed_by={3: ["x"]}, sub_labels=sub_labels)
    assert whole.subthemes == [] and len(split.subthemes) == 2
    latte, sleep = split.subthemes
    assert "低因" not in latte["keywords"][:2] and {"拿铁", "燕麦"} <= set(latte["keywords"])  # said in both: not theirs
    assert latte["label"] in ("拿铁燕麦", "燕麦拿铁") and sleep["label"] in ("失眠晚上", "晚上失眠")
    assert (latte["messages"], latte["voices"]) == (3, 3) and (sleep["messages"], sleep["voices"]) == (3, 4)  # x echoed
    assert set(latte["quotes"]) <= {0, 1, 2} and set(sleep["quotes"]) <= {3, 4, 5} and len(latte["quotes"]) >= 2
    assert represent(messages, [t for _, t in rows], vectors, labels, [0.0] * 8, ["need"] * 8)[0].subthemes == []
    # a sub-theme is named and quoted by its core, as a theme is: row 2, at the edge, counts but is not quoted
    edge = represent(messages, [t for _, t in rows], vectors, labels, [0.0] * 8, ["need"] * 8, sub_labels=sub_labels,
                     core=np.array([True, True, False, True, True, True, True, True]))[0]
    latte = edge.subthemes[0]
    assert set(latte["quotes"]) <= {0, 1} and latte["messages"] == 3 and {"拿铁", "燕麦"} <= set(latte["keywords"])
    assert 2 not in edge.quotes and 2 in edge.message_ids
    # rows 4 and 5 in no sub-theme are not named as a part of their own; row 3 alone shares no word;
    # so one part is named, and one named part is no split
    sub_labels[[4, 5]] = -1
    assert represent(messages, [t for _, t in rows], vectors, labels, [0.0] * 8, ["need"] * 8,
                     sub_labels=sub_labels)[0].subthemes == []
