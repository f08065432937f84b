from datetime import UTC, datetime, timedelta

import numpy as np

from nlp.profile import tag_members
from nlp.records import ChatMessage
from nlp.represent import class_tfidf, daily_trend, label_for, pick_quotes, represent

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


def test_label_keeps_spoken_order():
    assert label_for(["素颜", "伪"], [["伪", "素颜"], ["伪", "素颜"]]) == "伪素颜"
    assert label_for(["湿疹"], [["湿疹"]]) == "湿疹"


def test_quotes_skip_repeats():
    vectors = np.array([[1, 0], [1, 0], [0.8, 0.6]])
    assert pick_quotes(vectors, ["x", "x", "y"], n=2) == [0, 2]


def test_trend_is_dense_and_daily():
    messages, *_ = corpus()
    trend = daily_trend([messages[0], messages[2]])
    assert trend == [("2026-10-01", 1), ("2026-10-02", 0), ("2026-10-03", 1)]


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
