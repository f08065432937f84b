"""train_sentiment / TrainedSentiment: fit on a small labelled set, save as plain files, load back."""
from __future__ import annotations

import json

import numpy as np
import pytest

from nlp.sentiment import SentimentScorer, SentimentUnavailable, TrainedSentiment, load_scorer, train_sentiment

POSITIVE = [
    "味道很好，下次还点", "送餐很快，好吃", "非常满意，五星好评", "分量足，性价比高", "小哥态度很好，谢谢",
    "包装精致，很喜欢", "好吃不贵，推荐", "汤很鲜，米饭香", "准时送到，还是热的", "老板人好，菜也好吃",
    "团长辛苦了，东西很新鲜", "水果很甜，孩子爱吃", "这次的菜比上次还好", "服务周到，值得推荐", "超级好吃，赞",
]
NEGATIVE = [
    "太难吃了，再也不点了", "送了两个小时，菜都凉了", "分量太少，差评", "米饭是馊的", "小哥态度很差",
    "包装破了，汤洒了一地", "太咸了，没法吃", "等了好久，还送错了", "收到的水果是烂的", "客服不理人，退款也不给",
    "又贵又难吃", "菜里有头发，恶心", "比上次差远了，失望", "肉不新鲜，拉肚子了", "坑人，大家别买",
]
TEXTS = POSITIVE + NEGATIVE
LABELS = [1] * len(POSITIVE) + [0] * len(NEGATIVE)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("trained")
    return train_sentiment(TEXTS, LABELS, folder), folder


def test_fits_and_separates_the_training_set(trained):
    model, _ = trained
    assert isinstance(model, SentimentScorer) and model.name == "trained"
    scores = model.score(TEXTS)
    assert all(-1.0 <= s <= 1.0 for s in scores)
    assert np.mean([(s > 0) == (y == 1) for s, y in zip(scores, LABELS)]) >= 0.9
    assert model.summary["positive"] == len(POSITIVE) and model.summary["negative"] == len(NEGATIVE)


def test_saved_as_plain_files_and_loads_back_identically(trained):
    model, folder = trained
    assert sorted(p.name for p in folder.iterdir()) == ["model.json", "vocabulary.json", "weights.npz"]
    meta = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    assert meta["format"] == "qunsheng-sentiment-tfidf-logreg" and meta["features"]["lexicon"] is True
    with np.load(folder / "weights.npz", allow_pickle=False) as arrays:  # no pickled objects inside
        assert set(arrays.files) == {"idf", "coef"}
    loaded = TrainedSentiment.load(folder)
    texts = ["味道很好", "太难吃了", "", "明天几点集合", None]
    np.testing.assert_allclose(loaded.score(texts), model.score(texts), atol=1e-5)
    same = load_scorer("trained", str(folder))
    np.testing.assert_allclose(same.score(texts), model.score(texts), atol=1e-5)


def test_generalises_a_little_beyond_the_training_texts(trained):
    model, _ = trained
    good, bad = model.score(["很好吃，推荐", "难吃，差评"])
    assert good > 0 > bad


def test_empty_input(trained):
    assert trained[0].score([]) == []


@pytest.mark.parametrize(
    "pos, neg",
    [(1, 0), ("1", "0"), ("pos", "neg"), ("Positive", "Negative"), (" POSITIVE ", "negative"),
     ("正面", "负面"), (True, False), (1.0, 0.0), (np.int64(1), np.int64(0))],
)
def test_label_spellings(tmp_path, pos, neg):
    labels = [pos] * len(POSITIVE) + [neg] * len(NEGATIVE)
    model = train_sentiment(TEXTS, labels, tmp_path, use_lexicon=False)
    assert model.lexicon_weight is None
    assert model.summary["positive"] == len(POSITIVE)


def test_unknown_labels_are_rejected_clearly(tmp_path):
    with pytest.raises(ValueError, match=r"unknown sentiment label.*'neutral' \(row 2\).*正面/负面"):
        train_sentiment(["好", "坏", "嗯"], [1, 0, "neutral"], tmp_path)
    with pytest.raises(ValueError, match="unknown sentiment label"):
        train_sentiment(["好", "坏"], [1, 2], tmp_path)
    assert not any(tmp_path.iterdir())  # nothing written


def test_needs_both_classes_and_matching_lengths(tmp_path):
    with pytest.raises(ValueError, match="both positive and negative"):
        train_sentiment(POSITIVE, [1] * len(POSITIVE), tmp_path)
    with pytest.raises(ValueError, match="3 texts but 2 labels"):
        train_sentiment(["好", "坏", "嗯"], [1, 0], tmp_path)


def test_missing_or_foreign_folder_is_unavailable(tmp_path):
    with pytest.raises(SentimentUnavailable, match="missing model.json"):
        TrainedSentiment.load(tmp_path / "nope")
    for name in ("model.json", "vocabulary.json"):
        (tmp_path / name).write_text('{"format": "something-else"}', encoding="utf-8")
    np.savez(tmp_path / "weights.npz", idf=np.zeros(1), coef=np.zeros(1))
    with pytest.raises(SentimentUnavailable, match="expected 'qunsheng-sentiment-tfidf-logreg'"):
        load_scorer("trained", str(tmp_path))
