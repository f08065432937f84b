import random
from collections import Counter

import pytest

from nlp.newwords import NewWord, count_ngrams, discover, entropy
from nlp.segment import DICTS, Segmenter, read_words

PLANTED = ("伪素颜", "熬夜党", "手冲", "冷萃", "夜醒")
BEFORE = ("想要", "求", "关于", "喜欢", "推荐", "姐妹们", "试了", "分享", "真心爱", "不懂", "问下", "讨厌", "聊聊",
          "入坑", "看看", "对比", "最近迷上", "朋友说", "学习", "研究", "第一次", "坚持", "告别", "拒绝", "选择")
AFTER = ("效果", "怎么弄", "好难", "太香了", "求带", "心得", "日常", "必备", "攻略", "有救吗", "分享", "入门",
         "怎么办", "好累", "教程", "配方", "推荐", "合集", "打卡", "好物", "经验", "神器", "清单", "技巧", "问题")
CHAT = ("今天天气不错", "谢谢大家", "我也想知道", "好的收到", "大家早上好", "有人在吗", "哈哈哈哈", "我觉得还可以",
        "明天一起去吃饭吧", "这个真的很好用", "价格有点贵", "周末有空吗", "晚安各位", "我的天", "是不是真的")
ORDINARY = ("今天天气", "天气不错", "谢谢大家", "我也想", "想知道", "早上好", "有人在", "哈哈哈", "我觉得", "还可以",
            "一起去", "吃饭吧", "真的很", "很好用", "有点贵", "有空吗", "晚安各位", "我的天", "是不是", "的天",
            "素颜", "夜党", "熬夜", "冷萃合集", "关于夜醒")


def chat_corpus(seed: int = 42) -> list[str]:
    """600 messages: the planted words in varied company, and ordinary chat around them."""
    rng = random.Random(seed)
    texts = []
    for i in range(240):
        word, before, after = PLANTED[i % len(PLANTED)], rng.choice(BEFORE), rng.choice(AFTER)
        texts.append(rng.choice((before + word + after, word + after, before + word,
                                 f"{before}{word}，{rng.choice(CHAT)}")))
    texts += ["，".join(rng.sample(CHAT, rng.randint(1, 3))) + rng.choice("。！？~ ") for _ in range(360)]
    rng.shuffle(texts)
    return texts


@pytest.fixture(scope="module")
def found() -> list[NewWord]:
    return discover(chat_corpus(), stopwords=frozenset(read_words(DICTS / "stopwords.txt")))


def test_planted_words_are_found_first(found):
    assert {w.word for w in found[:len(PLANTED)]} == set(PLANTED)
    for word in found[:len(PLANTED)]:
        assert word.count >= 40 and word.pmi >= 4 and min(word.left_entropy, word.right_entropy) >= 2.5


def test_ordinary_phrases_and_fragments_are_not(found):
    words = {w.word for w in found}
    assert not words & set(ORDINARY)
    assert len(words) <= len(PLANTED) + 3  # a few template artefacts at most (朋友说: always said before a word)


def test_found_words_become_single_tokens(found, tmp_path):
    (tmp_path / "userdict.txt").write_text("", encoding="utf-8")
    (tmp_path / "stopwords.txt").write_text("", encoding="utf-8")
    sentences = ("熬夜党必备的伪素颜攻略", "手冲还是冷萃", "宝宝夜醒怎么办")
    before = Segmenter(dict_dir=tmp_path, engine="jieba")  # tokens as rjieba's (test_segment checks)
    after = Segmenter(user_words=[w.word for w in found], dict_dir=tmp_path, engine="jieba")
    assert "熬夜党" not in before.tokens(sentences[0])  # jieba alone: 熬夜 / 党
    tokens = [token for sentence in sentences for token in after.tokens(sentence)]
    assert set(PLANTED) <= set(tokens)


def test_discover_is_deterministic_and_ignores_known_words(found):
    texts = chat_corpus()
    assert discover(list(reversed(texts)), stopwords=frozenset(read_words(DICTS / "stopwords.txt"))) == found
    assert "手冲" not in {w.word for w in discover(texts, known={"手冲"})}
    assert discover([]) == [] and discover(["好"] * 10) == []


def test_rare_ngrams_are_never_counted():
    counts, totals = count_ngrams(["甲乙丙丁", "甲乙丙", "甲乙戊"], max_len=4, min_count=2)
    assert counts == {"甲": 3, "乙": 3, "丙": 2, "甲乙": 3, "乙丙": 2, "甲乙丙": 2}
    assert totals[1:] == [10, 7, 4, 1]


def test_boundaries_count_as_distinct_neighbours():
    assert entropy(Counter({"a": 2})) == 0.0
    assert entropy(Counter(), edges=4) == pytest.approx(entropy(Counter("abcd")))
