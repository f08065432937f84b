"""TransformersSentiment against tiny random-weight classifiers built on disk (fully offline)."""
from __future__ import annotations

import json
import shutil
import time

import pytest

from nlp.sentiment import SentimentScorer, SentimentUnavailable, load_scorer
from nlp.sentiment.transformers import TransformersSentiment, label_polarities
from tests.tiny_model import build_tiny_sentiment_classifier

TEXTS = ["味道很好，下次还点", "太难吃了", "", "明天下午三点集合", "送餐很快 👍", "等了两个小时" * 30]


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("sentiment-models")
    binary = build_tiny_sentiment_classifier(root / "binary")
    return {"binary": binary, "emotion": relabelled(binary, root / "emotion", ["喜悦", "愤怒"])}


def relabelled(model_dir, out_dir, labels, **config_changes):
    """A copy of a saved model with other class names (and other config.json changes)."""
    shutil.copytree(model_dir, out_dir)
    config = json.loads((out_dir / "config.json").read_text(encoding="utf-8"))
    config.update(id2label=dict(enumerate(labels)), label2id={n: i for i, n in enumerate(labels)}, **config_changes)
    (out_dir / "config.json").write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
    return out_dir


@pytest.fixture(scope="module")
def scorer(models):
    return TransformersSentiment(str(models["binary"]), device="cpu", batch_size=2)


def test_loads_through_real_transformers_code(scorer, models):
    from transformers import BertForSequenceClassification

    assert isinstance(scorer, SentimentScorer) and scorer.name == "transformers"
    assert isinstance(scorer._model, BertForSequenceClassification)
    assert scorer.labels == ["NEGATIVE", "POSITIVE"] and scorer.polarities == [-1.0, 1.0]
    assert scorer.model_id == f"hf:{models['binary']}"


def test_score_is_positive_minus_negative_probability(scorer, models):
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(models["binary"])
    model = AutoModelForSequenceClassification.from_pretrained(models["binary"]).eval()
    with torch.no_grad():
        probs = torch.softmax(model(**tokenizer(TEXTS[:2], padding=True, return_tensors="pt")).logits, -1)
    expected = (probs[:, 1] - probs[:, 0]).tolist()
    assert scorer.score(TEXTS[:2]) == pytest.approx(expected, abs=1e-5)


def test_scores_in_range_order_and_batch_independent(scorer, models):
    scores = scorer.score(TEXTS + [None])
    assert len(scores) == len(TEXTS) + 1
    assert all(isinstance(s, float) and -1.0 <= s <= 1.0 for s in scores)
    assert len(set(round(s, 6) for s in scores[:2])) == 2  # different texts, different scores
    big_batches = TransformersSentiment(str(models["binary"]), device="cpu", batch_size=32)
    assert big_batches.score(TEXTS) == pytest.approx(scores[:-1], abs=1e-5)
    assert scorer.score(TEXTS[::-1]) == pytest.approx(scores[:-1][::-1], abs=1e-5)
    assert scorer.score([]) == []


def test_unknown_label_names_need_an_explicit_mapping(models):
    with pytest.raises(SentimentUnavailable, match=r"labels \['喜悦', '愤怒'\].*label_polarity"):
        TransformersSentiment(str(models["emotion"]))
    scorer = TransformersSentiment(str(models["emotion"]), label_polarity={"喜悦": 1, "愤怒": -1})
    assert scorer.polarities == [1.0, -1.0]
    assert all(-1.0 <= s <= 1.0 for s in scorer.score(TEXTS))


def test_factory_passes_options(models):
    scorer = load_scorer("transformers", str(models["binary"]), device="cpu", batch_size=4)
    assert isinstance(scorer, TransformersSentiment) and scorer.batch_size == 4


def test_unloadable_models_raise_clearly(tmp_path, models):
    with pytest.raises(SentimentUnavailable, match="no model folder"):
        TransformersSentiment(str(tmp_path / "missing"))
    start = time.perf_counter()
    with pytest.raises(SentimentUnavailable, match="cannot load text-classification model 'qunsheng-test/no-such'"):
        TransformersSentiment("qunsheng-test/no-such")  # offline: the local cache only, no download
    assert time.perf_counter() - start < 5
    headless = relabelled(models["binary"], tmp_path / "headless", ["NEGATIVE", "POSITIVE"],
                          architectures=["BertModel"])
    with pytest.raises(SentimentUnavailable, match="not a text-classification checkpoint"):
        TransformersSentiment(str(headless))


@pytest.mark.parametrize("labels, polarities", [
    ({0: "NEGATIVE", 1: "POSITIVE"}, [-1, 1]),
    ({0: "positive", 1: "negative"}, [1, -1]),
    ({0: "LABEL_0", 1: "LABEL_1"}, [-1, 1]),
    ({0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}, [-1, 0, 1]),
    ({"0": "0", "1": "1"}, [-1, 1]),
    ({0: "负面", 1: "正面"}, [-1, 1]),
    ({0: "消极", 1: "中性", 2: "积极"}, [-1, 0, 1]),
    ({0: "neg", 1: "neu", 2: "pos"}, [-1, 0, 1]),
    ({0: "Negative", 1: "Neutral", 2: "Positive"}, [-1, 0, 1]),
    ({0: "negative (stars 1, 2 and 3)", 1: "positive (stars 4 and 5)"}, [-1, 1]),
    ({0: "1 star", 1: "2 stars", 2: "3 stars", 3: "4 stars", 4: "5 stars"}, [-1, -0.5, 0, 0.5, 1]),
])
def test_label_polarities(labels, polarities):
    assert label_polarities(labels) == pytest.approx(polarities)


@pytest.mark.parametrize("labels", [
    {0: "joy", 1: "anger"}, {0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2", 3: "LABEL_3"}, {0: "LABEL_0", 1: "positive"},
])
def test_label_polarities_refuses_to_guess(labels):
    with pytest.raises(ValueError):
        label_polarities(labels)
