"""evaluate_sentiment, label normalisation and the load_scorer factory."""
from __future__ import annotations

import pytest

from nlp.sentiment import (
    KINDS, LexiconSentiment, SentimentScorer, SentimentUnavailable, evaluate_sentiment, load_scorer,
)
from nlp.sentiment.evaluate import macro_f1
from nlp.sentiment.labels import normalize_labels, polarity_label


class FixedScores(SentimentScorer):
    """Returns the score written after '=' in each text ("x=0.5")."""

    name = "fixed"

    def score(self, texts):
        return [float(t.split("=")[1]) for t in texts]


def test_accuracy_f1_and_ties_count_as_negative():
    texts = ["a=0.9", "b=0.2", "c=0", "d=-0.4", "e=0", "f=0.3"]
    labels = [1, 1, 1, 0, 0, 0]
    result = evaluate_sentiment(FixedScores(), texts, labels)
    assert set(result) == {"accuracy", "macro_f1", "n", "messages_per_second", "zero_share"}
    # predicted 1,1,0,0,0,1: the tie "c=0" is a (wrong) negative, "e=0" a (right) negative
    assert result["accuracy"] == pytest.approx(4 / 6)
    assert result["macro_f1"] == pytest.approx(2 / 3)
    assert result["n"] == 6
    assert result["zero_share"] == pytest.approx(2 / 6)
    assert result["messages_per_second"] > 0


def test_label_spellings_in_evaluation():
    texts = ["a=1", "b=-1", "c=1", "d=-1"]
    for labels in ([1, 0, 1, 0], ["pos", "neg", "positive", "negative"], ["正面", "负面", "Positive", "NEGATIVE"]):
        assert evaluate_sentiment(FixedScores(), texts, labels)["accuracy"] == 1.0


def test_evaluation_errors():
    with pytest.raises(ValueError, match="2 texts but 1 labels"):
        evaluate_sentiment(FixedScores(), ["a=1", "b=1"], [1])
    with pytest.raises(ValueError, match="no texts"):
        evaluate_sentiment(FixedScores(), [], [])
    with pytest.raises(ValueError, match="unknown sentiment label"):
        evaluate_sentiment(FixedScores(), ["a=1"], ["maybe"])


def test_macro_f1_edge_cases():
    assert macro_f1([1, 0], [1, 0]) == 1.0
    assert macro_f1([1, 1], [0, 0]) == 0.0
    assert macro_f1([1, 1, 0], [1, 1, 1]) == pytest.approx((0.8 + 0.0) / 2)


@pytest.mark.parametrize("label, value", [
    (1, 1), (0, 0), ("1", 1), ("0.0", 0), (True, 1), ("pos", 1), ("NEG", 0), ("Positive", 1),
    ("负面", 0), ("积极", 1), ("消极", 0), (2, None), ("neutral", None), (None, None), (float("nan"), None),
])
def test_polarity_label(label, value):
    assert polarity_label(label) == value


def test_normalize_labels_reports_many_unknowns():
    with pytest.raises(ValueError, match=r"'a' \(row 0\).*and 2 more"):
        normalize_labels(["a", "b", "c", "d", "e", "f", "g", 1])


def test_evaluates_the_real_lexicon_scorer():
    texts = ["味道很好，推荐", "太难吃了", "送餐很快，好吃", "等了两个小时，菜都凉了"]
    result = evaluate_sentiment(LexiconSentiment(), texts, [1, 0, 1, 0])
    assert result["accuracy"] == 1.0 and result["macro_f1"] == 1.0


def test_load_scorer_kinds(tmp_path):
    assert KINDS == ("lexicon", "trained", "transformers")
    assert isinstance(load_scorer(), LexiconSentiment)
    assert isinstance(load_scorer("lexicon"), LexiconSentiment)
    with pytest.raises(ValueError, match="unknown sentiment scorer 'vader'"):
        load_scorer("vader")
    for kind in ("trained", "transformers"):
        with pytest.raises(ValueError, match="needs a model"):
            load_scorer(kind)
    with pytest.raises(SentimentUnavailable):
        load_scorer("trained", str(tmp_path / "missing"))
    with pytest.raises(SentimentUnavailable, match="no sentiment dictionary folder"):
        load_scorer("lexicon", str(tmp_path / "missing"))


def test_load_scorer_lexicon_with_own_dictionary(tmp_path):
    (tmp_path / "positive.txt").write_text("棒呆\n", encoding="utf-8")
    (tmp_path / "negative.txt").write_text("糟透\n", encoding="utf-8")
    scorer = load_scorer("lexicon", str(tmp_path))
    good, bad = scorer.score(["棒呆", "糟透"])
    assert good > 0 > bad
