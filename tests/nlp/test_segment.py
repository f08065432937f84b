import pickle
import random
import sys

import jieba
import pytest

from nlp import segment
from nlp.segment import DICTS, Segmenter, function_word, parse_entry, read_words

CHAT = ("想要伪素颜效果", "有没有低因的咖啡豆推荐", "宝宝红屁屁怎么办", "熬夜党求推荐遮瑕", "手冲和冷萃哪个好喝",
        "夜醒好几次", "这个粉底液卡粉吗", "燕麦拿铁yyds", "绝绝子！", "哈哈哈哈哈", "要不起要不起要不起",
        "感动常在啊", "都能刷哈哈哈", "我们中出了一个叛徒", "南京市长江大桥", "他来到了网易杭研大厦")
MIXED = ("iPhone 8贴上去四周翘边", "平时37-38就差不错了", "等音源T.T", "C-POP我为中文歌骄傲", "2018.6.20记得联系我",
         "领了3.5g流量", "yo-yo唱的不错", "我原来叫doctor.j", "F117-B1哪款好", "100%好评", "a+b=c#", "AT&T的B超",
         "3D打印", "5&6", "x_y", "1%2", "ok啦OK", "T恤XL码", "卡拉OK", "u盘64G")
EMOJI = ("😂😂笑死", "[捂脸]", "👍🏻好评", "🉑", "❤️宝宝", "🤣🤣🤣哈哈", "✨伪素颜✨")
PUNCT = "，。！？、；：“”‘’（）【】《》…—～·,.!?;:'\"()[]<>-_+=#&%*/\\|@$^~` \t\n\r\u3000"
ODD = ("\x1c", "\x1f", "\x85", "\xa0", "\u2028", "\u200b", "\ufeff", "\r\n", "\ud800", "\x00", "\u9fd6", "\u9fff",
       "\u3400", "\uf900", "\U00020000", "\U0002a6d6", "鿏", "㐀", "龘", "\u0301", "ﾊ", "Ａ", "１")


def varied_texts(n: int, seed: int = 42) -> list[str]:
    """Chat, mixed English and digits, emoji, punctuation and random unicode, deterministic."""
    rng = random.Random(seed)
    common = "".join(CHAT) + ("的了是我你在有不这个人们来到时大地为子中上说生国年着就那和要她出也得里后自以会家可下"
                              "而过天去能对小多然于心学么之都好看起发当没成只如事把还用第样道想作种开美总从无情己面")
    pieces = [*CHAT, *MIXED, *EMOJI]
    texts = []
    for i in range(n):
        kind = i % 5
        if kind == 0:  # chat: phrases joined by punctuation
            texts.append("".join(rng.choice(pieces) + rng.choice(PUNCT) for _ in range(rng.randint(1, 4))))
        elif kind == 1:  # random common characters with letters and digits
            alphabet = common + "abcXYZ0123456789.-+#&_%"
            texts.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30))))
        elif kind == 2:  # repetitions: ties in the route and in the HMM
            unit = "".join(rng.choice("哈啊要不起的了呢嘻") for _ in range(rng.randint(1, 3)))
            texts.append(unit * rng.randint(1, 8))
        elif kind == 3:  # random unicode, including surrogates and CJK beyond jieba's range
            texts.append("".join(chr(rng.choice((rng.randrange(0x20, 0x3000), rng.randrange(0x3000, 0xA000),
                                                 rng.randrange(0xA000, 0x30000))))
                                 for _ in range(rng.randint(1, 20))))
        else:  # chat with odd characters spliced in
            text = list(rng.choice(pieces) + rng.choice(pieces))
            for _ in range(rng.randint(1, 3)):
                text.insert(rng.randrange(len(text) + 1), rng.choice(ODD))
            texts.append("".join(text))
    return texts


@pytest.fixture(scope="module")
def jieba_dictionary():
    return segment._jieba_dictionary(None)  # jieba.Tokenizer().initialize()'s (FREQ, total), loaded once


def reference_tokenizer(jieba_dictionary, entries) -> jieba.Tokenizer:
    """jieba configured by hand the way the Segmenter says it configures it (the loaded
    dictionary is copied, as loading it again takes half a second)."""
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ, tokenizer.total, tokenizer.initialized = dict(jieba_dictionary[0]), jieba_dictionary[1], True
    for entry in entries:
        tokenizer.add_word(*parse_entry(entry))
    return tokenizer


@pytest.fixture(scope="module")
def fast():
    return Segmenter()  # rjieba where installed (a pinned dependency), else jieba


@pytest.fixture(scope="module")
def reference(jieba_dictionary):
    return reference_tokenizer(jieba_dictionary, read_words(DICTS / "userdict.txt"))


@pytest.fixture
def dicts(tmp_path):
    (tmp_path / "communities").mkdir()
    (tmp_path / "userdict.txt").write_text("伪素颜\n手冲 5\n", encoding="utf-8")
    (tmp_path / "stopwords.txt").write_text("的\n", encoding="utf-8")
    # a word jieba already has (its total then grows twice), ASCII words, a frequency and a tag
    (tmp_path / "communities" / "coffee.txt").write_text(
        "# coffee group\n燕麦奶拿铁\n宝宝\niPhone 3 eng\n37-38\nT.T\n冷萃 20 n\n", encoding="utf-8")
    return tmp_path


def test_domain_words_stay_whole_and_stopwords_go(fast):
    assert "伪素颜" in fast.tokens("想要伪素颜效果")
    assert fast.keywords("有没有低因的咖啡豆推荐") == ["低因", "咖啡豆"]


def test_user_words_per_community(fast):
    assert "燕麦奶拿铁" in Segmenter(user_words=["燕麦奶拿铁"]).tokens("想喝燕麦奶拿铁")
    assert "燕麦奶拿铁" not in fast.tokens("想喝燕麦奶拿铁")


def test_keywords_drop_single_characters_and_punctuation(fast):
    words = fast.keywords("好的！！！ 咖啡 , 。 a 1234")
    assert words == ["咖啡"]


def test_rjieba_engine_cuts_exactly_as_jieba(fast, reference):
    pytest.importorskip("rjieba")
    assert fast.engine == "rjieba"
    texts = varied_texts(3000)
    assert [fast.cut(t) for t in texts] == [reference.lcut(t) for t in texts]
    assert [fast.tokens(t) for t in texts] == [[w for w in reference.lcut(t) if w.strip()] for t in texts]


def test_community_dictionary_and_user_words_cut_exactly_as_jieba(dicts, jieba_dictionary):
    texts = [*varied_texts(300, seed=7), "想喝燕麦奶拿铁", "宝宝的iPhone", "平时37-38码T.T", "冷萃手冲伪素颜",
             "ab中", "xab的", "ab", "abab哈哈", "cab"]
    # one-letter words make rjieba's "ab" ambiguous (the word ab, or a then b): those texts go to jieba
    user_words = ["夜醒 9", "a 100000", "b 100000", "ab 3"]
    entries = [*read_words(dicts / "userdict.txt"), *read_words(dicts / "communities" / "coffee.txt"), *user_words]
    reference = reference_tokenizer(jieba_dictionary, entries)
    assert reference.lcut("ab") == ["a", "b"]  # rjieba's route says "ab", as for the word ab
    for engine in ("rjieba", "jieba") if segment.resolve_engine("auto") == "rjieba" else ("jieba",):
        segmenter = Segmenter(user_words=user_words, dict_dir=dicts, community="coffee", engine=engine)
        assert [segmenter.cut(t) for t in texts] == [reference.lcut(t) for t in texts]
    assert "燕麦奶拿铁" in segmenter.tokens("想喝燕麦奶拿铁")
    assert "燕麦奶拿铁" in segmenter.vocabulary and "燕麦奶拿铁" not in Segmenter(dict_dir=dicts).vocabulary


def test_community_without_a_file_uses_the_shared_dictionary(dicts):
    assert Segmenter(dict_dir=dicts, community="parents", engine="jieba").entries == ("伪素颜", "手冲 5")
    with pytest.raises(ValueError):
        Segmenter(dict_dir=dicts, community="../coffee")
    assert (DICTS / "communities" / "README.md").exists()


def test_segment_all_in_worker_processes_matches_one_process(fast, monkeypatch):
    monkeypatch.setattr(segment, "PARALLEL_MIN_CHARS", 100)
    monkeypatch.setattr(segment, "CHUNK_TEXTS", 100)
    texts = varied_texts(600, seed=3)
    assert fast.segment_all(texts, workers=2) == fast.segment_all(texts, workers=1) == [fast.tokens(t) for t in texts]


def test_a_pickled_segmenter_rebuilds_the_same_dictionary(fast):
    copy = pickle.loads(pickle.dumps(fast))
    texts = varied_texts(200, seed=5)
    assert copy.entries == fast.entries and [copy.cut(t) for t in texts] == [fast.cut(t) for t in texts]


def test_auto_falls_back_to_jieba_without_rjieba(monkeypatch):
    monkeypatch.setitem(sys.modules, "rjieba", None)  # import fails
    assert segment.resolve_engine("auto") == "jieba"
    with pytest.raises(ImportError):
        segment.resolve_engine("rjieba")
    with pytest.raises(ValueError):
        segment.resolve_engine("fast")


def test_jieba_engine_keeps_the_same_tokens(fast):
    slow = Segmenter(engine="jieba")
    texts = varied_texts(300, seed=11)
    assert slow.engine == "jieba" and slow.segment_all(texts) == fast.segment_all(texts)


def test_keywords_of_every_text_segment_each_distinct_text_once(fast, monkeypatch):
    texts = ["想要低因咖啡豆", "+1", "想要低因咖啡豆", "宝宝湿疹反复怎么办", "想要低因咖啡豆"]
    segmented = []
    original = fast.segment_all
    monkeypatch.setattr(fast, "segment_all", lambda batch, workers=2: segmented.extend(batch) or original(batch, workers))
    found = fast.keywords_all(texts)
    assert found == [fast.keywords(t) for t in texts] and "低因" in found[0]
    assert segmented == ["想要低因咖啡豆", "+1", "宝宝湿疹反复怎么办"]


def test_segmenting_workers_die_on_sigterm_whatever_handler_the_parent_has(fast):
    """Prefect installs a SIGTERM handler that raises; forked workers must not keep it, or
    Pool.terminate() can wait for ever on a worker blocked on its task queue."""
    import signal

    def raise_instead(signum, frame):
        raise RuntimeError("the parent's handler")

    previous = signal.signal(signal.SIGTERM, raise_instead)
    try:
        with segment._pool_context().Pool(1, segment._start_worker, (fast,)) as pool:
            assert pool.apply(signal.getsignal, (signal.SIGTERM,)) == signal.SIG_DFL
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_function_words_are_read_from_jiebas_tags():
    assert all(map(function_word, ["总是", "如何", "这种", "的", "哈哈", "一块", "一款", "几天"]))
    assert not any(map(function_word, ["六个月", "五分钟", "绝地", "美妆蛋", "充电宝", "觉得", "低因"]))
